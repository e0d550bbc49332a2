import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { type Deps, tableName } from '../shared/deps.js';
import { strip } from '../shared/items.js';
import { indexPage, type Page } from '../shared/query.js';
import type { Transaction } from '../shared/store.js';
import type { Incident } from './domain.js';

/** The incidents table: `INCIDENT#<id>` / `HEAD`; by reporter organisation and for everyone, newest first. */
const pk = (id: string) => `INCIDENT#${id}`;
const item = (i: Incident) => ({
  pk: pk(i.id),
  sk: 'HEAD',
  itemType: 'incident',
  createdSort: `${i.createdAt}#${i.id}`,
  ...i,
});
const fromItem = (x: Record<string, unknown>) => strip<Incident>(x, ['pk', 'sk', 'itemType', 'createdSort']);

export const incidentsRepository = (deps: Pick<Deps, 'db' | 'tables'>) => {
  const table = tableName(deps, 'incidents');
  return {
    async get(id: string): Promise<Incident | undefined> {
      const out = await deps.db.send(
        new GetCommand({ TableName: table, Key: { pk: pk(id), sk: 'HEAD' }, ConsistentRead: true }),
      );
      return out.Item ? fromItem(out.Item) : undefined;
    },
    create: (tx: Transaction, i: Incident) => tx.create('incidents', item(i), 'pk'),
    save: (tx: Transaction, i: Incident, previous: number) => tx.putVersioned('incidents', item(i), previous),
    list(q: {
      reporterOrg?: string;
      status?: string;
      severity?: string;
      limit: number;
      cursor?: string | undefined;
    }): Promise<Page<Incident>> {
      const [index, attr, value] = q.reporterOrg
        ? ['byReporter', 'reporterOrg', q.reporterOrg]
        : ['byType', 'itemType', 'incident'];
      return indexPage(deps, {
        table,
        index,
        attr,
        value,
        equals: { status: q.status, severity: q.severity },
        keyAttrs: ['pk', 'sk', attr, 'createdSort'],
        limit: q.limit,
        cursor: q.cursor,
        map: fromItem,
      });
    },
  };
};
