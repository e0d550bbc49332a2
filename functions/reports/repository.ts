import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { type Deps, tableName } from '../shared/deps.js';
import { ConflictError } from '../shared/errors.js';
import { strip } from '../shared/items.js';
import { indexPage, type Page, queryAll, queryPages } from '../shared/query.js';
import type { Transaction } from '../shared/store.js';
import { pendingDeadline, type Report } from './domain.js';

/**
 * The reports table. `REPORT#<id>` / `HEAD` holds the current revision; `REV#0001`… keep every earlier
 * revision exactly as it was submitted (created once, never rewritten). Index attributes:
 * - `operatorOrg`, `grantorOrg`, `reportGrant`, `itemType` + `createdSort`: the lists;
 * - `deadlineKey` (sparse: reports waiting on a due date or a supplement deadline, not yet flagged)
 *   + `deadlineSort`: the daily overdue sweep reads only what is past due, never the table.
 * The id is derived from (grant, period), so the head's conditional create is the once-per-period guard.
 */
const pk = (id: string) => `REPORT#${id}`;
const HEAD = 'HEAD';
const revSk = (n: number) => `REV#${String(n).padStart(4, '0')}`;
const WAITING = 'waiting';

const headItem = (r: Report) => {
  const deadline = pendingDeadline(r);
  return {
    pk: pk(r.id),
    sk: HEAD,
    itemType: 'report',
    ...r,
    reportGrant: r.grantId,
    createdSort: `${r.createdAt}#${r.id}`,
    ...(deadline ? { deadlineKey: WAITING, deadlineSort: `${deadline}#${r.id}` } : {}),
  };
};
const INDEX_ATTRS = ['pk', 'sk', 'itemType', 'reportGrant', 'createdSort', 'deadlineKey', 'deadlineSort'];
const fromItem = (item: Record<string, unknown>): Report => strip<Report>(item, INDEX_ATTRS);

export const reportsRepository = (deps: Pick<Deps, 'db' | 'tables'>) => {
  const table = tableName(deps, 'reports');
  return {
    async get(id: string, consistent = false): Promise<Report | undefined> {
      const out = await deps.db.send(
        new GetCommand({ TableName: table, Key: { pk: pk(id), sk: HEAD }, ConsistentRead: consistent }),
      );
      return out.Item ? fromItem(out.Item) : undefined;
    },

    /** Creates a due report; a second create for the same grant and period fails (idempotent schedule). */
    create(tx: Transaction, r: Report): Transaction {
      return tx.create(
        'reports',
        headItem(r),
        'pk',
        () => new ConflictError('The report exists', 'report_exists'),
      );
    },

    save(tx: Transaction, r: Report, previousVersion: number): Transaction {
      return tx.putVersioned('reports', headItem(r), previousVersion);
    },

    /** Keeps a revision as it was: created once, never overwritten. */
    archive(tx: Transaction, r: Report): Transaction {
      return tx.create(
        'reports',
        { pk: pk(r.id), sk: revSk(r.revision), ...r },
        'pk',
        () => new ConflictError('This revision is already archived', 'revision_exists'),
      );
    },

    async revisions(id: string): Promise<Report[]> {
      const items = await queryAll(deps, {
        TableName: table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :rev)',
        ExpressionAttributeValues: { ':pk': pk(id), ':rev': 'REV#' },
      });
      return items.map(fromItem);
    },

    list(q: {
      operatorOrg?: string;
      grantorOrg?: string;
      grantId?: string;
      status?: string;
      limit: number;
      cursor: string | undefined;
    }): Promise<Page<Report>> {
      const [index, attr, value] = q.grantId
        ? ['byGrant', 'reportGrant', q.grantId]
        : q.operatorOrg
          ? ['byOperator', 'operatorOrg', q.operatorOrg]
          : q.grantorOrg
            ? ['byGrantor', 'grantorOrg', q.grantorOrg]
            : ['byType', 'itemType', 'report'];
      return indexPage(deps, {
        table,
        index,
        attr,
        value,
        equals: {
          status: q.status,
          ...(q.grantId ? { operatorOrg: q.operatorOrg, grantorOrg: q.grantorOrg } : {}),
        },
        keyAttrs: ['pk', 'sk', attr, 'createdSort'],
        limit: q.limit,
        cursor: q.cursor,
        map: fromItem,
      });
    },

    /** Reports whose due date or supplement deadline passed before `now` and are not flagged yet. */
    async *pastDeadline(now: Date): AsyncGenerator<Report[]> {
      for await (const items of queryPages(deps, {
        TableName: table,
        IndexName: 'byDeadline',
        KeyConditionExpression: 'deadlineKey = :k AND deadlineSort < :now',
        ExpressionAttributeValues: { ':k': WAITING, ':now': now.toISOString() },
      })) {
        yield items.map(fromItem);
      }
    },
  };
};
