/**
 * Local stand-ins for the processing duty's AWS services, loaded by the local runtime only (the
 * function declaration's `localServices`); DuckDB's native module is imported here and nowhere else.
 *
 * - Storage: a folder under DATA_DIR (`storage/`), with S3-like signed URLs served by the local gateway
 *   at `/_local/storage/<key>?expires=…&sig=…` (HMAC-SHA256, expiring): PUT an upload, GET an output.
 * - Engine: DuckDB. `register` loads an uploaded CSV (all columns as text) or Parquet file (`read_parquet`,
 *   typed as in the file), columns named c1..cN as in Glue, into its own DuckDB file per dataset version;
 *   `describe` reads a Parquet file's schema; `run` opens a fresh in-memory DuckDB per query, attaches
 *   only the files of the tables the query may reach (read-only), then disables file access and locks
 *   the configuration before the operator's SQL runs (no read_csv, no ATTACH, no COPY, no settings).
 * Known differences from Athena: bytes scanned are the attached files' sizes (Athena reports what it
 * read); there is no workgroup, so the scan limit is checked here against those sizes.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, normalize, sep } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { DatasetStorage, ProcessingServices, QueryEngine } from '../../functions/processing/services.js';

export interface LocalServicesContext {
  /** Persisted data folder; omitted: a temporary folder removed on stop. */
  readonly dataDir?: string;
  /** The gateway's URL, known once it listens. */
  readonly baseUrl: () => string;
  /** The platform clock (signed URLs expire by it, as the handler that issued them computed). */
  readonly now: () => Date;
  /** Scan limit per query, bytes (Athena: the workgroup's). */
  readonly maxBytesScanned?: number;
}

export interface StorageRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly body: Buffer;
}

export interface LocalServices {
  readonly services: ProcessingServices;
  /** Serves `/_local/storage/…` signed URLs; undefined for other paths. */
  http(
    req: StorageRequest,
  ): Promise<{ status: number; body: Buffer | string; contentType: string } | undefined>;
  stop(): Promise<void>;
}

const PREFIX = '/_local/storage/';
const safeKey = (key: string): string => {
  const n = normalize(key);
  if (n.startsWith('..') || n.startsWith(sep) || n.includes(`..${sep}`)) throw new Error(`Bad key ${key}`);
  return n;
};

const quoteIdent = (id: string) => `"${id.replace(/"/g, '""')}"`;
const toJson = (v: unknown): unknown => (typeof v === 'bigint' ? Number(v) : v);

