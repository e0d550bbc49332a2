/**
 * Issue 11 figures for `npm run bench`: catalog search through the local gateway over 1,000 and
 * 10,000 approved entries (100,000 with SEARCH_BENCH_100K=1 — loading takes long on a small machine):
 * p50/p99 for a common word, a rare word and a missing word, the DynamoDB items each search read
 * (posting shards + the page's entries) and the rebuild time. Figures, never thresholds.
 *
 * Alone: `npx tsx test/bench/search.bench.ts` (starts its own DynamoDB Local; SEARCH_BENCH_SIZES=1000
 * picks the sizes).
 */
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createEntry, reviewEntry, submitEntry } from '../../functions/catalog/domain.js';
import { headItem } from '../../functions/catalog/repository.js';
import { CatalogContent } from '../../functions/catalog/schemas.js';
import { DEMO_ORGS } from '../../infra/local/orgs.js';
import { startLocalRuntime } from '../../infra/local/runtime.js';

type Print = (rows: (string | number)[][]) => void;

const PLACES = ['十堰', '茅箭', '张湾', '郧阳', '丹江口', '竹山', '竹溪', '房县', '郧西', '武当山'];
const TOPICS = [
  '公交线路',
  '医保结算',
  '企业登记',
  '不动产登记',
  '人口出生',
  '道路运输',
  '学校名录',
  '养老机构',
  '气象观测',
  '水质监测',
  '药品零售',
  '旅游景区',
  '农业补贴',
  '住房公积金',
  '充电设施',
  '森林防火',
  '文物保护',
  '就业招聘',
  '社会组织',
  '体育场馆',
];
const KINDS = ['明细', '统计', '名录', '台账', '目录', '记录'];
const ITEMS = ['编号', '名称', '地址', '日期', '金额', '状态', '类别', '经度', '纬度', '联系电话'];
const DOMAINS = ['transport', 'medical', 'employment', 'credit', 'statistics', 'education', 'culture'];
const PROVIDERS = [
  DEMO_ORGS.transport.code,
  DEMO_ORGS.health.code,
  DEMO_ORGS.hrss.code,
  DEMO_ORGS.police.code,
];

/** The words searched: in every fifth entry, in about ten entries, in none. */
const COMMON = '汇总数据';
const RARE = '尾矿库';
const MISSING = '火星基地';

const contentOf = (i: number, rareEvery: number) => {
  const place = PLACES[i % PLACES.length]!;
  const topic = TOPICS[Math.floor(i / PLACES.length) % TOPICS.length]!;
  const kind = KINDS[i % KINDS.length]!;
  return CatalogContent.parse({
    title: `${place}${topic}${kind}${i % rareEvery === 7 ? RARE : ''}`,
    description: `${place}市${topic}的${kind}，按月更新${i % 5 === 0 ? `，含${COMMON}` : ''}，编号${i}`,
    domain: DOMAINS[i % DOMAINS.length],
    dataItems: [0, 3, 7].map((k) => ({
      name: `${ITEMS[(i + k) % ITEMS.length]}`,
      type: 'string',
      personalInformation: false,
    })),
    updateFrequency: 'monthly',
    format: 'api',
    classification: i % 3 ? 'general' : 'important',
    openness: i % 2 ? 'conditional' : 'unconditional',
    usageRequirements: '遵守数据安全规定',
  });
};

const writeAll = async (db: DynamoDBDocumentClient, table: string, items: Record<string, unknown>[]) => {
  const batches: Record<string, unknown>[][] = [];
  for (let i = 0; i < items.length; i += 25) batches.push(items.slice(i, i + 25));
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < batches.length) {
        let requests = batches[next++]!.map((Item) => ({ PutRequest: { Item } }));
        while (requests.length) {
          const out = await db.send(new BatchWriteCommand({ RequestItems: { [table]: requests } }));
          requests = (out.UnprocessedItems?.[table] ?? []) as typeof requests;
        }
      }
    }),
  );
};

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN;
};

