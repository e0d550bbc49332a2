import { GetCommand, PutCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { DAY_MS } from '../shared/clock.js';
import { type Deps, tableName } from '../shared/deps.js';
import { ConflictError } from '../shared/errors.js';
import { strip } from '../shared/items.js';
import { indexPage, type Page, queryAll, queryPages } from '../shared/query.js';
import type { Transaction } from '../shared/store.js';
import type { Grant, GrantStatus, ReminderDays } from './domain.js';

/**
 * The grants table. The head item of a grant (`GRANT#<id>` / `GRANT`) holds the agreement; index
 * attributes are derived from it on every write:
 * - `operatorOrg`, `grantorOrg`, `kind` + `createdSort`: the operator's, grantor's and everyone's lists;
 * - `listing` (sparse, active grants only) + `listingSort`: the public list (公示);
 * - `runningKey` (sparse, running grants only: active or suspended) + `createdSort`: what is in force,
 *   for the evaluation cycle and the credit-list name match (`RUNNING_INDEX`);
 * - `expiryDay` (sparse, running grants only: active or suspended) + `expirySort`: the expiry sweep and
 *   the reminders query one day-bucket at a time, never the whole table;
 * - `signDueKey` (sparse: grants waiting for signatures and not yet flagged overdue) + `signDueSort`:
 *   the signature-deadline sweep reads only the grants past their `signBy`.
 * Reminders sent are `REMINDER#090`… items in the grant's partition (created once, conditionally);
 * schedule checkpoints are `JOB#<name>` / `CHECKPOINT`.
 */
const pk = (id: string) => `GRANT#${id}`;
const HEAD = 'GRANT';
const reminderSk = (d: ReminderDays) => `REMINDER#${String(d).padStart(3, '0')}`;

export const dayOf = (iso: string): string => iso.slice(0, 10);

const running = (s: GrantStatus) => s === 'active' || s === 'suspended';

/** The sparse index of running grants (active or suspended): its partition key and value. */
export const RUNNING_INDEX = { name: 'byRunning', key: 'runningKey', value: 'running' } as const;

const SIGNING = 'signing';

/** The stored head item of a grant (exported for bulk seeding in the benchmark). */
export const headItem = (g: Grant) => ({
  pk: pk(g.id),
  sk: HEAD,
  kind: 'grant',
  ...g,
  createdSort: `${g.createdAt}#${g.id}`,
  ...(running(g.status) ? { [RUNNING_INDEX.key]: RUNNING_INDEX.value } : {}),
  ...(g.status === 'active' && g.effectiveFrom
    ? { listing: 'active', listingSort: `${g.effectiveFrom}#${g.id}` }
    : {}),
  ...(running(g.status) && g.expiresAt
    ? { expiryDay: dayOf(g.expiresAt), expirySort: `${g.expiresAt}#${g.id}` }
    : {}),
  ...(g.status === 'signing' && g.signBy && !g.signatureOverdueAt
    ? { signDueKey: SIGNING, signDueSort: `${g.signBy}#${g.id}` }
    : {}),
});

const INDEX_ATTRS = [
  'pk',
  'sk',
  'kind',
  'createdSort',
  RUNNING_INDEX.key,
  'listing',
  'listingSort',
  'expiryDay',
  'expirySort',
  'signDueKey',
  'signDueSort',
];

const fromItem = (item: Record<string, unknown>): Grant => strip<Grant>(item, INDEX_ATTRS);

/** A scope entry of a grant that may no longer be authorized (Art. 8): withdrawn or restricted. */
export interface ScopeEntryEnded {
  readonly entryId: string;
  readonly cause: 'entry-withdrawn' | 'entry-restricted';
  readonly reason: string;
  readonly at: string;
  /** The catalog entry's version that caused it: an older event never overwrites a newer record. */
  readonly catalogVersion: number;
}
const scopeSk = (entryId: string) => `SCOPE#${entryId}`;

/** Art. 9: the operator of a running grant was put on the credit list (an entry in force). */
export interface CreditListing {
  readonly entryId: string;
  readonly matchedBy: 'credit-code' | 'name';
  readonly list: string;
  readonly source: string;
  readonly listedAt: string;
  readonly flaggedAt: string;
  readonly review?: CreditListingReview;
}
export interface CreditListingReview {
  readonly decision: 'suspend' | 'dismiss';
  readonly reason: string;
  readonly taskId: string;
  readonly decidedBy: string;
  readonly decidedAt: string;
}
const listingSk = (entryId: string) => `LISTING#${entryId}`;

/** Grants found by a sweep over a sparse index, with what the sweep paid to read them. */
export interface ExpiringScan {
  readonly grants: Grant[];
  /** Items DynamoDB returned (what the sweep paid to read). */
  readonly itemsRead: number;
  readonly queries: number;
}

export const grantsRepository = (deps: Pick<Deps, 'db' | 'tables'>) => {
  const table = tableName(deps, 'grants');

  /** Every grant the queries find, counting what they read (the sweeps report their cost). */
  const sweep = async (queries: readonly Omit<QueryCommandInput, 'ExclusiveStartKey'>[]) => {
    const scan = { grants: [] as Grant[], itemsRead: 0, queries: 0 };
    for (const input of queries) {
      for await (const items of queryPages(deps, input)) {
        scan.queries++;
        scan.itemsRead += items.length;
        scan.grants.push(...items.map(fromItem));
      }
    }
    return scan satisfies ExpiringScan;
  };

  return {
    async get(id: string, consistent = false): Promise<Grant | undefined> {
      const out = await deps.db.send(
        new GetCommand({ TableName: table, Key: { pk: pk(id), sk: HEAD }, ConsistentRead: consistent }),
      );
      return out.Item ? fromItem(out.Item) : undefined;
    },

    create(tx: Transaction, g: Grant): Transaction {
      return tx.create(
        'grants',
        headItem(g),
        'pk',
        () => new ConflictError('The grant already exists', 'grant_exists'),
      );
    },

    /** Conditional replace: fails with 409 if someone changed the grant since `previousVersion`. */
    save(tx: Transaction, g: Grant, previousVersion: number): Transaction {
      return tx.putVersioned('grants', headItem(g), previousVersion);
    },

    /** Stores the signature workflow's callback token, only while the grant still waits for signatures. */
    saveSignatureToken(tx: Transaction, id: string, token: string): Transaction {
      return tx.update(
        'grants',
        { pk: pk(id), sk: HEAD },
        {
          expression: 'SET #t = :t, #v = #v + :one',
          condition: '#s = :signing',
          names: { '#t': 'signatureToken', '#v': 'version', '#s': 'status' },
          values: { ':t': token, ':one': 1, ':signing': 'signing' },
        },
        () => new ConflictError('The grant no longer waits for signatures', 'invalid_state'),
      );
    },

    /**
     * Grants not yet ended whose scope holds a catalog entry: a Query of the `byKind` partition with a
     * filter (grants are few: one per operator and mode every two years).
     */
    async holdingEntry(entryId: string): Promise<Grant[]> {
      const found: Grant[] = [];
      for await (const items of queryPages(deps, {
        TableName: table,
        IndexName: 'byKind',
        KeyConditionExpression: '#k = :k',
        FilterExpression: 'contains(#scope, :e) AND NOT #s IN (:terminated, :expired)',
        ExpressionAttributeNames: { '#k': 'kind', '#scope': 'scope', '#s': 'status' },
        ExpressionAttributeValues: {
          ':k': 'grant',
          ':e': entryId,
          ':terminated': 'terminated',
          ':expired': 'expired',
        },
      }))
        found.push(...items.map(fromItem));
      return found;
    },

    /** Records (once per catalog version) that an entry of the grant's scope may no longer be authorized. */
    recordScopeEntryEnded(tx: Transaction, grantId: string, r: ScopeEntryEnded): Transaction {
      return tx.put(
        'grants',
        { pk: pk(grantId), sk: scopeSk(r.entryId), ...r },
        {
          condition: 'attribute_not_exists(pk) OR catalogVersion < :v',
          values: { ':v': r.catalogVersion },
          onConflict: () => new ConflictError('Already recorded', 'already_recorded'),
        },
      );
    },

    /** The scope entries of a grant that may no longer be authorized, by entry. */
    async scopeEnded(grantId: string): Promise<ScopeEntryEnded[]> {
      const items = await queryAll(deps, {
        TableName: table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :s)',
        ExpressionAttributeValues: { ':pk': pk(grantId), ':s': 'SCOPE#' },
      });
      return items.map((i) => ({
        entryId: String(i.entryId),
        cause: i.cause as ScopeEntryEnded['cause'],
        reason: String(i.reason),
        at: String(i.at),
        catalogVersion: Number(i.catalogVersion),
      }));
    },

    /**
     * Running grants (active or suspended) of an operator by credit code (`byOperator`, filtered), or
     * of every operator (the sparse `byRunning` index: only what is in force), for the Art. 9 credit
     * list match by name.
     */
    async running(operatorOrg?: string): Promise<Grant[]> {
      const found: Grant[] = [];
      const query: Omit<QueryCommandInput, 'TableName'> = operatorOrg
        ? {
            IndexName: 'byOperator',
            KeyConditionExpression: '#k = :k',
            FilterExpression: '#s IN (:active, :suspended)',
            ExpressionAttributeNames: { '#k': 'operatorOrg', '#s': 'status' },
            ExpressionAttributeValues: { ':k': operatorOrg, ':active': 'active', ':suspended': 'suspended' },
          }
        : {
            IndexName: RUNNING_INDEX.name,
            KeyConditionExpression: '#k = :k',
            ExpressionAttributeNames: { '#k': RUNNING_INDEX.key },
            ExpressionAttributeValues: { ':k': RUNNING_INDEX.value },
          };
      for await (const items of queryPages(deps, { TableName: table, ...query }))
        found.push(...items.map(fromItem));
      return found;
    },

    /** Art. 9: records once per grant and credit list entry that the operator was listed. */
    recordCreditListing(tx: Transaction, grantId: string, r: CreditListing): Transaction {
      return tx.create(
        'grants',
        { pk: pk(grantId), sk: listingSk(r.entryId), ...r },
        'pk',
        () => new ConflictError('Already recorded', 'already_recorded'),
      );
    },

    /** Art. 9: the authority's review of a listing, recorded once. */
    reviewCreditListing(
      tx: Transaction,
      grantId: string,
      entryId: string,
      review: CreditListingReview,
    ): Transaction {
      return tx.update(
        'grants',
        { pk: pk(grantId), sk: listingSk(entryId) },
        {
          expression: 'SET #r = :r',
          condition: 'attribute_exists(pk) AND attribute_not_exists(#r)',
          names: { '#r': 'review' },
          values: { ':r': review },
        },
        () => new ConflictError('Already reviewed', 'already_recorded'),
      );
    },

    /** The credit list entries its operator was put on while the grant ran (Art. 9), oldest first. */
    async creditListings(grantId: string): Promise<CreditListing[]> {
      const items = await queryAll(deps, {
        TableName: table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :s)',
        ExpressionAttributeValues: { ':pk': pk(grantId), ':s': 'LISTING#' },
      });
      return items
        .map((i) => strip<CreditListing>(i, ['pk', 'sk']))
        .sort((a, b) => a.flaggedAt.localeCompare(b.flaggedAt));
    },

    /** Records that a reminder was sent; a second attempt fails (each reminder exactly once). */
    reminderSent(tx: Transaction, id: string, days: ReminderDays, at: string): Transaction {
      return tx.create(
        'grants',
        { pk: pk(id), sk: reminderSk(days), days, sentAt: at },
        'pk',
        () => new ConflictError('The reminder was already sent', 'reminder_sent'),
      );
    },

    /**
     * Lists grants: one operator's, one grantor's (optionally to one operator), or all, newest first,
     * optionally by status. Filters run inside the query (indexPage), which reads on until the page is full.
     */
    async list(
      by: { operatorOrg: string } | { grantorOrg: string; operatorOrg?: string } | { all: true },
      q: { status?: GrantStatus; limit: number; cursor?: string | undefined },
    ): Promise<Page<Grant>> {
      const [index, attr, value] =
        'grantorOrg' in by
          ? ['byGrantor', 'grantorOrg', by.grantorOrg]
          : 'operatorOrg' in by
            ? ['byOperator', 'operatorOrg', by.operatorOrg]
            : ['byKind', 'kind', 'grant'];
      return indexPage(deps, {
        table,
        index,
        attr,
        value,
        equals: { status: q.status, operatorOrg: 'grantorOrg' in by ? by.operatorOrg : undefined },
        keyAttrs: ['pk', 'sk', attr, 'createdSort'],
        limit: q.limit,
        cursor: q.cursor,
        map: fromItem,
      });
    },

    /** 公示: active grants, newest term first. */
    async listPublic(q: {
      mode?: string;
      domain?: string;
      limit: number;
      cursor?: string | undefined;
    }): Promise<Page<Grant>> {
      return indexPage(deps, {
        table,
        index: 'byListing',
        attr: 'listing',
        value: 'active',
        equals: { mode: q.mode, domain: q.domain },
        keyAttrs: ['pk', 'sk', 'listing', 'listingSort'],
        limit: q.limit,
        cursor: q.cursor,
        map: fromItem,
      });
    },

    /**
     * Running grants whose term ends in [from, to], one day bucket at a time through the sparse expiry
     * index: the cost is the number of days covered plus the grants found, never the whole table.
     */
    async expiringBetween(from: Date, to: Date): Promise<ExpiringScan> {
      const lo = from.toISOString();
      const hi = `${to.toISOString()}#~`;
      const buckets: Omit<QueryCommandInput, 'ExclusiveStartKey'>[] = [];
      for (let day = Date.parse(dayOf(lo)); day <= to.getTime(); day += DAY_MS) {
        buckets.push({
          TableName: table,
          IndexName: 'byExpiry',
          KeyConditionExpression: 'expiryDay = :d AND expirySort BETWEEN :lo AND :hi',
          ExpressionAttributeValues: { ':d': new Date(day).toISOString().slice(0, 10), ':lo': lo, ':hi': hi },
        });
      }
      return sweep(buckets);
    },

    /**
     * Art. 10.4: grants still waiting for signatures whose deadline has passed and that were not yet
     * flagged, from the sparse signature-deadline index (flagging removes a grant from it).
     */
    signaturesOverdue(now: Date): Promise<ExpiringScan> {
      return sweep([
        {
          TableName: table,
          IndexName: 'bySignatureDue',
          KeyConditionExpression: 'signDueKey = :k AND signDueSort <= :hi',
          ExpressionAttributeValues: { ':k': SIGNING, ':hi': `${now.toISOString()}#~` },
        },
      ]);
    },

    /**
     * Makes a transaction conditional on the grant being unchanged since it was read (same version,
     * hence same status and term): another duty's writes that depend on the grant's state commit only
     * if that state still holds.
     */
    unchanged(tx: Transaction, g: Pick<Grant, 'id' | 'version' | 'status'>): Transaction {
      return tx.conditionCheck(
        'grants',
        { pk: pk(g.id), sk: HEAD },
        {
          condition: '#v = :v AND #s = :s',
          names: { '#v': 'version', '#s': 'status' },
          values: { ':v': g.version, ':s': g.status },
        },
        () => new ConflictError('The grant changed meanwhile', 'grant_changed'),
      );
    },

    async lastRun(job: string): Promise<Date | undefined> {
      const out = await deps.db.send(
        new GetCommand({
          TableName: table,
          Key: { pk: `JOB#${job}`, sk: 'CHECKPOINT' },
          ConsistentRead: true,
        }),
      );
      return typeof out.Item?.lastRunAt === 'string' ? new Date(out.Item.lastRunAt) : undefined;
    },

    /** Operational bookkeeping of a schedule (not a domain change: no audit event). */
    async recordRun(job: string, at: Date, stats: Record<string, number>): Promise<void> {
      await deps.db.send(
        new PutCommand({
          TableName: table,
          Item: { pk: `JOB#${job}`, sk: 'CHECKPOINT', lastRunAt: at.toISOString(), ...stats },
        }),
      );
    },
  };
};
export type GrantsRepository = ReturnType<typeof grantsRepository>;
