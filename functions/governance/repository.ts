import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { type Deps, tableName } from '../shared/deps.js';
import { indexPage, type Page, queryAll } from '../shared/query.js';
import type { Transaction } from '../shared/store.js';
import type { GovernanceRequest } from './domain.js';

/**
 * The governance table: one item per request (`REQ#<id>` / `REQ`). `dueKey` + `dueSort` exist only
 * while a request is forwarded and not yet escalated, so the daily overdue check queries exactly the
 * open requests past their deadline.
 */
const pk = (id: string) => `REQ#${id}`;
const HEAD = 'REQ';
/** One partition holds the open deadlines: at city scale a few thousand items at most. */
const OPEN = 'open';

const item = (r: GovernanceRequest) => ({
  pk: pk(r.id),
  sk: HEAD,
  itemType: 'governance-request',
  createdSort: `${r.createdAt}#${r.id}`,
  ...(r.status === 'forwarded' && !r.overdue && r.deadline
    ? { dueKey: OPEN, dueSort: `${r.deadline}#${r.id}` }
    : {}),
  ...r,
});

const fromItem = (i: Record<string, unknown>): GovernanceRequest => {
  const { pk: _p, sk: _s, itemType: _t, createdSort: _c, dueKey: _d, dueSort: _ds, ...r } = i;
  return r as unknown as GovernanceRequest;
};

export const governanceRepository = (deps: Pick<Deps, 'db' | 'tables'>) => {
  const table = tableName(deps, 'governance');
  return {
    async get(id: string): Promise<GovernanceRequest | undefined> {
      const out = await deps.db.send(
        new GetCommand({ TableName: table, Key: { pk: pk(id), sk: HEAD }, ConsistentRead: true }),
      );
      return out.Item ? fromItem(out.Item) : undefined;
    },
    create(tx: Transaction, r: GovernanceRequest): Transaction {
      return tx.create('governance', item(r), 'pk');
    },
    save(tx: Transaction, r: GovernanceRequest, previousVersion: number): Transaction {
      return tx.putVersioned('governance', item(r), previousVersion);
    },
    async list(
      by: { operatorOrg: string } | { providerOrg: string } | { all: true },
      q: {
        status?: string | undefined;
        overdue?: boolean | undefined;
        limit: number;
        cursor?: string | undefined;
      },
    ): Promise<Page<GovernanceRequest>> {
      const [index, attr, value] =
        'operatorOrg' in by
          ? ['byOperator', 'operatorOrg', by.operatorOrg]
          : 'providerOrg' in by
            ? ['byProvider', 'providerOrg', by.providerOrg]
            : ['byType', 'itemType', 'governance-request'];
      return indexPage(deps, {
        table,
        index,
        attr,
        value,
        equals: { status: q.status, overdue: q.overdue },
        keyAttrs: ['pk', 'sk', attr, 'createdSort'],
        limit: q.limit,
        cursor: q.cursor,
        map: fromItem,
      });
    },
    /** Forwarded, not yet escalated requests whose deadline is before `now` (a Query, never a Scan). */
    async overdue(now: Date): Promise<GovernanceRequest[]> {
      const items = await queryAll(deps, {
        TableName: table,
        IndexName: 'byDeadline',
        KeyConditionExpression: 'dueKey = :k AND dueSort < :now',
        ExpressionAttributeValues: { ':k': OPEN, ':now': now.toISOString() },
      });
      return items.map(fromItem);
    },
  };
};