const sizesWanted = (quick: boolean): number[] => {
  if (process.env.SEARCH_BENCH_SIZES) return process.env.SEARCH_BENCH_SIZES.split(',').map(Number);
  const sizes = quick ? [1000] : [1000, 10_000];
  if (process.env.SEARCH_BENCH_100K) sizes.push(100_000);
  return sizes;
};

export const run = async ({
  dynamoEndpoint,
  quick,
  print,
}: {
  dynamoEndpoint?: string;
  quick: boolean;
  print: Print;
}) => {
  for (const size of sizesWanted(quick)) {
    console.log(`\n== Catalog search through the local gateway: ${size} approved entries ==`);
    const rt = await startLocalRuntime({
      stage: `bench-search-${size}`,
      ...(dynamoEndpoint ? { dynamoEndpoint } : {}),
      logLevel: 'ERROR',
    });
    try {
      const now = rt.clock.now();
      const authority = {
        userId: 'bench-a',
        role: 'authority' as const,
        roles: ['authority' as const],
        org: DEMO_ORGS.authority.code,
      };
      const rareEvery = Math.max(100, Math.round(size / 10));
      const heads = Array.from({ length: size }, (_, i) => {
        const org = PROVIDERS[i % PROVIDERS.length]!;
        const provider = { userId: 'bench', role: 'provider' as const, roles: ['provider' as const], org };
        const id = `ce_bench${String(i).padStart(12, '0')}`;
        const draft = createEntry({ id, principal: provider, content: contentOf(i, rareEvery), now });
        const e = reviewEntry(
          submitEntry(draft, provider, undefined, now),
          authority,
          { decision: 'approve' },
          undefined,
          now,
        );
        return headItem(e);
      });
      const t0 = performance.now();
      await writeAll(rt.db, rt.tables.catalog, heads);
      const seedS = (performance.now() - t0) / 1000;
      const admin = await rt.token('admin', DEMO_ORGS.authority.code, 'bench-ops');
      const t1 = performance.now();
      // The scheduled rebuild (no 30 s HTTP limit), fired through the local operator endpoint.
      const rebuilt = await fetch(`${rt.url}/_local/schedules/search-rebuild/run`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
        body: '{}',
      });
      const rebuild = ((await rebuilt.json()) as { result: { entries: number; items: number } }).result;
      const rebuildS = (performance.now() - t1) / 1000;

      const n = quick ? 30 : 100;
      const rows: (string | number)[][] = [['query', 'matches', 'p50 ms', 'p99 ms', 'items read/search']];
      for (const [label, q] of [
        [`common (${COMMON}, 1 in 5)`, COMMON],
        [`rare (${RARE})`, RARE],
        [`missing (${MISSING})`, MISSING],
        ['one character (址)', '址'],
        ['(no text: the listing, for comparison)', ''],
      ] as const) {
        const url = `${rt.url}/catalog?q=${encodeURIComponent(q)}&limit=20`;
        let total = 0;
        let read = 0;
        for (let i = 0; i < 5; i++) await (await fetch(url)).arrayBuffer(); // warm up
        const lat: number[] = [];
        for (let i = 0; i < n; i++) {
          const t = performance.now();
          const res = await fetch(url);
          const body = (await res.json()) as { total?: number; items: unknown[] };
          lat.push(performance.now() - t);
          total = body.total ?? body.items.length;
          read = Number(res.headers.get('x-search-items-read'));
        }
        rows.push([label, total, percentile(lat, 50).toFixed(1), percentile(lat, 99).toFixed(1), read]);
      }
      print(rows);
      print([
        ['entries', 'seed catalog s', 'rebuild s', 'index items'],
        [size, seedS.toFixed(1), rebuildS.toFixed(1), rebuild.items],
      ]);
    } finally {
      await rt.stop();
    }
  }
};

// Alone: `npx tsx test/bench/search.bench.ts`.
if (import.meta.url === `file://${process.argv[1]}`) {
  const table = (rows: (string | number)[][]) => {
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
    for (const r of rows) console.log(r.map((c, i) => String(c).padEnd(widths[i]!)).join('  '));
  };
  run({ quick: process.argv.includes('--quick'), print: table }).then(
    () => process.exit(0),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
