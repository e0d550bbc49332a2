/**
 * `npm run bench`: figures, never thresholds. For each function: bundle size, cold import time and
 * warm latency beside the floor (a bare handler doing one DynamoDB call, and an empty handler), then
 * the local gateway's throughput over a 10,000-entry catalog, then the workflow and sweep figures the
 * later duties add (test/bench/*.bench.ts).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { build } from 'esbuild';
import { createEntry, reviewEntry, submitEntry } from '../../functions/catalog/domain.js';
import { headItem } from '../../functions/catalog/repository.js';
import { CatalogContent } from '../../functions/catalog/schemas.js';
import { newId } from '../../functions/shared/ids.js';
import { BUNDLING } from '../../infra/bundling.js';
import { ensureTables, localClientConfig, startDynamoDbLocal } from '../../infra/local/dynamodb.js';
import { DEMO_ORGS } from '../../infra/local/orgs.js';
import { startLocalRuntime } from '../../infra/local/runtime.js';
import { env, type FunctionName, functions, type TableName, tables } from '../../infra/system.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const OUT = join(ROOT, '.bench');
const STAGE = 'bench';
const quick = process.argv.includes('--quick');
// The EMF metric lines would flood the figures; the metric calls themselves still run.
process.env.POWERTOOLS_METRICS_DISABLED = 'true';
process.env.POWERTOOLS_METRICS_NAMESPACE ??= 'ShiyanData/bench';

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN;
};
const median = (xs: number[]) => percentile(xs, 50);
const fmt = (n: number, d = 2) => (Number.isFinite(n) ? n.toFixed(d) : '–');
const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}x` : '–');
const table = (rows: (string | number)[][]) => {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  for (const r of rows) console.log(r.map((c, i) => String(c).padEnd(widths[i]!)).join('  '));
};

const bundle = async (
  name: string,
  entry: string,
): Promise<{ file: string; bytes: number; largest: [string, number][] }> => {
  const file = join(OUT, `${name}.mjs`);
  const out = await build({
    ...BUNDLING,
    entryPoints: [join(ROOT, entry)],
    outfile: file,
    logLevel: 'silent',
    metafile: true,
  });
  // Composition: bytes each input contributes to the output, by package (or own source folder).
  const byPackage = new Map<string, number>();
  for (const o of Object.values(out.metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(o.inputs)) {
      const m = input.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
      const key = m ? m[1]! : input.split('/').slice(0, 2).join('/');
      byPackage.set(key, (byPackage.get(key) ?? 0) + bytesInOutput);
    }
  }
  const largest = [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 5);
  return { file, bytes: statSync(file).size, largest };
};

const functionEnv = (endpoint: string): NodeJS.ProcessEnv => ({
  ...process.env,
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
  AWS_ENDPOINT_URL_DYNAMODB: endpoint,
  POWERTOOLS_LOG_LEVEL: 'ERROR',
  [env.eventBus]: `${STAGE}-platform`,
  [env.issuer]: 'https://bench.invalid',
  [env.audience]: 'bench',
  [env.jwksUrl]: 'https://bench.invalid/jwks.json',
  [env.authorityOrg]: DEMO_ORGS.authority.code,
  [env.personKeySecret]: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:bench-person-key',
  [env.cursorKey]: 'bench-cursor-key',
  ...Object.fromEntries((Object.keys(tables) as TableName[]).map((t) => [env.table(t), `${STAGE}-${t}`])),
});

/** Module initialisation in a fresh Node process: the cold-start share our code controls. */
const coldImportMs = (file: string, envVars: NodeJS.ProcessEnv, runs: number): number => {
  const script = `const t=performance.now();await import(${JSON.stringify(pathToFileURL(file).href)});console.log(performance.now()-t)`;
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      env: envVars,
      encoding: 'utf8',
    });
    times.push(Number(out.trim().split('\n').at(-1)));
  }
  return median(times);
};

type Handler = (event: unknown, context: unknown) => Promise<unknown>;
const context = { awsRequestId: 'bench', functionName: 'bench', getRemainingTimeInMillis: () => 10_000 };

const latency = async (fn: () => Promise<unknown>, n: number) => {
  for (let i = 0; i < Math.min(50, n); i++) await fn();
  const xs: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    xs.push(performance.now() - t);
  }
  return { p50: percentile(xs, 50), p99: percentile(xs, 99) };
};

const httpEvent = (
  method: string,
  path: string,
  routePath: string,
  body?: unknown,
  claims?: Record<string, string>,
) => ({
  version: '2.0',
  routeKey: `${method} ${routePath}`,
  rawPath: path,
  rawQueryString: '',
  headers: { 'content-type': 'application/json' },
  requestContext: {
    http: { method, path },
    requestId: `bench-${Math.random()}`,
    routeKey: `${method} ${routePath}`,
    ...(claims ? { authorizer: { jwt: { claims, scopes: null } } } : {}),
  },
  ...(body ? { body: JSON.stringify(body) } : {}),
  isBase64Encoded: false,
});

