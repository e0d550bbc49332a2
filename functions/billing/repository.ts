import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { type Deps, tableName } from '../shared/deps.js';
import { ConflictError } from '../shared/errors.js';
import { strip } from '../shared/items.js';
import { CALL_SHARDS, callShard, callsPk } from '../shared/metering.js';
import { indexPage, type Page, queryPage, queryPages } from '../shared/query.js';
import type { Transaction } from '../shared/store.js';
import type { Meter, Statement } from './domain.js';

/**
 * The billing table (Art. 17):
 * - `USAGE#<usageId>` / `USAGE`: one metered use (conditional create: a redelivered ResourceUsed
 *   records nothing);
 * - `METER#<operator>#<month>` / `<resource>#<unit>`: the month's quantity (ADD in the same
 *   transaction as the use);
 * - `OPS#<month>#<shard>` / `<operator>`: the operators with metered use in a month (written in the
 *   same transaction), spread over the 16 shards of functions/shared/metering.ts, so the statement
 *   run finds every one of them with strongly consistent queries on the base table (no index: an
 *   index could miss an operator whose first use had just been recorded);
 * - `STMT#<operator>` / `<month>`: the statement (conditional create: once per operator and month),
 *   indexed by `stmtMonth` + `operatorOrg` for the authority's monthly list.
 * A use is booked with a check that its month's statement does not exist yet, and a statement is
 * issued with a check that each meter it read still holds the quantity read: a use can neither slip in
 * after the statement read its month nor be lost.
 */
const meterPk = (operatorOrg: string, month: string) => `METER#${operatorOrg}#${month}`;
/** The meters' head item: how many uses the month holds (read first, checked when the statement is issued). */
const HEAD = '#HEAD';
const stmtPk = (operatorOrg: string) => `STMT#${operatorOrg}`;
const opsPk = (month: string, shard: number) => `OPS#${month}#${String(shard).padStart(2, '0')}`;

/** A month's meter and its head, as stored (exported for bulk seeding in the benchmark). */
export const meterItems = (m: Meter, uses: number) => [
  {
    pk: meterPk(m.operatorOrg, m.month),
    sk: `${m.resource}#${m.unit}`,
    operatorOrg: m.operatorOrg,
    meterMonth: m.month,
    resource: m.resource,
    unit: m.unit,
    quantity: m.quantity,
  },
  { pk: meterPk(m.operatorOrg, m.month), sk: HEAD, uses },
  { pk: opsPk(m.month, callShard(m.operatorOrg)), sk: m.operatorOrg, operatorOrg: m.operatorOrg },
];

const meterFrom = (i: Record<string, unknown>): Meter => ({
  operatorOrg: String(i.operatorOrg),
  month: String(i.meterMonth),
  resource: String(i.resource),
  unit: String(i.unit),
  quantity: Number(i.quantity),
});
const stmtItem = (s: Statement) => ({ pk: stmtPk(s.operatorOrg), sk: s.month, stmtMonth: s.month, ...s });
const stmtFrom = (i: Record<string, unknown>) => strip<Statement>(i, ['pk', 'sk', 'stmtMonth']);

export interface Use {
  readonly usageId: string;
  readonly operatorOrg: string;
  readonly resource: string;
  readonly unit: string;
  readonly quantity: number;
  readonly at: string;
  readonly bookedMonth: string;
  readonly subject?: string | undefined;
  readonly grantId?: string | undefined;
  readonly entitlementId?: string | undefined;
  readonly recordedAt: string;
}

