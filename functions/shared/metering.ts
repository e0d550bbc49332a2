import { createHash } from 'node:crypto';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type Deps, tableName } from './deps.js';

/**
 * Meters operators' API calls (Art. 17): every authenticated operator call, in every duty, adds one
 * to its counter at the end of the invocation — one UpdateItem ADD, awaited before the reply leaves,
 * so a container shut down after the reply has lost nothing.
 *
 * The `apiCalls` table: `CALLS#<month>#<shard>` / `<operator>#<function>` with `calls`, where the
 * shard (0–15) is a hash of the operator: a month's counters are spread over 16 partitions, each
 * operator's in one of them, so the monthly statement run reads them with 16 strongly consistent
 * queries (no index), and an operator's usage with one. A call is counted in the month (CST) in which
 * it ends; the statement of a month is issued hours after it ended, so no count of that month can
 * come in after it was read. Known limit: one operator's calls to one function share an item
 * (DynamoDB: about 1,000 writes a second); a counter write that fails twice is logged as an error and
 * that call is not billed.
 */
export const CALL_SHARDS = 16;
export const callShard = (org: string): number =>
  Number.parseInt(createHash('sha256').update(org).digest('hex').slice(0, 8), 16) % CALL_SHARDS;
export const callsPk = (month: string, shard: number) => `CALLS#${month}#${String(shard).padStart(2, '0')}`;
/** The month (`YYYY-MM`, China Standard Time) of an instant. */
export const cstMonth = (now: Date): string =>
  new Date(now.getTime() + 8 * 3_600_000).toISOString().slice(0, 7);

/** Counts one call of an operator organisation to function `fn` at `now`. */
export const countCall = async (
  deps: Pick<Deps, 'db' | 'tables' | 'logger'>,
  fn: string,
  org: string,
  now: Date,
): Promise<void> => {
  for (let attempt = 1; ; attempt++) {
    try {
      await deps.db.send(
        new UpdateCommand({
          TableName: tableName(deps, 'apiCalls'),
          Key: { pk: callsPk(cstMonth(now), callShard(org)), sk: `${org}#${fn}` },
          UpdateExpression: 'SET operatorOrg = :o, fn = :f ADD calls :one',
          ExpressionAttributeValues: { ':o': org, ':f': fn, ':one': 1 },
        }),
      );
      return;
    } catch (error) {
      if (attempt >= 2) {
        deps.logger.error('An API call could not be metered', { error: error as Error });
        return;
      }
    }
  }
};
