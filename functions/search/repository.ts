import { randomUUID } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { type Deps, tableName } from '../shared/deps.js';
import { queryPages } from '../shared/query.js';
import { decodePosting, type Posting } from './domain.js';

/**
 * The search index: an inverted index in DynamoDB.
 *
 * - Postings: `pk = T#<term>`, `sk = <shard>`; binary attribute `z` packs one line per entry,
 *   `<entry id>|<weight>|<facet values>` (functions/search/domain.ts), deflated; `n` a token changed
 *   by every write. An entry's posting lives in one of `SHARDS` items of the term, chosen by a hash of its id,
 *   so one item never outgrows DynamoDB's 400 KB (a term in every one of 100,000 entries is about
 *   250 KB per shard before deflating) and a search reads at most `SHARDS` items per term — a rare term one or two.
 *   One packed string rather than a map of postings: DynamoDB (and its local emulator) return one
 *   long attribute several times faster than a map of thousands (measured: 10,000 postings in 32
 *   items, 78 ms as strings against 328 ms as maps), and deflated it is about a tenth of the bytes. A change rewrites the shard conditionally on
 *   its token, so concurrent changes of different entries never overwrite each other.
 * - Documents: `pk = DOC`, `sk = <entry id>`: the version applied, the postings written for it, the
 *   terms still to remove, and whether the writing finished. They order the changes of one entry
 *   (an older event never overwrites a newer state) and let the rebuild find every term to remove.
 */
const SHARDS = 32;
/** Lines of a shard: `<entry id>|<posting>`, one per entry. */
const LINE = '\n';
const FIELD = '|';
/** DynamoDB items hold 400 KB; stop well before (a shard that full means the index needs more shards). */
const MAX_SHARD_BYTES = 350_000;

/** A shard's lines, deflated: postings repeat their facet values, so they shrink about tenfold. */
const pack = (lines: readonly string[]): Uint8Array => {
  const z = deflateRawSync(lines.join(LINE));
  if (z.byteLength > MAX_SHARD_BYTES) throw new Error('A search shard is full: the index needs more shards');
  return z;
};
const unpack = (z: Uint8Array | undefined): string[] =>
  z?.byteLength ? inflateRawSync(z).toString('utf8').split(LINE) : [];
const DOC = 'DOC';
const termPk = (term: string) => `T#${term}`;

/** FNV-1a of the entry id, as a two-digit shard number. */
export const shardOf = (entryId: string): string => {
  let h = 0x811c9dc5;
  for (let i = 0; i < entryId.length; i++) {
    h ^= entryId.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return String((h >>> 0) % SHARDS).padStart(2, '0');
};

interface Doc {
  readonly v: number;
  readonly postings: Record<string, string>;
  readonly stale: string[];
  readonly done: boolean;
}

const isConditionFailure = (e: unknown) =>
  e instanceof ConditionalCheckFailedException ||
  (e instanceof Error && e.name === 'ConditionalCheckFailedException');

/** Runs `tasks` with at most `width` in flight. */
const pool = async (tasks: (() => Promise<unknown>)[], width = 8): Promise<void> => {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, tasks.length) }, async () => {
      while (next < tasks.length) await tasks[next++]!();
    }),
  );
};

/** The outcome of applying one version of an entry to the index. */
export type ApplyOutcome = 'applied' | 'stale';

