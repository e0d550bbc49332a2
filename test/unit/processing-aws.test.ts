import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { glueTableInput, hiveType } from '../../functions/processing/aws.js';
import { checkParquetSchema, type DataColumn } from '../../functions/processing/domain.js';
import { parquetSchema } from '../../functions/processing/parquet.js';
import { ValidationError } from '../../functions/shared/errors.js';

/** The AWS side of processing, without AWS: the Glue table input and the Parquet footer reader. */
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'shiyan-parquet-unit-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Writes `select` as Parquet with DuckDB; returns the file's footer and DuckDB's own reading of it. */
const written = async (select: string) => {
  const file = join(dir, `${Math.random().toString(36).slice(2)}.parquet`);
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  try {
    await c.run(`COPY (${select}) TO '${file}' (FORMAT parquet)`);
    const described = (await c.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${file}')`))
      .getRowObjects()
      .map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));
    const bytes = await readFile(file);
    const length = bytes.readUInt32LE(bytes.length - 8);
    return { footer: bytes.subarray(bytes.length - 8 - length, bytes.length - 8), described };
  } finally {
    c.closeSync();
    db.closeSync();
  }
};

describe('parquetSchema (the footer reader used in AWS)', () => {
  it('reads the same columns and types as DuckDB’s read_parquet', async () => {
    const { footer, described } = await written(`SELECT
      'E1' AS "企业代码", CAST(1 AS INTEGER) AS i32, CAST(2 AS BIGINT) AS i64, CAST(3 AS SMALLINT) AS i16,
      CAST(4 AS TINYINT) AS i8, CAST(1.5 AS DOUBLE) AS d, CAST(1.5 AS FLOAT) AS f,
      CAST(12.34 AS DECIMAL(18,2)) AS "注册资本", CAST(1.2 AS DECIMAL(4,1)) AS small_dec, true AS b,
      DATE '2026-01-01' AS dt, TIMESTAMP '2026-01-01 10:00:00' AS ts, '\\x01'::BLOB AS bin,
      {'a': 1} AS nested`);
    const read = parquetSchema(Buffer.from(footer));
    expect(read.map((c) => c.name)).toEqual(described.map((c) => c.name));
    // The nested column is a STRUCT(...) for DuckDB, a plain STRUCT here: no data item matches either.
    expect(read.map((c) => c.type)).toEqual(
      described.map((c) => (c.type.startsWith('STRUCT') ? 'STRUCT' : c.type)),
    );
  });

  it('refuses what is not a Parquet footer', () => {
    expect(() => parquetSchema(Buffer.from('企业代码,许可类别\n'))).toThrow();
  });
});

describe('checkParquetSchema', () => {
  const items: DataColumn[] = [
    { name: 'a', type: 'string', personalInformation: false },
    { name: 'b', type: 'integer', personalInformation: false },
    { name: 'c', type: 'decimal', personalInformation: false },
  ];
  const issues = (found: { name: string; type: string }[]) => {
    try {
      checkParquetSchema(found, items);
      return [];
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      return (e.details as { path: string }[]).map((d) => d.path);
    }
  };
  it('accepts the data items in order with accepted types', () => {
    expect(
      issues([
        { name: 'a', type: 'VARCHAR' },
        { name: 'b', type: 'BIGINT' },
        { name: 'c', type: 'DECIMAL(18,2)' },
      ]),
    ).toEqual([]);
  });
  it('names each missing, extra, misplaced or mistyped column', () => {
    expect(
      issues([
        { name: 'a', type: 'VARCHAR' },
        { name: 'b', type: 'VARCHAR' },
        { name: 'x', type: 'VARCHAR' },
      ]),
    ).toEqual(['file.schema.c', 'file.schema.x', 'file.schema.b']);
    expect(
      issues([
        { name: 'b', type: 'INTEGER' },
        { name: 'a', type: 'VARCHAR' },
        { name: 'c', type: 'DOUBLE' },
      ]),
    ).toEqual(['file.schema']);
  });
});

describe('glueTableInput', () => {
  const base = { entryId: 'ce_0000000001', version: 3, columns: 3, bucket: 'data-bucket' };
  it('registers a Parquet dataset with the Parquet SerDe and formats, typed c1..cN read by index', () => {
    const t = glueTableInput({
      ...base,
      key: 'datasets/ce_0000000001/up_1/data.parquet',
      format: 'parquet',
      schema: [
        { name: '企业代码', type: 'VARCHAR' },
        { name: '数量', type: 'BIGINT' },
        { name: '注册资本', type: 'DECIMAL(18,2)' },
      ],
    });
    expect(t).toMatchObject({
      Name: 'ce_0000000001_v3',
      TableType: 'EXTERNAL_TABLE',
      Parameters: { classification: 'parquet' },
      StorageDescriptor: {
        Location: 's3://data-bucket/datasets/ce_0000000001/up_1/',
        InputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
        OutputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
        SerdeInfo: {
          SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
          Parameters: { 'parquet.column.index.access': 'true' },
        },
      },
    });
    expect(t.StorageDescriptor?.Columns).toEqual([
      { Name: 'c1', Type: 'string' },
      { Name: 'c2', Type: 'bigint' },
      { Name: 'c3', Type: 'decimal(18,2)' },
    ]);
    expect(t.Parameters).not.toHaveProperty('skip.header.line.count');
  });

  it('registers a CSV dataset as text with the CSV SerDe, the header skipped', () => {
    const t = glueTableInput({ ...base, key: 'datasets/ce_0000000001/up_2/data.csv', format: 'csv' });
    expect(t.StorageDescriptor?.SerdeInfo?.SerializationLibrary).toBe(
      'org.apache.hadoop.hive.serde2.OpenCSVSerde',
    );
    expect(t.Parameters).toMatchObject({ classification: 'csv', 'skip.header.line.count': '1' });
    expect(t.StorageDescriptor?.Columns?.map((c) => c.Type)).toEqual(['string', 'string', 'string']);
  });

  it('maps DuckDB types to Hive types', () => {
    expect(['INTEGER', 'DOUBLE', 'DATE', 'TIMESTAMP', 'BLOB', 'BOOLEAN'].map(hiveType)).toEqual([
      'int',
      'double',
      'date',
      'timestamp',
      'binary',
      'boolean',
    ]);
  });
});
