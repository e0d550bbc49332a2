import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  QueryCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { openCursor, sealCursor } from './cursor.js';
import type { Deps } from './deps.js';
import { ValidationError } from './errors.js';

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
  // The cursor is bound to this very query (partition, filters, their values): one issued for another
  // query, or edited, is a 400 before DynamoDB sees it.
  const binding = queryBinding(input);
  let start = openCursor(opts.cursor, binding);
  // Defence in depth: a signed cursor is still exactly a key of this query.
  if (start && Object.keys(start).sort().join() !== [...opts.keyAttrs].sort().join()) {
    throw new ValidationError('Invalid cursor', [
      { path: 'query.cursor', message: 'Not a cursor this API issued for this query' },
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
  return { items: items.map(opts.map), nextCursor: cursorKey ? sealCursor(cursorKey, binding) : null };
};

/** What a cursor is bound to: everything that selects the items of a query, nothing of its position. */
export const queryBinding = (input: Omit<QueryCommandInput, 'ExclusiveStartKey' | 'Limit'>): unknown => [
  input.TableName,
  input.IndexName ?? null,
  input.KeyConditionExpression ?? null,
  input.FilterExpression ?? null,
  input.ExpressionAttributeNames ?? null,
  input.ExpressionAttributeValues ?? null,
  input.ScanIndexForward ?? true,
];

/** The pages of a query, one DynamoDB response after the other, until the last. */
export async function* queryPages(
  deps: Pick<Deps, 'db'>,
  input: Omit<QueryCommandInput, 'ExclusiveStartKey'>,
): AsyncGenerator<Record<string, unknown>[]> {
  let start: Record<string, unknown> | undefined;
  do {
    const out = await deps.db.send(
      new QueryCommand({ ...input, ...(start ? { ExclusiveStartKey: start } : {}) }),
    );
    yield (out.Items ?? []) as Record<string, unknown>[];
    start = out.LastEvaluatedKey;
  } while (start);
}

/** Every item a query matches, page after page (for bounded sets: sweeps use indexes that stay small). */
export const queryAll = async (
  deps: Pick<Deps, 'db'>,
  input: Omit<QueryCommandInput, 'ExclusiveStartKey'>,
  max = Number.POSITIVE_INFINITY,
): Promise<Record<string, unknown>[]> => {
  const found: Record<string, unknown>[] = [];
  for await (const items of queryPages(deps, input)) {
    found.push(...items);
    if (found.length >= max) break;
  }
  return found.slice(0, max);
};

/** Gets many items by key, 100 per request, retrying what DynamoDB leaves unprocessed. */
export const batchGetAll = async (
  deps: Pick<Deps, 'db'>,
  table: string,
  keys: readonly Record<string, unknown>[],
  opts: { consistent?: boolean } = {},
): Promise<Record<string, unknown>[]> => {
  const found: Record<string, unknown>[] = [];
  for (let i = 0; i < keys.length; i += 100) {
    let pending: Record<string, unknown>[] | undefined = keys.slice(i, i + 100);
    while (pending?.length) {
      const out: BatchGetCommandOutput = await deps.db.send(
        new BatchGetCommand({
          RequestItems: { [table]: { Keys: pending, ConsistentRead: opts.consistent ?? false } },
        }),
      );
      found.push(...((out.Responses?.[table] ?? []) as Record<string, unknown>[]));
      pending = out.UnprocessedKeys?.[table]?.Keys as Record<string, unknown>[] | undefined;
    }
  }
  return found;
};

/**
 * A page of one index partition (`attr = value`), newest first, with optional equality filters — the
 * shape of most listings ("my grants", "requests for my entries").
 */
export const indexPage = <T>(
  deps: Pick<Deps, 'db'>,
  q: {
    table: string;
    index: string;
    attr: string;
    value: unknown;
    equals?: Record<string, unknown>;
    keyAttrs: readonly string[];
    limit: number;
    cursor: string | undefined;
    map: (item: Record<string, unknown>) => T;
  },
): Promise<Page<T>> => {
  const names: Record<string, string> = { '#k': q.attr };
  const values: Record<string, unknown> = { ':k': q.value };
  const filters: string[] = [];
  Object.entries(q.equals ?? {})
    .filter(([, v]) => v !== undefined)
    .forEach(([attr, v], i) => {
      names[`#f${i}`] = attr;
      values[`:f${i}`] = v;
      filters.push(`#f${i} = :f${i}`);
    });
  return queryPage(
    deps,
    {
      TableName: q.table,
      IndexName: q.index,
      KeyConditionExpression: '#k = :k',
      ScanIndexForward: false,
      ...(filters.length ? { FilterExpression: filters.join(' AND ') } : {}),
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    },
    { limit: q.limit, cursor: q.cursor, keyAttrs: q.keyAttrs, map: q.map },
  );
};
