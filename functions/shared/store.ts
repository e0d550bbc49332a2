import { randomUUID } from 'node:crypto';
import {
  BatchWriteCommand,
  GetCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { Principal } from './auth.js';
import { countMetric, currentCorrelationId, withCorrelation } from './context.js';
import { type Deps, type DomainEvent, tableName } from './deps.js';
import { type AppError, StaleVersionError } from './errors.js';

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];
type Item = Record<string, unknown>;

/** Who acts and in which request: carried by every state change into its audit event. */
export interface Actor {
  readonly principal: Principal | SystemActor;
  readonly requestId: string;
  readonly now: Date;
}

/** Scheduled jobs and workflow steps act as the platform itself. */
export interface SystemActor {
  readonly userId: string;
  readonly role: 'system';
  readonly org: 'platform';
}
export const systemActor = (job: string): SystemActor => ({
  userId: `system:${job}`,
  role: 'system',
  org: 'platform',
});

/** A state change as its audit event records it (Art. 15, 18: attributable to a person and an organisation). */
export interface Change {
  readonly action: string;
  /** `<type>/<id>`, e.g. `catalog-entry/ce_…`. */
  readonly resource: string;
  readonly before?: Item | null;
  readonly after?: Item | null;
}

/** A replayed response stored with the first create (Idempotency-Key). */
export interface StoredReply {
  readonly status: number;
  readonly body: unknown;
}

export interface IdempotencyClaim {
  readonly key: string;
  readonly requestHash: string;
}

const IDEMPOTENCY_TTL_SECONDS = 24 * 3600;

/** Thrown when a concurrent request with the same Idempotency-Key committed first. */
export class IdempotentReplay extends Error {
  constructor(readonly reply: StoredReply) {
    super('replayed');
  }
}

interface Op {
  readonly item: TransactItem;
  readonly onConflict: () => AppError | Error;
}

/**
 * One DynamoDB transaction holding a state change, its audit events and (for creates) the
 * idempotency record, so that no change exists without its audit event and a retried create can
 * never write twice. Conditions on each operation turn lost updates into 409s.
 */
export class Transaction {
  private readonly ops: Op[] = [];
  private readonly changes: Change[] = [];
  private readonly outbox: OutboxEntry[] = [];

  constructor(
    private readonly deps: Pick<Deps, 'db' | 'tables'> & Partial<Pick<Deps, 'events' | 'logger'>>,
    private readonly actor: Actor,
    private readonly idempotency?: IdempotencyClaim,
  ) {}

  put(
    table: Parameters<typeof tableName>[1],
    item: Item,
    opts: {
      condition?: string;
      names?: Record<string, string>;
      values?: Item;
      onConflict?: () => AppError;
    } = {},
  ): this {
    this.ops.push({
      item: {
        Put: {
          TableName: tableName(this.deps, table),
          Item: item,
          ...(opts.condition ? { ConditionExpression: opts.condition } : {}),
          ...(opts.names ? { ExpressionAttributeNames: opts.names } : {}),
          ...(opts.values ? { ExpressionAttributeValues: opts.values } : {}),
        },
      },
      onConflict: opts.onConflict ?? (() => new StaleVersionError()),
    });
    return this;
  }

  /** Put that replaces an item only if its stored `version` is still `expectedVersion`. */
  putVersioned(
    table: Parameters<typeof tableName>[1],
    item: Item & { version: number },
    expectedVersion: number,
  ): this {
    return this.put(table, item, {
      condition: '#v = :expected',
      names: { '#v': 'version' },
      values: { ':expected': expectedVersion },
      onConflict: () => new StaleVersionError(expectedVersion),
    });
  }

  /** Put that must create a new item (fails with the given conflict when the key exists). */
  create(
    table: Parameters<typeof tableName>[1],
    item: Item,
    keyAttr: string,
    onConflict?: () => AppError,
  ): this {
    return this.put(table, item, {
      condition: 'attribute_not_exists(#k)',
      names: { '#k': keyAttr },
      ...(onConflict ? { onConflict } : {}),
    });
  }

