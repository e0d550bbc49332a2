/**
 * The AWS side of processing: S3 for datasets and outputs, Glue for the table catalog, Athena as the
 * engine (a workgroup per stage whose bytes-scanned limit bounds every query). Imported by the Lambda
 * entry (handler.ts) only; the local runtime uses infra/local/processing.ts instead.
 */
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { CreateTableCommand, GlueClient, type TableInput } from '@aws-sdk/client-glue';
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { requiredEnv } from '../shared/deps.js';
import type { DatasetFormat, PhysicalColumn } from './domain.js';
import { parquetSchema } from './parquet.js';
import type { DatasetStorage, ProcessingServices, QueryEngine } from './services.js';

export const PROCESSING_ENV = {
  bucket: 'DATA_BUCKET',
  glueDatabase: 'GLUE_DATABASE',
  workgroup: 'ATHENA_WORKGROUP',
} as const;

const secondsUntil = (d: Date) => Math.max(1, Math.round((d.getTime() - Date.now()) / 1000));

export const s3Storage = (s3: S3Client, bucket: string): DatasetStorage => ({
  async uploadTarget(key, o) {
    const checksum = Buffer.from(o.sha256, 'hex').toString('base64');
    // Size and checksum are signed: S3 refuses a body of another length or digest.
    const command = new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      ContentLength: o.bytes,
      ChecksumSHA256: checksum,
      ContentType: o.contentType,
    });
    const url = await getSignedUrl(s3, command, {
      expiresIn: secondsUntil(o.expiresAt),
      unhoistableHeaders: new Set(['x-amz-checksum-sha256']),
    });
    return {
      url,
      method: 'PUT',
      headers: { 'content-type': o.contentType, 'x-amz-checksum-sha256': checksum },
      expiresAt: o.expiresAt.toISOString(),
    };
  },
  async stat(key) {
    try {
      const out = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: 'ENABLED' }));
      return {
        bytes: out.ContentLength ?? 0,
        sha256: out.ChecksumSHA256 ? Buffer.from(out.ChecksumSHA256, 'base64').toString('hex') : undefined,
      };
    } catch (e) {
      if ((e as { name?: string }).name === 'NotFound') return undefined;
      throw e;
    }
  },
  async head(key, maxBytes) {
    const out = await s3.send(
      new GetObjectCommand({ Bucket: bucket, Key: key, Range: `bytes=0-${maxBytes - 1}` }),
    );
    return Buffer.from((await out.Body?.transformToByteArray()) ?? []);
  },
  async put(key, body, contentType) {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }));
  },
  downloadUrl: (key, expiresAt) =>
    getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: key }), {
      expiresIn: secondsUntil(expiresAt),
    }),
  async children(prefix) {
    const found: string[] = [];
    let token: string | undefined;
    do {
      const out = await s3.send(
        new ListObjectsV2Command({
          Bucket: bucket,
          Prefix: prefix,
          Delimiter: '/',
          ContinuationToken: token,
        }),
      );
      for (const c of out.CommonPrefixes ?? [])
        if (c.Prefix) found.push(c.Prefix.slice(prefix.length).replace(/\/$/, ''));
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token);
    return found.sort();
  },
  async bytesUnder(prefix) {
    let bytes = 0;
    let token: string | undefined;
    do {
      const out = await s3.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const o of out.Contents ?? []) bytes += o.Size ?? 0;
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token);
    return bytes;
  },
});

/** DuckDB type names (what the schema check saw) → Hive types of a Glue column. */
export const hiveType = (physical: string): string => {
  const t = physical.toUpperCase();
  const decimal = /^DECIMAL\((\d+),\s*(\d+)\)$/.exec(t);
  if (decimal) return `decimal(${decimal[1]},${decimal[2]})`;
  const map: Record<string, string> = {
    VARCHAR: 'string',
    BOOLEAN: 'boolean',
    TINYINT: 'tinyint',
    SMALLINT: 'smallint',
    INTEGER: 'int',
    BIGINT: 'bigint',
    UTINYINT: 'smallint',
    USMALLINT: 'int',
    UINTEGER: 'bigint',
    FLOAT: 'float',
    DOUBLE: 'double',
    DATE: 'date',
    TIMESTAMP: 'timestamp',
    TIMESTAMP_MS: 'timestamp',
    TIMESTAMP_NS: 'timestamp',
    TIMESTAMP_S: 'timestamp',
    'TIMESTAMP WITH TIME ZONE': 'timestamp',
    BLOB: 'binary',
  };
  return map[t] ?? 'string';
};

/**
 * The Glue table of one dataset version, over its own S3 prefix (`datasets/<entry>/<upload>/`), columns
 * c1..cN in the entry's order. CSV: all text, OpenCSVSerde, the header skipped. Parquet: the file's
 * types, ParquetHiveSerDe read by column index (the schema check matched names and order; Athena's
 * column names cannot hold the data items' Chinese names, c1..cN can).
 */