export const searchIndex = (deps: Pick<Deps, 'db' | 'tables'>) => {
  const table = tableName(deps, 'search');

  const getDoc = async (entryId: string): Promise<Doc | undefined> => {
    const out = await deps.db.send(
      new GetCommand({ TableName: table, Key: { pk: DOC, sk: entryId }, ConsistentRead: true }),
    );
    return out.Item as Doc | undefined;
  };

  /**
   * Sets (`value`) or removes (`undefined`) the posting of `entryId` in its shard of `term`: read the
   * shard, change its line, write it back on the condition that nobody wrote it meanwhile (`n`, a
   * random token, changes on every write); a lost race reads again.
   */
  const changePosting = async (term: string, entryId: string, value: string | undefined): Promise<void> => {
    const Key = { pk: termPk(term), sk: shardOf(entryId) };
    const prefix = `${entryId}${FIELD}`;
    for (let attempt = 0; attempt < 20; attempt++) {
      const out = await deps.db.send(new GetCommand({ TableName: table, Key, ConsistentRead: true }));
      const item = out.Item as { z?: Uint8Array; n?: string } | undefined;
      const lines = unpack(item?.z);
      const at = lines.findIndex((l) => l.startsWith(prefix));
      if (value === undefined && at < 0) return; // already gone
      if (value !== undefined && lines[at] === `${prefix}${value}`) return; // already there
      if (at >= 0) lines.splice(at, 1);
      if (value !== undefined) lines.push(`${prefix}${value}`);
      const guard = item
        ? { ConditionExpression: 'n = :n', ExpressionAttributeValues: { ':n': item.n } }
        : { ConditionExpression: 'attribute_not_exists(pk)' };
      try {
        if (lines.length === 0) {
          await deps.db.send(new DeleteCommand({ TableName: table, Key, ...guard }));
        } else {
          await deps.db.send(
            new PutCommand({ TableName: table, Item: { ...Key, z: pack(lines), n: randomUUID() }, ...guard }),
          );
        }
        return;
      } catch (e) {
        if (!isConditionFailure(e)) throw e;
        await new Promise((r) => setTimeout(r, Math.random() * 10 * (attempt + 1)));
      }
    }
    throw new Error(`Could not write the posting of ${entryId} for a search term; the event will be retried`);
  };

  /** Writes `postings` and removes the entry from every term of `remove` not among them. */
  const writePostings = async (
    entryId: string,
    postings: Record<string, string>,
    remove: Iterable<string>,
    unchanged: Record<string, string> = {},
  ) => {
    const removals = [...new Set(remove)].filter((t) => !(t in postings));
    await pool([
      ...Object.entries(postings)
        .filter(([t, v]) => unchanged[t] !== v)
        .map(
          ([t, v]) =>
            () =>
              changePosting(t, entryId, v),
        ),
      ...removals.map((t) => () => changePosting(t, entryId, undefined)),
    ]);
  };

  const markDone = async (entryId: string, v: number): Promise<boolean> => {
    try {
      await deps.db.send(
        new UpdateCommand({
          TableName: table,
          Key: { pk: DOC, sk: entryId },
          UpdateExpression: 'SET done = :t, stale = :none',
          ConditionExpression: 'v = :v',
          ExpressionAttributeValues: { ':t': true, ':none': [], ':v': v },
        }),
      );
      return true;
    } catch (e) {
      if (isConditionFailure(e)) return false;
      throw e;
    }
  };

  return {
    /**
     * Applies version `version` of an entry: `postings` (term → encoded posting) replace whatever the
     * index held for it; empty postings take it out (withdrawn, state secret, Art. 8). Idempotent and
     * ordered: a version at or below the one applied is ignored, a crashed application of the same
     * version is resumed. The document is claimed first (conditional on the version), then the
     * postings written; a writer that finds a newer version claimed meanwhile rewrites that version's
     * postings over its own late writes, so the index always ends at the newest version.
     */
    async apply(entryId: string, version: number, postings: Record<string, string>): Promise<ApplyOutcome> {
      for (let attempt = 0; attempt < 5; attempt++) {
        const doc = await getDoc(entryId);
        if (doc && (doc.v > version || (doc.v === version && doc.done))) return 'stale';
        let claimed: Doc;
        let unchanged: Record<string, string> = {};
        if (doc && doc.v === version) {
          claimed = doc; // resume an interrupted application of this very version
        } else {
          const stale = new Set([
            ...Object.keys(doc?.postings ?? {}),
            ...(doc?.done ? [] : (doc?.stale ?? [])),
          ]);
          claimed = { v: version, postings, stale: [...stale].filter((t) => !(t in postings)), done: false };
          if (doc?.done) unchanged = doc.postings;
          try {
            await deps.db.send(
              new PutCommand({
                TableName: table,
                Item: { pk: DOC, sk: entryId, ...claimed },
                ConditionExpression: 'attribute_not_exists(v) OR v < :v',
                ExpressionAttributeValues: { ':v': version },
              }),
            );
          } catch (e) {
            if (isConditionFailure(e)) continue; // someone else claimed: look again
            throw e;
          }
        }
        await writePostings(entryId, claimed.postings, claimed.stale, unchanged);
        if (await markDone(entryId, version)) return 'applied';
        // A newer version was claimed while we wrote: make sure our late writes do not outlive it.
        let mine = new Set([...Object.keys(claimed.postings), ...claimed.stale]);
        for (let round = 0; round < 5; round++) {
          const newer = await getDoc(entryId);
          if (!newer) return 'applied';
          await writePostings(entryId, newer.postings, [...mine, ...newer.stale]);
          const after = await getDoc(entryId);
          if (after?.v === newer.v) return 'applied';
          mine = new Set([...mine, ...Object.keys(newer.postings)]);
        }
        throw new Error(`The search index of ${entryId} keeps changing; the event will be retried`);
      }
      throw new Error(`Could not claim the search document of ${entryId}; the event will be retried`);
    },

    /** The postings of one term (every shard), and how many items were read. */
    async postings(term: string): Promise<{ postings: Posting[]; itemsRead: number }> {
      const postings: Posting[] = [];
      let itemsRead = 0;
      for await (const items of queryPages(deps, {
        TableName: table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': termPk(term) },
        ProjectionExpression: 'z',
      })) {
        itemsRead += items.length;
        for (const item of items) {
          for (const line of unpack(item.z as Uint8Array | undefined)) {
            const cut = line.indexOf(FIELD);
            const p = cut > 0 ? decodePosting(line.slice(0, cut), line.slice(cut + 1)) : undefined;
            if (p) postings.push(p);
          }
        }
      }
      return { postings, itemsRead };
    },

    /**
     * Recreates the index from `entries` (every public entry, from the catalog table): writes each
     * term's shards whole, deletes the shards and documents of entries no longer listed. For a quiet
     * catalog (a change arriving during the rebuild is applied by its event; run it again to be sure).
     */
    async rebuild(
      entries: readonly { entryId: string; version: number; postings: Record<string, string> }[],
    ): Promise<{ entries: number; items: number; removed: number }> {
      const old: Doc[] = [];
      const oldIds: string[] = [];
      for await (const items of queryPages(deps, {
        TableName: table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': DOC },
      })) {
        for (const i of items) {
          old.push(i as unknown as Doc);
          oldIds.push(String(i.sk));
        }
      }
      const blocks = new Map<string, string[]>();
      const key = (term: string, shard: string) => `${term}\u0000${shard}`;
      for (const e of entries) {
        const shard = shardOf(e.entryId);
        for (const [term, value] of Object.entries(e.postings)) {
          const k = key(term, shard);
          const block = blocks.get(k) ?? [];
          block.push(`${e.entryId}${FIELD}${value}`);
          blocks.set(k, block);
        }
      }
      const listed = new Set(entries.map((e) => e.entryId));
      const deletes = new Set<string>();
      old.forEach((d, i) => {
        const shard = shardOf(oldIds[i]!);
        for (const t of [...Object.keys(d.postings ?? {}), ...(d.stale ?? [])]) {
          const k = key(t, shard);
          if (!blocks.has(k)) deletes.add(k);
        }
      });
      const split = (k: string) => {
        const [term, sk] = k.split('\u0000') as [string, string];
        return { pk: termPk(term), sk };
      };
      const requests: Record<string, unknown>[] = [
        ...[...blocks].map(([k, lines]) => ({
          PutRequest: { Item: { ...split(k), z: pack(lines), n: randomUUID() } },
        })),
        ...[...deletes].map((k) => ({ DeleteRequest: { Key: split(k) } })),
        ...entries.map((e) => ({
          PutRequest: {
            Item: { pk: DOC, sk: e.entryId, v: e.version, postings: e.postings, stale: [], done: true },
          },
        })),
        ...old.flatMap((d, i) =>
          listed.has(oldIds[i]!)
            ? []
            : [
                {
                  PutRequest: {
                    Item: { pk: DOC, sk: oldIds[i], v: d.v, postings: {}, stale: [], done: true },
                  },
                },
              ],
        ),
      ];
      const batches: Record<string, unknown>[][] = [];
      for (let i = 0; i < requests.length; i += 25) batches.push(requests.slice(i, i + 25));
      await pool(
        batches.map((batch) => async () => {
          let pending = batch;
          while (pending.length) {
            const out = await deps.db.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
            pending = (out.UnprocessedItems?.[table] ?? []) as Record<string, unknown>[];
          }
        }),
      );
      return { entries: entries.length, items: blocks.size, removed: deletes.size };
    },

    /** Whether the index holds entry `entryId` (tests and diagnostics). */
    async version(entryId: string): Promise<number | undefined> {
      return (await getDoc(entryId))?.v;
    },
  };
};
export type SearchIndex = ReturnType<typeof searchIndex>;