  update(
    table: Parameters<typeof tableName>[1],
    key: Item,
    update: { expression: string; condition?: string; names?: Record<string, string>; values?: Item },
    onConflict: () => AppError = () => new StaleVersionError(),
  ): this {
    this.ops.push({
      item: {
        Update: {
          TableName: tableName(this.deps, table),
          Key: key,
          UpdateExpression: update.expression,
          ...(update.condition ? { ConditionExpression: update.condition } : {}),
          ...(update.names ? { ExpressionAttributeNames: update.names } : {}),
          ...(update.values ? { ExpressionAttributeValues: update.values } : {}),
        },
      },
      onConflict,
    });
    return this;
  }

  conditionCheck(
    table: Parameters<typeof tableName>[1],
    key: Item,
    check: { condition: string; names?: Record<string, string>; values?: Item },
    onConflict: () => AppError,
  ): this {
    this.ops.push({
      item: {
        ConditionCheck: {
          TableName: tableName(this.deps, table),
          Key: key,
          ConditionExpression: check.condition,
          ...(check.names ? { ExpressionAttributeNames: check.names } : {}),
          ...(check.values ? { ExpressionAttributeValues: check.values } : {}),
        },
      },
      onConflict,
    });
    return this;
  }

  audit(change: Change): this {
    this.changes.push(change);
    return this;
  }

  /**
   * Domain events of this change. They are written to the outbox in the same transaction, published
   * right after the commit, and re-published by the `outbox-relay` schedule if that publish was lost:
   * no committed change loses its event (consumers see each at least once).
   */
  publish(...events: DomainEvent[]): this {
    // The request's correlation id travels with the event (outbox → bus → consumers' logs).
    const correlationId = currentCorrelationId();
    for (const event of events) {
      this.outbox.push({ id: randomUUID(), event: correlationId ? { ...event, correlationId } : event });
    }
    return this;
  }

  /**
   * A workflow execution this change starts, through the same outbox: started right after the commit,
   * and by the relay if that start was lost. The execution name makes a repeated start a no-op.
   */
  startWorkflow(machine: string, name: string, input: unknown): this {
    this.outbox.push({ id: randomUUID(), start: { machine, name, input: withCorrelation(input) } });
    return this;
  }

  /** Writes everything or nothing. `reply` is stored for Idempotency-Key replays of a create. */
  async commit(reply?: StoredReply): Promise<void> {
    const { principal, requestId, now } = this.actor;
    const at = now.toISOString();
    const items: Op[] = [...this.ops];
    this.changes.forEach((c, i) => {
      items.push({
        item: {
          Put: {
            TableName: tableName(this.deps, 'audit'),
            Item: {
              resource: c.resource,
              sk: `${at}#${requestId}#${i}`,
              at,
              action: c.action,
              actor: { userId: principal.userId, role: principal.role, org: principal.org },
              before: c.before ?? null,
              after: c.after ?? null,
              requestId,
            },
            // Append-only: an audit event is never overwritten.
            ConditionExpression: 'attribute_not_exists(#r)',
            ExpressionAttributeNames: { '#r': 'resource' },
          },
        },
        onConflict: () => new Error('audit event collision'),
      });
    });
    const expiresAt = Math.floor(now.getTime() / 1000) + OUTBOX_TTL_SECONDS;
    for (const entry of this.outbox) {
      items.push({
        item: {
          Put: {
            TableName: tableName(this.deps, 'outbox'),
            Item: { ...entry, createdAt: at, pending: 'pending', expiresAt },
          },
        },
        onConflict: () => new Error('outbox id collision'),
      });
    }
    if (this.idempotency && reply) {
      const claim = this.idempotency;
      items.push({
        item: {
          Put: {
            TableName: tableName(this.deps, 'idempotency'),
            Item: {
              key: claim.key,
              requestHash: claim.requestHash,
              reply,
              expiresAt: Math.floor(now.getTime() / 1000) + IDEMPOTENCY_TTL_SECONDS,
            },
            ConditionExpression: 'attribute_not_exists(#k)',
            ExpressionAttributeNames: { '#k': 'key' },
          },
        },
        onConflict: () => new Error('idempotency'),
      });
    }
    if (items.length > 100) throw new Error('A transaction holds at most 100 items');
    try {
      await this.deps.db.send(
        new TransactWriteCommand({ TransactItems: items.map((o) => o.item), ClientRequestToken: undefined }),
      );
    } catch (e) {
      const reasons = (e as { CancellationReasons?: { Code?: string }[] }).CancellationReasons;
      if (!reasons) throw e;
      const failed = reasons.findIndex((r) => r.Code === 'ConditionalCheckFailed');
      if (failed < 0) throw e;
      const isIdempotency = this.idempotency && reply && failed === items.length - 1;
      if (isIdempotency && this.idempotency) {
        const stored = await readIdempotency(this.deps, this.idempotency.key);
        if (stored) throw new IdempotentReplay(stored.reply);
      }
      throw items[failed]?.onConflict() ?? e;
    }
    // Business metrics: every committed domain event, by name, per function (e.g. GrantSuspended).
    for (const entry of this.outbox) if (entry.event) countMetric(entry.event.detailType);
    if (this.outbox.length) await relayOutbox(this.deps, this.outbox);
  }
}