export const glueTableInput = (d: {
  entryId: string;
  version: number;
  key: string;
  columns: number;
  format: DatasetFormat;
  schema?: readonly PhysicalColumn[];
  bucket: string;
}): TableInput & { Name: string } => {
  const name = `${d.entryId}_v${d.version}`;
  const prefix = d.key.slice(0, d.key.lastIndexOf('/') + 1);
  const location = `s3://${d.bucket}/${prefix}`;
  if (d.format === 'parquet')
    return {
      Name: name,
      TableType: 'EXTERNAL_TABLE',
      Parameters: { classification: 'parquet', EXTERNAL: 'TRUE' },
      StorageDescriptor: {
        Columns: (d.schema ?? []).map((c, i) => ({ Name: `c${i + 1}`, Type: hiveType(c.type) })),
        Location: location,
        InputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
        OutputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
        SerdeInfo: {
          SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
          Parameters: { 'parquet.column.index.access': 'true' },
        },
      },
    };
  return {
    Name: name,
    TableType: 'EXTERNAL_TABLE',
    Parameters: { classification: 'csv', 'skip.header.line.count': '1' },
    StorageDescriptor: {
      Columns: Array.from({ length: d.columns }, (_, i) => ({ Name: `c${i + 1}`, Type: 'string' })),
      Location: location,
      InputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
      OutputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
      SerdeInfo: {
        SerializationLibrary: 'org.apache.hadoop.hive.serde2.OpenCSVSerde',
        Parameters: { separatorChar: ',', quoteChar: '"' },
      },
    },
  };
};

/** The footer of a Parquet file (its last 8 bytes give the metadata's length), by two ranged GETs. */
const readParquetFooter = async (s3: S3Client, bucket: string, key: string): Promise<Buffer> => {
  const range = async (r: string) => {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: r }));
    return Buffer.from((await out.Body?.transformToByteArray()) ?? []);
  };
  const tail = await range('bytes=-8');
  if (tail.length < 8 || tail.subarray(4).toString('latin1') !== 'PAR1')
    throw new Error('Not a Parquet file');
  const length = tail.readUInt32LE(0);
  return range(`bytes=-${length + 8}`).then((b) => b.subarray(0, length));
};

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const athenaEngine = (
  a: { athena: AthenaClient; glue: GlueClient; s3?: S3Client },
  cfg: { bucket: string; database: string; workgroup: string },
): QueryEngine => ({
  async register(d) {
    const input = glueTableInput({ ...d, bucket: cfg.bucket });
    await a.glue.send(new CreateTableCommand({ DatabaseName: cfg.database, TableInput: input }));
    return { physical: `"${cfg.database}"."${input.Name}"` };
  },
  async describe(key) {
    if (!a.s3) throw new Error('No S3 client to read the Parquet footer');
    return parquetSchema(await readParquetFooter(a.s3, cfg.bucket, key));
  },
  async run(q) {
    const started = Date.now();
    const { QueryExecutionId: id } = await a.athena.send(
      new StartQueryExecutionCommand({
        QueryString: q.sql,
        WorkGroup: cfg.workgroup,
        ClientRequestToken: q.id.slice(0, 128).padEnd(32, '0'),
        ...(q.params?.length
          ? { ExecutionParameters: q.params.map((p) => `'${p.replace(/'/g, "''")}'`) }
          : {}),
      }),
    );
    if (!id) throw new Error('Athena returned no query execution id');
    for (let delay = 200; ; delay = Math.min(delay * 2, 2000)) {
      const { QueryExecution: ex } = await a.athena.send(
        new GetQueryExecutionCommand({ QueryExecutionId: id }),
      );
      const state = ex?.Status?.State;
      if (state === 'SUCCEEDED') {
        const rows: unknown[][] = [];
        let columns: string[] = [];
        let token: string | undefined;
        let first = true;
        do {
          const page = await a.athena.send(
            new GetQueryResultsCommand({ QueryExecutionId: id, NextToken: token, MaxResults: 1000 }),
          );
          columns = (page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? []).map((c) => c.Name ?? '');
          const data = (page.ResultSet?.Rows ?? []).map((r) =>
            (r.Data ?? []).map((c) => c.VarCharValue ?? null),
          );
          rows.push(...(first ? data.slice(1) : data)); // the first row of the first page is the header
          first = false;
          token = page.NextToken;
        } while (token && rows.length < q.maxRows);
        return {
          columns,
          rows: rows.slice(0, q.maxRows),
          bytesScanned: ex?.Statistics?.DataScannedInBytes ?? 0,
          runtimeMs: ex?.Statistics?.EngineExecutionTimeInMillis ?? Date.now() - started,
        };
      }
      if (state === 'FAILED' || state === 'CANCELLED')
        throw new Error(ex?.Status?.StateChangeReason ?? `Query ${state?.toLowerCase()}`);
      await wait(delay);
    }
  },
  async cancel(id) {
    // Jobs are started with their id as the client request token; the execution id is not kept here.
    void id;
  },
});

/** The production services, from the environment the stack sets (a missing variable fails at cold start). */
export const awsProcessing = (): ProcessingServices => {
  const bucket = requiredEnv(PROCESSING_ENV.bucket);
  const s3 = new S3Client({});
  return {
    storage: s3Storage(s3, bucket),
    engine: athenaEngine(
      { athena: new AthenaClient({}), glue: new GlueClient({}), s3 },
      {
        bucket,
        database: requiredEnv(PROCESSING_ENV.glueDatabase),
        workgroup: requiredEnv(PROCESSING_ENV.workgroup),
      },
    ),
  };
};