export const billingRepository = (deps: Pick<Deps, 'db' | 'tables'>) => {
  const table = tableName(deps, 'billing');
  const callsTable = tableName(deps, 'apiCalls');
  return {
    async use(usageId: string): Promise<Use | undefined> {
      const out = await deps.db.send(
        new GetCommand({
          TableName: table,
          Key: { pk: `USAGE#${usageId}`, sk: 'USAGE' },
          ConsistentRead: true,
        }),
      );
      return out.Item ? strip<Use>(out.Item, ['pk', 'sk']) : undefined;
    },

    /** Records a use once and adds it to its month's meter, unless that month's statement exists. */
    recordUse(tx: Transaction, u: Use): Transaction {
      const month = u.bookedMonth;
      return (
        tx
          .create(
            'billing',
            { pk: `USAGE#${u.usageId}`, sk: 'USAGE', ...u },
            'pk',
            () => new ConflictError('Already recorded', 'usage_exists'),
          )
          .update(
            'billing',
            { pk: meterPk(u.operatorOrg, month), sk: `${u.resource}#${u.unit}` },
            {
              expression: 'SET operatorOrg = :o, meterMonth = :m, #r = :r, #u = :u ADD quantity :q',
              names: { '#r': 'resource', '#u': 'unit' },
              values: {
                ':o': u.operatorOrg,
                ':m': month,
                ':r': u.resource,
                ':u': u.unit,
                ':q': u.quantity,
              },
            },
          )
          // The month's operators: the statement run reads this list, consistently.
          .update(
            'billing',
            { pk: opsPk(month, callShard(u.operatorOrg)), sk: u.operatorOrg },
            { expression: 'SET operatorOrg = :o', values: { ':o': u.operatorOrg } },
          )
          // The month's use count: a statement is issued only if no use came in since it read the month.
          .update(
            'billing',
            { pk: meterPk(u.operatorOrg, month), sk: HEAD },
            { expression: 'ADD #n :one', names: { '#n': 'uses' }, values: { ':one': 1 } },
          )
          .conditionCheck(
            'billing',
            { pk: stmtPk(u.operatorOrg), sk: month },
            { condition: 'attribute_not_exists(pk)' },
            () => new ConflictError(`The statement of ${month} is already issued`, 'statement_issued'),
          )
      );
    },

    async statement(operatorOrg: string, month: string, consistent = true): Promise<Statement | undefined> {
      const out = await deps.db.send(
        new GetCommand({
          TableName: table,
          Key: { pk: stmtPk(operatorOrg), sk: month },
          ConsistentRead: consistent,
        }),
      );
      return out.Item ? stmtFrom(out.Item) : undefined;
    },

    /**
     * Every operator with metered use or API calls in a month, with its API calls, read with strongly
     * consistent queries on the base tables (the month's 16 shards of each), sorted by operator.
     */
    async operatorsOfMonth(
      month: string,
    ): Promise<{ operators: { operatorOrg: string; apiCalls: number }[]; itemsRead: number }> {
      const calls = new Map<string, number>();
      let itemsRead = 0;
      const read = async (
        params: { TableName: string; pk: string },
        add: (i: Record<string, unknown>) => void,
      ) => {
        for await (const items of queryPages(deps, {
          TableName: params.TableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': params.pk },
          ConsistentRead: true,
        })) {
          itemsRead += items.length;
          items.forEach(add);
        }
      };
      await Promise.all(
        Array.from({ length: CALL_SHARDS }, (_, shard) =>
          Promise.all([
            read({ TableName: table, pk: opsPk(month, shard) }, (i) => {
              const o = String(i.operatorOrg);
              calls.set(o, calls.get(o) ?? 0);
            }),
            read({ TableName: callsTable, pk: callsPk(month, shard) }, (i) => {
              const o = String(i.operatorOrg);
              calls.set(o, (calls.get(o) ?? 0) + Number(i.calls ?? 0));
            }),
          ]),
        ),
      );
      return {
        operators: [...calls.entries()]
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          .map(([operatorOrg, apiCalls]) => ({ operatorOrg, apiCalls })),
        itemsRead,
      };
    },

    /** An operator's API calls of a month so far (strongly consistent: one query of its shard). */
    async apiCallsOf(operatorOrg: string, month: string): Promise<number> {
      let n = 0;
      for await (const items of queryPages(deps, {
        TableName: callsTable,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :o)',
        ExpressionAttributeValues: { ':pk': callsPk(month, callShard(operatorOrg)), ':o': `${operatorOrg}#` },
        ConsistentRead: true,
      }))
        for (const i of items) n += Number(i.calls ?? 0);
      return n;
    },

    /**
     * An operator's month, read consistently from the base table: its use count (the head, read first)
     * and its meters. Read in this order, a use committed in between shows in the meters but not in
     * the count, so the statement's check on the count fails and the month is read again.
     */
    async monthOf(
      operatorOrg: string,
      month: string,
    ): Promise<{ uses: number; meters: Meter[]; itemsRead: number }> {
      const head = await deps.db.send(
        new GetCommand({
          TableName: table,
          Key: { pk: meterPk(operatorOrg, month), sk: HEAD },
          ConsistentRead: true,
        }),
      );
      const items: Record<string, unknown>[] = [];
      for await (const page of queryPages(deps, {
        TableName: table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': meterPk(operatorOrg, month) },
        ConsistentRead: true,
      }))
        items.push(...page);
      return {
        uses: Number(head.Item?.uses ?? 0),
        meters: items.filter((i) => i.sk !== HEAD).map(meterFrom),
        itemsRead: items.length + 1,
      };
    },

    /** Issues a statement once, and only if the month's use count is still the one it was built from. */
    issue(tx: Transaction, s: Statement, uses: number): Transaction {
      return tx
        .create(
          'billing',
          stmtItem(s),
          'pk',
          () => new ConflictError('Statement already issued', 'statement_exists'),
        )
        .conditionCheck(
          'billing',
          { pk: meterPk(s.operatorOrg, s.month), sk: HEAD },
          // A month of API calls only has no use count yet: it must still have none.
          uses === 0
            ? { condition: 'attribute_not_exists(#n)', names: { '#n': 'uses' } }
            : { condition: '#n = :n', names: { '#n': 'uses' }, values: { ':n': uses } },
          () => new ConflictError('A use came in while the statement was built', 'meter_changed'),
        );
    },

    save(tx: Transaction, s: Statement, previousVersion: number): Transaction {
      return tx.putVersioned('billing', stmtItem(s), previousVersion);
    },

    listOfOperator(
      operatorOrg: string,
      q: { limit: number; cursor: string | undefined },
    ): Promise<Page<Statement>> {
      return queryPage(
        deps,
        {
          TableName: table,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': stmtPk(operatorOrg) },
          ScanIndexForward: false,
        },
        { limit: q.limit, cursor: q.cursor, keyAttrs: ['pk', 'sk'], map: stmtFrom },
      );
    },

    listOfMonth(month: string, q: { limit: number; cursor: string | undefined }): Promise<Page<Statement>> {
      return indexPage(deps, {
        table,
        index: 'byStatementMonth',
        attr: 'stmtMonth',
        value: month,
        keyAttrs: ['pk', 'sk', 'stmtMonth', 'operatorOrg'],
        limit: q.limit,
        cursor: q.cursor,
        map: stmtFrom,
      });
    },
  };
};