const OUTBOX_TTL_SECONDS = 7 * 24 * 3600;

/** What a change hands on after its commit: a domain event, or a workflow execution to start. */
export interface OutboxEntry {
  readonly id: string;
  readonly event?: DomainEvent;
  readonly start?: { readonly machine: string; readonly name: string; readonly input: unknown };
}

/**
 * Publishes outbox events, starts outbox workflows, and deletes the entries once that worked. A
 * failure is logged and left to the relay schedule: the change is already committed, so the request
 * itself still succeeds.
 */
export const relayOutbox = async (
  deps: Pick<Deps, 'db' | 'tables'> & Partial<Pick<Deps, 'events' | 'workflows' | 'logger'>>,
  entries: readonly OutboxEntry[],
): Promise<number> => {
  const events = entries.flatMap((e) => (e.event ? [e.event] : []));
  const starts = entries.flatMap((e) => (e.start ? [e.start] : []));
  try {
    if (events.length) {
      if (!deps.events) throw new Error('This function publishes events but has no publisher');
      await deps.events.publish(events);
    }
    for (const s of starts) {
      if (!deps.workflows) throw new Error('This function starts workflows but has no engine');
      await deps.workflows.start(s.machine, s.name, s.input);
    }
  } catch (error) {
    deps.logger?.warn('Handing on the outbox failed; the outbox relay will retry', { error: error as Error });
    return 0;
  }
  // Handed on: delete the entries. Should that fail, the relay hands them on once more (consumers are
  // idempotent, starts are named); the committed change must not answer 500 for it.
  try {
    const table = tableName(deps, 'outbox');
    for (let i = 0; i < entries.length; i += 25) {
      let requests: Record<string, unknown>[] = entries
        .slice(i, i + 25)
        .map(({ id }) => ({ DeleteRequest: { Key: { id } } }));
      while (requests.length) {
        const out = await deps.db.send(new BatchWriteCommand({ RequestItems: { [table]: requests } }));
        requests = (out.UnprocessedItems?.[table] ?? []) as Record<string, unknown>[];
      }
    }
  } catch (error) {
    deps.logger?.warn('Outbox cleanup failed; the relay will re-publish', { error: error as Error });
  }
  return entries.length;
};

export const readIdempotency = async (
  deps: Pick<Deps, 'db' | 'tables'>,
  key: string,
): Promise<{ requestHash: string; reply: StoredReply } | undefined> => {
  const out = await deps.db.send(
    new GetCommand({ TableName: tableName(deps, 'idempotency'), Key: { key }, ConsistentRead: true }),
  );
  return out.Item as { requestHash: string; reply: StoredReply } | undefined;
};

/** Base64url cursor over a DynamoDB LastEvaluatedKey. */
export const encodeCursor = (key: Record<string, unknown> | undefined): string | undefined =>
  key ? Buffer.from(JSON.stringify(key)).toString('base64url') : undefined;

export const decodeCursor = (cursor: string | undefined): Record<string, unknown> | undefined => {
  if (!cursor) return undefined;
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
};