const sampleContent = (i: number) =>
  CatalogContent.parse({
    title: `基准条目 ${i}`,
    description: '用于基准测试的目录条目',
    domain: ['transport', 'medical', 'employment', 'credit', 'statistics'][i % 5],
    dataItems: [{ name: '字段', type: 'string', personalInformation: false }],
    updateFrequency: 'daily',
    format: 'api',
    classification: 'general',
    openness: 'unconditional',
  });

/** Writes `n` approved entries straight into the table (25 per BatchWrite), built by the domain rules. */
const seedCatalog = async (db: DynamoDBDocumentClient, tableName: string, n: number) => {
  const provider = {
    userId: 'bench',
    role: 'provider' as const,
    roles: ['provider' as const],
    org: DEMO_ORGS.transport.code,
  };
  const authority = {
    userId: 'bench-a',
    role: 'authority' as const,
    roles: ['authority' as const],
    org: DEMO_ORGS.authority.code,
  };
  const now = new Date();
  const items = [];
  for (let i = 0; i < n; i++) {
    const draft = createEntry({ id: newId('ce', now), principal: provider, content: sampleContent(i), now });
    const e = reviewEntry(
      submitEntry(draft, provider, undefined, now),
      authority,
      { decision: 'approve' },
      undefined,
      now,
    );
    items.push(headItem(e));
  }
  const ids = items.map((i) => String((i as { id?: unknown }).id));
  for (let i = 0; i < items.length; i += 25) {
    let req: Record<string, { PutRequest: { Item: Record<string, unknown> } }[]> | undefined = {
      [tableName]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })),
    };
    while (req && Object.keys(req).length) {
      const out = await db.send(new BatchWriteCommand({ RequestItems: req }));
      req = out.UnprocessedItems as typeof req;
    }
  }
  return ids;
};

