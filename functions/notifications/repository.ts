import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { type Deps, tableName } from '../shared/deps.js';
import type { Transaction } from '../shared/store.js';
import type { Notification } from './domain.js';

/** Notifications kept a year (DynamoDB TTL). */
const RETENTION_SECONDS = 365 * 24 * 3600;

/** The notifications table: partition = recipient inbox, sort key = time-sortable notification id. */
export const notificationsRepository = (deps: Pick<Deps, 'db' | 'tables'>) => {
  const table = tableName(deps, 'notifications');
  const item = (n: Notification) => ({
    recipient: n.recipientKey,
    sk: n.id,
    ...n,
    expiresAt: Math.floor(Date.parse(n.createdAt) / 1000) + RETENTION_SECONDS,
  });
  const fromItem = (i: Record<string, unknown>): Notification => {
    const { recipient: _r, sk: _s, expiresAt: _e, ...n } = i;
    return n as unknown as Notification;
  };
  return {
    /** Writes a notification once: a redelivered event finds it there and changes nothing. */
    async deliver(n: Notification): Promise<boolean> {
      try {
        await deps.db.send(
          new PutCommand({
            TableName: table,
            Item: item(n),
            ConditionExpression: 'attribute_not_exists(sk)',
          }),
        );
        return true;
      } catch (e) {
        if ((e as { name?: string }).name === 'ConditionalCheckFailedException') return false;
        throw e;
      }
    },

    /** The newest notifications of the given inboxes, merged. */
    async latest(
      inboxes: readonly string[],
      q: { limit: number; unread?: boolean | undefined },
    ): Promise<Notification[]> {
      const pages = await Promise.all(
        inboxes.map((inbox) =>
          deps.db.send(
            new QueryCommand({
              TableName: table,
              KeyConditionExpression: 'recipient = :r',
              ...(q.unread ? { FilterExpression: 'attribute_not_exists(readAt)' } : {}),
              ExpressionAttributeValues: { ':r': inbox },
              ScanIndexForward: false,
              Limit: q.unread ? q.limit * 4 : q.limit,
            }),
          ),
        ),
      );
      return pages
        .flatMap((p) => (p.Items ?? []).map(fromItem))
        .sort((a, b) => b.id.localeCompare(a.id))
        .slice(0, q.limit);
    },

    /** The notification with this id in one of the caller's inboxes. */
    async findIn(inboxes: readonly string[], id: string): Promise<Notification | undefined> {
      for (const inbox of inboxes) {
        const out = await deps.db.send(
          new GetCommand({ TableName: table, Key: { recipient: inbox, sk: id }, ConsistentRead: true }),
        );
        if (out.Item) return fromItem(out.Item);
      }
      return undefined;
    },

    markRead(tx: Transaction, n: Notification, at: string, by: string): Transaction {
      return tx.update(
        'notifications',
        { recipient: n.recipientKey, sk: n.id },
        {
          expression: 'SET readAt = :at, readBy = :by',
          condition: 'attribute_exists(sk)',
          values: { ':at': at, ':by': by },
        },
      );
    },
  };
};
