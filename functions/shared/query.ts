import { QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { Deps } from './deps.js';
import { ValidationError } from './errors.js';
import { decodeCursor, encodeCursor } from './store.js';

export interface Page<T> {
  readonly items: T[];
  readonly nextCursor: string | null;
}

/**
 * Queries until `limit` items passed the filter or the partition is exhausted, so filtered pages are
 * full. The cursor is the key of the last item returned (not DynamoDB's last evaluated key), which
 * keeps pages exact when a query read past the page.
 */
export const queryPage = async <T>(
  deps: Pick<Deps, 'db'>,
  input: Omit<QueryCommandInput, 'ExclusiveStartKey' | 'Limit'>,
  opts: {
    limit: number;
    cursor: string | undefined;
    keyAttrs: readonly string[];
    map: (item: Record<string, unknown>) => T;
  },
): Promise<Page<T>> => {
  let start = decodeCursor(opts.cursor);
  // A cursor must be exactly a key of this query (string attributes), or DynamoDB would answer 500.
  const wellFormed =
    !!start &&
    Object.keys(start).sort().join() === [...opts.keyAttrs].sort().join() &&
    Object.values(start).every((v) => typeof v === 'string');
  if (opts.cursor && !wellFormed) {
    throw new ValidationError('Invalid cursor', [
      { path: 'query.cursor', message: 'Not a cursor this API issued' },
    ]);
  }
  const raw: Record<string, unknown>[] = [];
  let exhausted = false;
  while (raw.length < opts.limit && !exhausted) {
    const out = await deps.db.send(
      new QueryCommand({
        ...input,
        // One item past the page tells whether more exist; a filter may drop items, so read further ahead.
        Limit: input.FilterExpression ? Math.max(opts.limit * 2, 25) : opts.limit + 1,
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    raw.push(...((out.Items ?? []) as Record<string, unknown>[]));
    start = out.LastEvaluatedKey;
    exhausted = !start;
  }
  const items = raw.slice(0, opts.limit);
  const last = items.at(-1);
  const more = raw.length > opts.limit || !exhausted;
  const cursorKey = more && last ? Object.fromEntries(opts.keyAttrs.map((k) => [k, last[k]])) : undefined;
  return { items: items.map(opts.map), nextCursor: encodeCursor(cursorKey) ?? null };
};
