import { countMetric } from '../shared/context.js';
import type { Deps, DomainEvent } from '../shared/deps.js';
import { tableName } from '../shared/deps.js';
import { queryPages } from '../shared/query.js';
import { type OutboxEntry, relayOutbox } from '../shared/store.js';

/** Events younger than this are still being published by the request that committed them. */
export const RELAY_GRACE_MS = 60_000;
const PAGE = 100;

/**
 * The outbox relay: publishes every pending event older than the grace period, oldest first, through
 * the sparse `byPending` index (only unpublished events carry `pending`), then deletes it.
 */
export const relayPending = async (deps: Deps): Promise<{ relayed: number }> => {
  const before = new Date(deps.clock.now().getTime() - RELAY_GRACE_MS).toISOString();
  let relayed = 0;
  let backlog = 0;
  for await (const items of queryPages(deps, {
    TableName: tableName(deps, 'outbox'),
    IndexName: 'byPending',
    KeyConditionExpression: 'pending = :p AND createdAt < :before',
    ExpressionAttributeValues: { ':p': 'pending', ':before': before },
    Limit: PAGE,
  })) {
    const entries = items.map((i) => ({
      id: String(i.id),
      ...(i.event ? { event: i.event as DomainEvent } : {}),
      ...(i.start ? { start: i.start as NonNullable<OutboxEntry['start']> } : {}),
    }));
    if (!entries.length) continue;
    backlog += entries.length;
    const n = await relayOutbox(deps, entries);
    if (n === 0) break; // the bus or Step Functions is down: try again on the next run
    relayed += n;
  }
  // Committed events the request could not hand on itself: alarmed when it stays above zero.
  countMetric('OutboxBacklog', backlog);
  countMetric('EventsRelayed', relayed);
  return { relayed };
};
