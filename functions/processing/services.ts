/**
 * The two services processing needs besides DynamoDB, behind one interface each so that the duty's
 * code is the same in AWS and locally:
 * - `DatasetStorage`: S3 in AWS (functions/processing/aws.ts), a folder under DATA_DIR locally
 *   (infra/local/processing.ts);
 * - `QueryEngine`: Amazon Athena over Glue tables in AWS, DuckDB locally.
 * The local implementations are loaded by the local runtime only (the function declaration's
 * `localServices`), so DuckDB's native module never enters a Lambda bundle.
 */

import type { DatasetFormat, PhysicalColumn } from './domain.js';

/** Where an upload goes: the client PUTs the file's bytes to `url` with `headers`, before `expiresAt`. */
export interface UploadTarget {
  readonly url: string;
  readonly method: 'PUT';
  readonly headers: Readonly<Record<string, string>>;
  readonly expiresAt: string;
}

export interface StoredObject {
  readonly bytes: number;
  /** Hex SHA-256 of the body (S3: the checksum it verified on upload; locally: computed). */
  readonly sha256: string | undefined;
}

export interface DatasetStorage {
  /** A short-lived URL to PUT one object (S3: presigned, with its size and SHA-256 signed in). */
  uploadTarget(
    key: string,
    o: { bytes: number; sha256: string; expiresAt: Date; contentType: string },
  ): Promise<UploadTarget>;
  stat(key: string): Promise<StoredObject | undefined>;
  /** The object's first `maxBytes` bytes (the CSV header). */
  head(key: string, maxBytes: number): Promise<Buffer>;
  put(key: string, body: string, contentType: string): Promise<void>;
  /** A short-lived signed URL to GET one object. */
  downloadUrl(key: string, expiresAt: Date): Promise<string>;
  /** The next path segments under `prefix` (`outputs/` → the operators with outputs), sorted. */
  children(prefix: string): Promise<string[]>;
  /** Total bytes of the objects under `prefix` (S3: a paginated listing; locally: the folder). */
  bytesUnder(prefix: string): Promise<number>;
}

export interface RegisteredTable {
  /** The engine's name for the table (`db.table` in Glue, `ds_….data` in DuckDB). */
  readonly physical: string;
}

export interface QueryResult {
  readonly columns: readonly string[];
  readonly rows: readonly (readonly unknown[])[];
  readonly bytesScanned: number;
  readonly runtimeMs: number;
}

export interface QueryEngine {
  /**
   * Registers an uploaded dataset version as a table with columns c1..cN in the entry's order: a CSV's
   * all text (`columns` only counts them), a Parquet file's with the types `schema` read from it.
   */
  register(d: {
    entryId: string;
    version: number;
    key: string;
    columns: number;
    format: DatasetFormat;
    schema?: readonly PhysicalColumn[];
  }): Promise<RegisteredTable>;
  /** The columns of an uploaded Parquet file (name and type), read from the file itself. */
  describe(key: string): Promise<PhysicalColumn[]>;
  /**
   * Runs checked, scoped SQL. `tables`: the physical tables it may reach. `maxBytes`: scan limit
   * (Athena: the workgroup's; locally: checked against the datasets' sizes). `maxRows`: rows beyond
   * this are not returned (the caller sees `rows.length > maxRows - 1` and applies its size check).
   * `params`: positional values for `?` placeholders (verification calls).
   */
  run(q: {
    id: string;
    sql: string;
    tables: readonly string[];
    maxRows: number;
    params?: readonly string[];
  }): Promise<QueryResult>;
  /** Stops a running query (Athena StopQueryExecution); a finished or unknown one is ignored. */
  cancel(id: string): Promise<void>;
}

export interface ProcessingServices {
  readonly storage: DatasetStorage;
  readonly engine: QueryEngine;
}