const main = async () => {
  mkdirSync(OUT, { recursive: true });
  const dynamo = await startDynamoDbLocal();
  try {
    await ensureTables(dynamo.endpoint, STAGE);
    const envVars = functionEnv(dynamo.endpoint);
    Object.assign(process.env, envVars);
    const runs = quick ? 3 : 7;
    const n = quick ? 100 : 500;

    // 1. Bundles and cold imports.
    console.log(`\n== Bundles and cold import (fresh process, median of ${runs}) ==`);
    const floor = await bundle('floor', 'test/bench/floor-handler.ts');
    const empty = await bundle('empty', 'test/bench/empty-handler.ts');
    const floorCold = coldImportMs(floor.file, envVars, runs);
    const emptyCold = coldImportMs(empty.file, envVars, runs);
    const rows: (string | number)[][] = [['function', 'bundle kB', 'vs floor', 'cold import ms', 'vs floor']];
    rows.push(['(empty handler)', fmt(empty.bytes / 1024, 1), '', fmt(emptyCold), '']);
    rows.push(['(floor: 1 DynamoDB call)', fmt(floor.bytes / 1024, 1), '1.00x', fmt(floorCold), '1.00x']);
    const bundles = new Map<FunctionName, string>();
    const composition: (string | number)[][] = [['function', 'largest inputs (kB in the bundle)']];
    for (const [name, decl] of Object.entries(functions) as [FunctionName, { entry: string }][]) {
      const b = await bundle(name, decl.entry);
      bundles.set(name, b.file);
      composition.push([name, b.largest.map(([k, v]) => `${k} ${fmt(v / 1024, 1)}`).join(', ')]);
      const cold = coldImportMs(b.file, envVars, runs);
      rows.push([
        name,
        fmt(b.bytes / 1024, 1),
        ratio(b.bytes, floor.bytes),
        fmt(cold),
        ratio(cold, floorCold),
      ]);
    }
    table(rows);
    console.log('\n== Bundle composition (esbuild metafile: largest inputs by package) ==');
    composition.splice(1, 0, [
      '(floor)',
      floor.largest.map(([k, v]) => `${k} ${fmt(v / 1024, 1)}`).join(', '),
    ]);
    table(composition);

    // 2. Warm latency, in process, against DynamoDB Local.
    console.log(`\n== Warm handler latency against DynamoDB Local (${n} calls, ms) ==`);
    const floorHandler = ((await import(pathToFileURL(floor.file).href)) as { handler: Handler }).handler;
    const catalog = ((await import(pathToFileURL(bundles.get('catalog')!).href)) as { handler: Handler })
      .handler;
    const db = DynamoDBDocumentClient.from(new DynamoDBClient(localClientConfig(dynamo.endpoint)));
    const ids = await seedCatalog(db, `${STAGE}-catalog`, 200);
    const claims = { sub: 'bench', 'cognito:groups': '[provider]', 'custom:org': DEMO_ORGS.transport.code };
    let k = 0;
    const results = {
      floorGet: await latency(() => floorHandler({}, context), n),
      list: await latency(() => catalog(httpEvent('GET', '/catalog', '/catalog'), context), n),
      // The like-for-like comparison: one item by key, through the whole edge, beside the bare GetItem.
      one: await latency(() => {
        const id = ids[k++ % ids.length]!;
        return catalog(
          { ...httpEvent('GET', `/catalog/${id}`, '/catalog/{id}'), pathParameters: { id } },
          context,
        );
      }, n),
      floorPut: await latency(() => floorHandler({ put: true, id: String(k++) }, context), n),
      create: await latency(
        () => catalog(httpEvent('POST', '/catalog', '/catalog', { ...sampleContent(k++) }, claims), context),
        n,
      ),
    };
    table([
      ['path', 'p50', 'p99', 'p50 vs floor', 'floor'],
      [
        'GET /catalog (list 20)',
        fmt(results.list.p50),
        fmt(results.list.p99),
        ratio(results.list.p50, results.floorGet.p50),
        'GetItem',
      ],
      [
        'GET /catalog/{id} (one entry)',
        fmt(results.one.p50),
        fmt(results.one.p99),
        ratio(results.one.p50, results.floorGet.p50),
        'GetItem',
      ],
      ['(floor GetItem)', fmt(results.floorGet.p50), fmt(results.floorGet.p99), '1.00x', ''],
      [
        'POST /catalog (create, audited tx)',
        fmt(results.create.p50),
        fmt(results.create.p99),
        ratio(results.create.p50, results.floorPut.p50),
        'PutItem',
      ],
      ['(floor PutItem)', fmt(results.floorPut.p50), fmt(results.floorPut.p99), '1.00x', ''],
    ]);

    // 3. Gateway throughput over 10,000 entries.
    const entries = quick ? 1000 : 10_000;
    console.log(`\n== Local gateway throughput: GET /catalog over ${entries} approved entries ==`);
    const rt = await startLocalRuntime({
      stage: 'bench-gw',
      dynamoEndpoint: dynamo.endpoint,
      logLevel: 'ERROR',
    });
    try {
      await seedCatalog(rt.db, rt.tables.catalog, entries);
      const seconds = quick ? 2 : 5;
      const concurrency = 8;
      /** Closed-loop load: `concurrency` clients GET `url` for `seconds`; latencies in ms. */
      const load = async (url: string) => {
        const lat: number[] = [];
        const until = Date.now() + seconds * 1000;
        await Promise.all(
          Array.from({ length: concurrency }, async () => {
            while (Date.now() < until) {
              const t = performance.now();
              const res = await fetch(url);
              await res.arrayBuffer();
              lat.push(performance.now() - t);
            }
          }),
        );
        return lat;
      };
      // The floor: a bare node:http server running the same DynamoDB query (first page of the public
      // listing index) and answering its items as JSON — no routing, auth, validation or views.
      const bare = createServer(async (_req, res) => {
        const out = await rt.db.send(
          new QueryCommand({
            TableName: rt.tables.catalog,
            IndexName: 'byListing',
            KeyConditionExpression: 'listing = :l',
            ExpressionAttributeValues: { ':l': 'public' },
            Limit: 21,
          }),
        );
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ items: (out.Items ?? []).slice(0, 20) }));
      });
      await new Promise<void>((r) => bare.listen(0, '127.0.0.1', r));
      const port = (bare.address() as { port: number }).port;
      try {
        const gw = await load(`${rt.url}/catalog?limit=20`);
        const floor = await load(`http://127.0.0.1:${port}/`);
        table([
          ['server', 'requests', 'req/s', 'p50 ms', 'p99 ms', 'p50 vs floor'],
          [
            'local gateway GET /catalog',
            gw.length,
            fmt(gw.length / seconds, 0),
            fmt(percentile(gw, 50)),
            fmt(percentile(gw, 99)),
            ratio(percentile(gw, 50), percentile(floor, 50)),
          ],
          [
            '(floor: bare node:http, same Query)',
            floor.length,
            fmt(floor.length / seconds, 0),
            fmt(percentile(floor, 50)),
            fmt(percentile(floor, 99)),
            '1.00x',
          ],
        ]);
      } finally {
        await new Promise((r) => bare.close(r));
      }
    } finally {
      await rt.stop();
    }

    // 4. Figures contributed by the other duties.
    const extras = readdirSync(import.meta.dirname)
      .filter((f) => f.endsWith('.bench.ts'))
      .sort();
    for (const f of extras) {
      const mod = (await import(pathToFileURL(join(import.meta.dirname, f)).href)) as {
        run: (o: { dynamoEndpoint: string; quick: boolean; print: typeof table }) => Promise<void>;
      };
      await mod.run({ dynamoEndpoint: dynamo.endpoint, quick, print: table });
    }
    db.destroy();
  } finally {
    await dynamo.stop();
  }
};

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