export const createLocalServices = async (ctx: LocalServicesContext): Promise<LocalServices> => {
  const temp = ctx.dataDir ? undefined : await mkdtemp(join(tmpdir(), 'shiyan-processing-'));
  const root = join(ctx.dataDir ?? (temp as string), 'storage');
  const engineDir = join(ctx.dataDir ?? (temp as string), 'duckdb');
  await mkdir(root, { recursive: true });
  await mkdir(engineDir, { recursive: true });
  const secret = randomBytes(32);
  const pathOf = (key: string) => join(root, safeKey(key));
  const sign = (method: string, key: string, expires: number) =>
    createHmac('sha256', secret).update(`${method}\n${key}\n${expires}`).digest('hex');
  const signedUrl = (method: string, key: string, expiresAt: Date) => {
    const expires = Math.floor(expiresAt.getTime() / 1000);
    return `${ctx.baseUrl()}${PREFIX}${key.split('/').map(encodeURIComponent).join('/')}?expires=${expires}&sig=${sign(method, key, expires)}`;
  };

  const storage: DatasetStorage = {
    async uploadTarget(key, o) {
      return {
        url: signedUrl('PUT', key, o.expiresAt),
        method: 'PUT',
        headers: { 'content-type': o.contentType },
        expiresAt: o.expiresAt.toISOString(),
      };
    },
    async stat(key) {
      try {
        const body = await readFile(pathOf(key));
        return { bytes: body.length, sha256: createHash('sha256').update(body).digest('hex') };
      } catch {
        return undefined;
      }
    },
    async head(key, maxBytes) {
      return (await readFile(pathOf(key))).subarray(0, maxBytes);
    },
    async put(key, body) {
      await mkdir(dirname(pathOf(key)), { recursive: true });
      await writeFile(pathOf(key), body);
    },
    downloadUrl: async (key, expiresAt) => signedUrl('GET', key, expiresAt),
    async children(prefix) {
      try {
        const entries = await readdir(pathOf(prefix), { withFileTypes: true });
        return entries
          .filter((e) => e.isDirectory())
          .map((e) => e.name)
          .sort();
      } catch {
        return [];
      }
    },
    async bytesUnder(prefix) {
      let bytes = 0;
      try {
        const entries = await readdir(pathOf(prefix), { withFileTypes: true, recursive: true });
        for (const e of entries) if (e.isFile()) bytes += (await stat(join(e.parentPath, e.name))).size;
      } catch {
        return 0;
      }
      return bytes;
    },
  };

  const files = new Map<string, string>(); // physical name → DuckDB file
  const fileOf = (physical: string) => {
    const known = files.get(physical);
    if (known) return known;
    const m = /^"?(ds_[a-z0-9_]+)"?\."?data"?$/.exec(physical);
    if (!m?.[1]) throw new Error(`Unknown table ${physical}`);
    return join(engineDir, `${m[1]}.duckdb`);
  };

  const engine: QueryEngine = {
    async register(d) {
      const alias = `ds_${d.entryId}_v${d.version}`;
      const file = join(engineDir, `${alias}.duckdb`);
      await rm(file, { force: true });
      const db = await DuckDBInstance.create(file);
      const c = await db.connect();
      try {
        const src = pathOf(d.key).replace(/'/g, "''");
        if (d.format === 'parquet') {
          // Typed as in the file; renamed c1..cN in the entry's order (the schema check matched them).
          const cols = (d.schema ?? []).map((col, i) => `${quoteIdent(col.name)} AS c${i + 1}`).join(', ');
          await c.run(`CREATE TABLE data AS SELECT ${cols} FROM read_parquet('${src}')`);
        } else {
          const cols = Array.from({ length: d.columns }, (_, i) => `'c${i + 1}': 'VARCHAR'`).join(', ');
          await c.run(
            `CREATE TABLE data AS SELECT * FROM read_csv('${src}', header = true, columns = {${cols}})`,
          );
        }
      } finally {
        c.closeSync();
        db.closeSync();
      }
      const physical = `${alias}.data`;
      files.set(physical, file);
      return { physical };
    },
    async describe(key) {
      const db = await DuckDBInstance.create(':memory:');
      const c = await db.connect();
      try {
        const src = pathOf(key).replace(/'/g, "''");
        const reader = await c.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${src}')`);
        return reader
          .getRowObjects()
          .map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));
      } finally {
        c.closeSync();
        db.closeSync();
      }
    },
    async run(q) {
      const started = performance.now();
      const db = await DuckDBInstance.create(':memory:');
      const c = await db.connect();
      try {
        let bytesScanned = 0;
        for (const t of q.tables) {
          const file = fileOf(t);
          bytesScanned += (await stat(file)).size;
          const alias = t.split('.')[0]?.replace(/"/g, '') ?? '';
          await c.run(`ATTACH '${file.replace(/'/g, "''")}' AS ${alias} (READ_ONLY)`);
        }
        if (ctx.maxBytesScanned && bytesScanned > ctx.maxBytesScanned)
          throw new Error(
            `The query would scan ${bytesScanned} bytes, over the limit of ${ctx.maxBytesScanned}`,
          );
        await c.run('SET enable_external_access = false');
        await c.run('SET lock_configuration = true');
        const reader = q.params?.length
          ? await (async () => {
              const prepared = await c.prepare(q.sql);
              q.params?.forEach((p, i) => {
                prepared.bindVarchar(i + 1, p);
              });
              return prepared.runAndReadUntil(q.maxRows);
            })()
          : await c.runAndReadUntil(q.sql, q.maxRows);
        const columns = reader.columnNames();
        const rows = reader
          .getRows()
          .slice(0, q.maxRows)
          .map((r) => r.map(toJson));
        return { columns, rows, bytesScanned, runtimeMs: Math.round(performance.now() - started) };
      } finally {
        c.closeSync();
        db.closeSync();
      }
    },
    async cancel() {
      // A local query runs inside the invocation that started it; the job's status already says stopped.
    },
  };

  return {
    services: { storage, engine },
    async http(req) {
      if (!req.path.startsWith(PREFIX)) return undefined;
      const key = req.path.slice(PREFIX.length).split('/').map(decodeURIComponent).join('/');
      const expires = Number(req.query.get('expires'));
      const sig = req.query.get('sig') ?? '';
      const method = req.method === 'HEAD' ? 'GET' : req.method;
      const expected = sign(method, key, expires);
      const valid =
        sig.length === expected.length &&
        timingSafeEqual(Buffer.from(sig), Buffer.from(expected)) &&
        Number.isFinite(expires) &&
        expires * 1000 > ctx.now().getTime();
      if (!valid) return { status: 403, body: 'Signature invalid or expired', contentType: 'text/plain' };
      if (method === 'PUT') {
        await mkdir(dirname(pathOf(key)), { recursive: true });
        await writeFile(pathOf(key), req.body);
        return { status: 200, body: '', contentType: 'text/plain' };
      }
      if (method === 'GET') {
        try {
          return { status: 200, body: await readFile(pathOf(key)), contentType: 'text/csv; charset=utf-8' };
        } catch {
          return { status: 404, body: 'Not found', contentType: 'text/plain' };
        }
      }
      return { status: 405, body: 'Method not allowed', contentType: 'text/plain' };
    },
    async stop() {
      if (temp) await rm(temp, { recursive: true, force: true });
    },
  };
};
