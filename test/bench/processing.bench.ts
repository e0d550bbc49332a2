/**
 * Processing figures for `npm run bench`: registering a CSV dataset (rows/s), then job latency and
 * throughput on the local engine over it — the runner's path: query check, scoped per-entitlement view,
 * DuckDB run, output check — and verification calls per second. The DynamoDB writes of a job (three
 * small transactions) are measured by the other figures and left out here.
 * Rows: 100,000 by default (10,000 with quick); `BENCH_PROCESSING_ROWS=1000000` for 1 M.
 */
import { checkOutput, DEFAULT_LIMITS, verificationSql } from '../../functions/processing/domain.js';
import { checkQuery, scopedSql, type TableScope } from '../../functions/processing/sql.js';
import { demoInsuranceCsv } from '../../infra/local/demo-processing.js';
import { createLocalServices } from '../../infra/local/processing.js';

type Print = (rows: (string | number)[][]) => void;

const fmt = (n: number, digits = 1) => n.toFixed(digits);
const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
};

export const run = async ({ quick, print }: { dynamoEndpoint: string; quick: boolean; print: Print }) => {
  const rows = Number(process.env.BENCH_PROCESSING_ROWS ?? (quick ? 10_000 : 100_000));
  console.log(`\nProcessing: ${rows.toLocaleString('en')} synthetic rows (BENCH_PROCESSING_ROWS sets it)`);
  const local = await createLocalServices({ baseUrl: () => 'http://127.0.0.1', now: () => new Date() });
  try {
    const { storage, engine } = local.services;
    const csv = demoInsuranceCsv(rows);
    const key = 'datasets/ce_bench000000/up_bench/data.csv';
    await storage.put(key, csv, 'text/csv');
    let t = performance.now();
    const table = await engine.register({
      entryId: 'ce_bench000000',
      version: 1,
      key,
      columns: 4,
      format: 'csv',
    });
    const registerMs = performance.now() - t;

    const scope: TableScope = {
      name: 'ce_bench000000',
      items: [
        { name: '单位名称', personalInformation: false },
        { name: '参保人数', personalInformation: false },
        { name: '缴费状态', personalInformation: false },
        { name: '身份证号', personalInformation: true },
      ],
      fields: ['单位名称', '参保人数', '缴费状态'],
      personalInformationAllowed: false,
    };
    const sql =
      'SELECT "单位名称", count(*) AS n, sum(CAST("参保人数" AS INTEGER)) AS insured FROM ce_bench000000 GROUP BY "单位名称"';
    const runs = quick ? 5 : 20;
    const lat: number[] = [];
    let bytes = 0;
    for (let i = 0; i < runs; i++) {
      t = performance.now();
      const checked = checkQuery(sql, [scope]);
      const result = await engine.run({
        id: `bench-${i}`,
        sql: scopedSql(sql, [scope], () => table.physical),
        tables: [table.physical],
        maxRows: DEFAULT_LIMITS.maxOutputRows + 1,
      });
      checkOutput(result, checked, DEFAULT_LIMITS);
      lat.push(performance.now() - t);
      bytes = result.bytesScanned;
    }
    const v = {
      entryId: 'ce_bench000000',
      predicates: [{ column: '身份证号', op: '=' as const, parameter: 'id' }],
    };
    const vSql = scopedSql(
      verificationSql(v),
      [{ ...scope, fields: [...scope.fields, '身份证号'], personalInformationAllowed: true }],
      () => table.physical,
    );
    const calls = quick ? 20 : 100;
    t = performance.now();
    for (let i = 0; i < calls; i++)
      await engine.run({
        id: `v-${i}`,
        sql: vSql,
        tables: [table.physical],
        maxRows: 1,
        params: [`DEMO${String(i).padStart(10, '0')}`],
      });
    const callSeconds = (performance.now() - t) / 1000;
    const sum = lat.reduce((a, b) => a + b, 0);
    print([
      [
        'rows',
        'register s',
        'register rows/s',
        'job p50 ms',
        'job p99 ms',
        'jobs/s (serial)',
        'rows scanned/s',
        'bytes scanned',
        'verify calls/s',
      ],
      [
        rows,
        fmt(registerMs / 1000, 2),
        fmt(rows / (registerMs / 1000), 0),
        fmt(percentile(lat, 50)),
        fmt(percentile(lat, 99)),
        fmt(runs / (sum / 1000), 2),
        fmt(rows / (percentile(lat, 50) / 1000), 0),
        bytes,
        fmt(calls / callSeconds, 1),
      ],
    ]);
  } finally {
    await local.stop();
  }
};
