import { randomUUID } from 'node:crypto';
import {
  BatchWriteCommand,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { auditDay, type ChainedFields, chainHash, GENESIS_HASH, seqKey } from './audit-chain.js';
import type { Principal } from './auth.js';
import { countMetric, currentCorrelationId, withCorrelation } from './context.js';
import { type Deps, type DomainEvent, tableName } from './deps.js';
import { type AppError, ConflictError, StaleVersionError, transientAwsError } from './errors.js';

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

  /**
   * Writes everything or nothing. `reply` is stored for Idempotency-Key replays of a create.
   *
   * Each audit event extends its resource's hash chain (functions/shared/audit-chain.ts): the head of
   * every audited resource is read first and the event is written at `seq = head + 1` under
   * `attribute_not_exists`. When a concurrent writer extended the same chain first, the transaction is
   * cancelled on that audit item and retried over the new head; the change's own conditions still
   * decide whether the change may happen at all.
   */
  async commit(reply?: StoredReply): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const chained = this.changes.length > 0 ? await this.chainHeads() : new Map<string, ChainHead>();
      const result = await this.tryCommit(chained, reply);
      if (result === 'committed') break;
      if (attempt >= MAX_CHAIN_ATTEMPTS) throw new StaleVersionError();
    }
    // Business metrics: every committed domain event, by name, per function (e.g. GrantSuspended).
    for (const entry of this.outbox) if (entry.event) countMetric(entry.event.detailType);
    if (this.outbox.length) await relayOutbox(this.deps, this.outbox);
  }

  /** The last audit event (seq and hash) of each resource this transaction audits. */
  private async chainHeads(): Promise<Map<string, ChainHead>> {
    const table = tableName(this.deps, 'audit');
    const resources = [...new Set(this.changes.map((c) => c.resource))];
    const heads = await Promise.all(
      resources.map(async (resource) => {
        const out = await this.deps.db.send(
          new QueryCommand({
            TableName: table,
            KeyConditionExpression: '#r = :r',
            ExpressionAttributeNames: { '#r': 'resource' },
            ExpressionAttributeValues: { ':r': resource },
            ScanIndexForward: false,
            Limit: 1,
            ConsistentRead: true,
          }),
        );
        const last = out.Items?.[0];
        const head: ChainHead =
          last && typeof last.seq === 'number' && typeof last.hash === 'string'
            ? { seq: last.seq, hash: last.hash }
            : { seq: 0, hash: GENESIS_HASH };
        return [resource, head] as const;
      }),
    );
    return new Map(heads);
  }

  private async tryCommit(
    heads: Map<string, ChainHead>,
    reply: StoredReply | undefined,
  ): Promise<'committed' | 'chain-moved'> {
    const { principal, requestId, now } = this.actor;
    const at = now.toISOString();
    const items: Op[] = [...this.ops];
    const actor = { userId: principal.userId, role: principal.role, org: principal.org };
    const auditFrom = items.length;
    for (const c of this.changes) {
      const head = heads.get(c.resource) ?? { seq: 0, hash: GENESIS_HASH };
      const fields: ChainedFields = {
        resource: c.resource,
        seq: head.seq + 1,
        at,
        action: c.action,
        actor,
        before: c.before ?? null,
        after: c.after ?? null,
        requestId,
        prevHash: head.hash,
      };
      const hash = chainHash(fields);
      heads.set(c.resource, { seq: fields.seq, hash });
      items.push({
        item: {
          Put: {
            TableName: tableName(this.deps, 'audit'),
            Item: {
              ...fields,
              sk: seqKey(fields.seq),
              hash,
              // Flat copies for the supervision indexes (by organisation, user, day); verified too.
              actorOrg: actor.org,
              actorUser: actor.userId,
              actorRole: actor.role,
              day: auditDay(at),
            },
            // Append-only, one event per place in the chain: a fork is a cancelled transaction.
            ConditionExpression: 'attribute_not_exists(#r)',
            ExpressionAttributeNames: { '#r': 'resource' },
          },
        },
        onConflict: () => new StaleVersionError(),
      });
    }
    const auditTo = items.length;
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
      return 'committed';
    } catch (e) {
      const reasons = (e as { CancellationReasons?: { Code?: string }[] }).CancellationReasons;
      if (!reasons) throw transientAwsError(e) ?? e;
      const failed = reasons.findIndex((r) => r.Code === 'ConditionalCheckFailed');
      // No failed condition: cancelled by a concurrent transaction (`TransactionConflict`) or throttling.
      if (failed < 0) {
        const transient = transientAwsError(e);
        // A concurrent request under the same Idempotency-Key may be committing right now: once it
        // has, its record answers this one (a replay, or `idempotency_key_reused`).
        if (transient?.status === 409 && this.idempotency && reply) {
          for (let i = 0; i < 5; i++) {
            await new Promise((r) => setTimeout(r, 20 * (i + 1)));
            await settleIdempotency(this.deps, this.idempotency);
          }
        }
        throw transient ?? e;
      }
      // The idempotency record is the last item. When a concurrent request with the same key committed
      // first, its record decides, whatever else failed with it: the same request gets the first reply,
      // another request under that key a 409 (never another body's record).
      const claim = this.idempotency;
      if (claim && reply && reasons[items.length - 1]?.Code === 'ConditionalCheckFailed') {
        await settleIdempotency(this.deps, claim);
      }
      // Only the audit chain moved (the change's own conditions held): retry over the new head.
      if (failed >= auditFrom && failed < auditTo) return 'chain-moved';
      throw items[failed]?.onConflict() ?? e;
    }
  }
}

/** Attempts of a commit whose audit chain was extended concurrently before giving up with a 409. */
const MAX_CHAIN_ATTEMPTS = 5;

interface ChainHead {
  readonly seq: number;
  readonly hash: string;
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

/**
 * After a request under an Idempotency-Key failed: if a request under the same key has committed
 * meanwhile, its stored reply answers this one when it was the same request (`IdempotentReplay`), and
 * anything else under that key is a 409 `idempotency_key_reused`. Returns when nothing is stored.
 */
export const settleIdempotency = async (
  deps: Pick<Deps, 'db' | 'tables'>,
  claim: IdempotencyClaim,
): Promise<void> => {
  const stored = await readIdempotency(deps, claim.key);
  if (!stored) return;
  if (stored.requestHash !== claim.requestHash) throw new IdempotencyKeyReused();
  throw new IdempotentReplay(stored.reply);
};

/** An Idempotency-Key already used with a different request (method, path, body). */
export class IdempotencyKeyReused extends ConflictError {
  constructor() {
    super('This Idempotency-Key was used with a different request', 'idempotency_key_reused');
  }
}

export const readIdempotency = async (
  deps: Pick<Deps, 'db' | 'tables'>,
  key: string,
): Promise<{ requestHash: string; reply: StoredReply } | undefined> => {
  const out = await deps.db.send(
    new GetCommand({ TableName: tableName(deps, 'idempotency'), Key: { key }, ConsistentRead: true }),
  );
  return out.Item as { requestHash: string; reply: StoredReply } | undefined;
};
