/**
 * The tamper-evident audit trail (Art. 15, 18; Cybersecurity Law Art. 21: network logs kept ≥ 6 months).
 *
 * Chain design: ONE CHAIN PER RESOURCE (`catalog-entry/ce_…`, `grant/gr_…`). Each audit event of a
 * resource carries its sequence number `seq` (1, 2, 3 … — the table's sort key, zero padded) and
 * `hash = sha256(prevHash ‖ canonical(event))`, where `prevHash` is the hash of event `seq - 1` (64
 * zeros for the first). A writer reads the chain head of each resource it audits and writes
 * `seq = head + 1` under `attribute_not_exists`, in the same DynamoDB transaction as the change: two
 * concurrent writers of one resource cannot both write the same `seq` — the second transaction is
 * cancelled (and retried over the new head), so a chain can never fork silently. Per resource rather
 * than per day: writers of different resources never contend, and a record's history is one key.
 *
 * What verification detects: an edited event (its hash no longer matches), a deleted or inserted event
 * inside a chain (a gap in `seq`, or a `prevHash` that is not its predecessor's hash). What it cannot
 * detect alone is the deletion of the LAST events of a chain; IAM denies every function UpdateItem and
 * DeleteItem on the table (infra/constructs/functions.ts), so that needs someone with table rights.
 *
 * Pure: no AWS, unit tested.
 */
import { createHash } from 'node:crypto';

export const GENESIS_HASH = '0'.repeat(64);
/** Width of the zero-padded sequence number in the sort key (`0000000001`). */
export const SEQ_WIDTH = 10;

export const seqKey = (seq: number): string => String(seq).padStart(SEQ_WIDTH, '0');

/** The fields a hash covers: every attribute of an audit event except the hash itself. */
export interface ChainedFields {
  readonly resource: string;
  readonly seq: number;
  readonly at: string;
  readonly action: string;
  readonly actor: { readonly userId: string; readonly role: string; readonly org: string };
  readonly before: unknown;
  readonly after: unknown;
  readonly requestId: string;
  readonly prevHash: string;
}

/**
 * JSON with object keys sorted at every level and `undefined` members dropped, so the same event
 * hashes the same before and after a DynamoDB round trip (which keeps neither key order nor undefined).
 */
export const canonicalJson = (value: unknown): string => {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value instanceof Set) return canonicalJson([...value].sort());
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
};

/** sha256 hex of the previous hash followed by the canonical event. */
export const chainHash = (e: ChainedFields): string =>
  createHash('sha256')
    .update(e.prevHash)
    .update(
      canonicalJson({
        resource: e.resource,
        seq: e.seq,
        at: e.at,
        action: e.action,
        actor: e.actor,
        before: e.before ?? null,
        after: e.after ?? null,
        requestId: e.requestId,
      }),
    )
    .digest('hex');

/** An audit event as stored. */
export interface StoredAuditEvent extends ChainedFields {
  readonly sk: string;
  readonly hash: string;
}

export type BreakReason =
  | 'hash-mismatch'
  | 'sequence-gap'
  | 'previous-hash-mismatch'
  | 'index-mismatch'
  | 'unchained';

export interface ChainBreak {
  readonly seq: number | null;
  readonly sk: string;
  readonly reason: BreakReason;
  readonly expected?: string;
  readonly found?: string;
}

export interface ChainVerification {
  readonly resource: string;
  readonly events: number;
  readonly ok: boolean;
  /** The first event where the chain does not hold, or null. */
  readonly firstBreak: ChainBreak | null;
  /** Hash of the last event (the chain head): an inspector may note it to detect later truncation. */
  readonly headHash: string | null;
}

/**
 * Recomputes a chain in storage order and names the first break. Incremental: feed pages through
 * `next`, then read `result` (chains may be long; nothing is held but the last hash).
 */
export class ChainVerifier {
  private count = 0;
  private prev = GENESIS_HASH;
  private expectedSeq = 1;
  private broken: ChainBreak | null = null;

  constructor(private readonly resource: string) {}

  next(item: Record<string, unknown>): void {
    this.count += 1;
    if (this.broken) return;
    const sk = String(item.sk ?? '');
    const seq = typeof item.seq === 'number' ? item.seq : null;
    const hash = typeof item.hash === 'string' ? item.hash : null;
    const prevHash = typeof item.prevHash === 'string' ? item.prevHash : null;
    if (seq === null || hash === null || prevHash === null) {
      this.broken = { seq, sk, reason: 'unchained' };
      return;
    }
    if (seq !== this.expectedSeq || sk !== seqKey(seq)) {
      this.broken = {
        seq,
        sk,
        reason: 'sequence-gap',
        expected: String(this.expectedSeq),
        found: String(seq),
      };
      return;
    }
    if (prevHash !== this.prev) {
      this.broken = { seq, sk, reason: 'previous-hash-mismatch', expected: this.prev, found: prevHash };
      return;
    }
    // The flat attributes the indexes query by must agree with the hashed ones, or an edit could hide
    // an event from an organisation's or a day's listing without touching its hash.
    const actor = item.actor as ChainedFields['actor'] | undefined;
    const at = String(item.at ?? '');
    if (item.actorOrg !== actor?.org || item.actorUser !== actor?.userId || item.day !== auditDay(at)) {
      this.broken = { seq, sk, reason: 'index-mismatch' };
      return;
    }
    const recomputed = chainHash(item as unknown as ChainedFields);
    if (recomputed !== hash) {
      this.broken = { seq, sk, reason: 'hash-mismatch', expected: recomputed, found: hash };
      return;
    }
    this.prev = hash;
    this.expectedSeq = seq + 1;
  }

  result(): ChainVerification {
    return {
      resource: this.resource,
      events: this.count,
      ok: this.broken === null,
      firstBreak: this.broken,
      headHash: this.count > 0 && !this.broken ? this.prev : null,
    };
  }
}

/** Verifies a whole chain held in memory (tests, small chains). */
export const verifyChain = (
  resource: string,
  items: readonly Record<string, unknown>[],
): ChainVerification => {
  const v = new ChainVerifier(resource);
  for (const item of items) v.next(item);
  return v.result();
};

/** `YYYY-MM-DD` (UTC) of an ISO instant: the partition of the by-day index. */
export const auditDay = (at: string): string => at.slice(0, 10);
