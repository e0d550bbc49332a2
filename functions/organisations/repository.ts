import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { type Deps, tableName } from '../shared/deps.js';
import { ConflictError as Conflict, type ConflictError } from '../shared/errors.js';
import { type Expert, expertFromItem, expertKey } from '../shared/experts.js';
import {
  type Organisation,
  organisationFromItem,
  organisationItem,
  orgKey,
} from '../shared/organisations.js';
import { indexPage, type Page } from '../shared/query.js';
import type { Transaction } from '../shared/store.js';

/**
 * The organisations table: `ORG#<code>` / `ORG` (the registry) and `EXPERT#<user id>` / `EXPERT` (the
 * pool); `itemType` + `listSort` index both listings.
 */
const expertItem = (e: Expert) => ({
  ...expertKey(e.userId),
  itemType: 'expert',
  listSort: e.userId,
  ...e,
});

const exists =
  (what: string): (() => ConflictError) =>
  () =>
    new Conflict(`${what} already exists`, 'already_exists');

export const organisationsRepository = (deps: Pick<Deps, 'db' | 'tables'>) => {
  const table = tableName(deps, 'organisations');
  return {
    async get(code: string): Promise<Organisation | undefined> {
      const out = await deps.db.send(
        new GetCommand({ TableName: table, Key: orgKey(code), ConsistentRead: true }),
      );
      return out.Item ? organisationFromItem(out.Item) : undefined;
    },
    create(tx: Transaction, o: Organisation): Transaction {
      return tx.create('organisations', organisationItem(o), 'pk', exists(`Organisation ${o.code}`));
    },
    save(tx: Transaction, o: Organisation, previousVersion: number): Transaction {
      return tx.putVersioned('organisations', organisationItem(o), previousVersion);
    },
    list(q: {
      kind?: string | undefined;
      limit: number;
      cursor?: string | undefined;
    }): Promise<Page<Organisation>> {
      return indexPage(deps, {
        table,
        index: 'byType',
        attr: 'itemType',
        value: 'organisation',
        equals: { kind: q.kind },
        keyAttrs: ['pk', 'sk', 'itemType', 'listSort'],
        limit: q.limit,
        cursor: q.cursor,
        map: organisationFromItem,
      });
    },
    async getExpert(userId: string): Promise<Expert | undefined> {
      const out = await deps.db.send(
        new GetCommand({ TableName: table, Key: expertKey(userId), ConsistentRead: true }),
      );
      return out.Item ? expertFromItem(out.Item) : undefined;
    },
    createExpert(tx: Transaction, e: Expert): Transaction {
      return tx.create('organisations', expertItem(e), 'pk', exists(`Expert ${e.userId}`));
    },
    saveExpert(tx: Transaction, e: Expert, previousVersion: number): Transaction {
      return tx.putVersioned('organisations', expertItem(e), previousVersion);
    },
    async listExperts(q: { field?: string | undefined; limit: number; cursor?: string | undefined }) {
      const page = await indexPage(deps, {
        table,
        index: 'byType',
        attr: 'itemType',
        value: 'expert',
        keyAttrs: ['pk', 'sk', 'itemType', 'listSort'],
        limit: q.limit,
        cursor: q.cursor,
        map: expertFromItem,
      });
      return q.field ? { ...page, items: page.items.filter((e) => e.fields.includes(q.field ?? '')) } : page;
    },
  };
};
