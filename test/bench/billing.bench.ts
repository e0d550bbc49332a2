/**
 * Issue 9 figures for `npm run bench`: the monthly platform-cost statements for many operators (time,
 * items read; a second run shows the idempotent re-run), and how the usage-record path scales with
 * the usage already recorded (gateway, JWT, one transaction per record).
 *
 * Default size small (200 operators; 0 / 5,000 prior usage records). The figure:
 * `BENCH_BILLING_OPERATORS=1000 BENCH_USAGE_PRELOAD=50000 npm run bench`.
 */
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Meter } from '../../functions/billing/domain.js';
import { meterItems } from '../../functions/billing/repository.js';
import type { Product } from '../../functions/products/domain.js';
import { DEFAULT_REVENUE_SHARES } from '../../functions/products/pricing.js';
import { productItem, subItem } from '../../functions/products/repository.js';
import type { Subscription } from '../../functions/products/subscriptions.js';
import { withCheckChar } from '../../functions/shared/credit-code.js';
import { DEMO_ORGS } from '../../infra/local/orgs.js';
import { startLocalRuntime } from '../../infra/local/runtime.js';

type Print = (rows: (string | number)[][]) => void;

const writeAll = async (
  db: DynamoDBDocumentClient,
  table: string,
  items: Record<string, unknown>[],
  concurrency = 16,
) => {
  const batches: Record<string, unknown>[][] = [];
  for (let i = 0; i < items.length; i += 25) batches.push(items.slice(i, i + 25));
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < batches.length) {
        let requests = (batches[next++] ?? []).map((Item) => ({ PutRequest: { Item } }));
        while (requests.length) {
          const out = await db.send(new BatchWriteCommand({ RequestItems: { [table]: requests } }));
          requests = (out.UnprocessedItems?.[table] ?? []) as typeof requests;
        }
      }
    }),
  );
};

/** A valid unified social credit code per bench operator. */
const operatorCode = (i: number) => withCheckChar(`91420300MA${String(i).padStart(7, '0')}`);

const percentile = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? Number.NaN;

export const run = async ({
  dynamoEndpoint,
  quick,
  print,
}: {
  dynamoEndpoint: string;
  quick: boolean;
  print: Print;
}) => {
  const operators = Number(process.env.BENCH_BILLING_OPERATORS ?? (quick ? 50 : 200));
  const resources = [
    { resource: 'api-call', unit: 'call' },
    { resource: 'job', unit: 'ms' },
    { resource: 'storage', unit: 'gb-day' },
  ];
  console.log(
    `\n== Monthly platform-cost statements: ${operators} operators × ${resources.length} meters ==`,
  );
  const rt = await startLocalRuntime({ stage: 'bench-billing', dynamoEndpoint, logLevel: 'ERROR' });
  try {
    const month = '2026-10';
    // Each meter comes with its month's head (the same item for an operator's meters: keep one).
    const meters = [
      ...new Map(
        Array.from({ length: operators }, (_, i) =>
          resources.flatMap((r, j) =>
            meterItems(
              { operatorOrg: operatorCode(i), month, ...r, quantity: 1000 * (i + 1) + j } satisfies Meter,
              42,
            ),
          ),
        )
          .flat()
          .map((item) => [`${item.pk}|${item.sk}`, item] as const),
      ).values(),
    ];
    await writeAll(rt.db, rt.tables.billing, meters);
    rt.clock.set('2026-11-01T02:00:00Z');
    const t1 = performance.now();
    const first = (await rt.scheduler.fire('platform-statements')) as { issued: number; itemsRead: number };
    const firstMs = performance.now() - t1;
    const t2 = performance.now();
    const again = (await rt.scheduler.fire('platform-statements')) as {
      alreadyIssued: number;
      itemsRead: number;
    };
    const againMs = performance.now() - t2;
    print([
      ['run', 'operators', 'statements issued', 'already issued', 'items read', 'ms', 'ms / operator'],
      [
        'first',
        operators,
        first.issued,
        0,
        first.itemsRead,
        firstMs.toFixed(0),
        (firstMs / operators).toFixed(1),
      ],
      [
        'retry',
        operators,
        0,
        again.alreadyIssued,
        again.itemsRead,
        againMs.toFixed(0),
        (againMs / operators).toFixed(1),
      ],
    ]);

    // Usage-record path: POST /subscriptions/{id}/usage through the gateway, with more and more usage already recorded.
    const preloads = [0, Number(process.env.BENCH_USAGE_PRELOAD ?? (quick ? 1000 : 5000))];
    console.log(`\n== Usage records through the gateway, after ${preloads.join(' / ')} prior records ==`);
    rt.clock.reset();
    const now = rt.clock.now().toISOString();
    const operator = DEMO_ORGS.operatorA.code;
    const product: Product = {
      id: 'pd_bench00000000001',
      status: 'registered',
      operatorOrg: operator,
      operatorName: 'bench',
      grantId: 'gr_bench0000000001',
      grantorOrg: DEMO_ORGS.authority.code,
      authorityOrg: DEMO_ORGS.authority.code,
      registrationCode: 'SYDP-2026-BENCH01',
      current: {
        number: 1,
        stage: 'registered',
        content: {
          name: 'bench',
          form: 'data-service',
          description: 'bench',
          entitlementIds: ['en_bench000000001'],
          intendedUsers: 'x',
          intendedUses: 'x',
          delivery: 'x',
          securityMeasures: 'x',
          prices: [{ unit: 'call', tiers: [{ upTo: null, unitPriceFen: 1 }] }],
          publicInterestTerms: 'x',
          reuse: { reprovision: false, redevelopment: false },
        },
        submittedAt: now,
        submittedBy: 'bench',
        registeredAt: now,
      },
      subscriptionNeedsAuthority: false,
      grantVersion: 2,
      version: 3,
      createdAt: now,
      updatedAt: now,
    };
    const subscriptions = 20;
    const subs: Subscription[] = Array.from({ length: subscriptions }, (_, i) => ({
      id: `sb_bench${String(i).padStart(12, '0')}`,
      productId: product.id,
      productName: 'bench',
      operatorOrg: operator,
      grantorOrg: DEMO_ORGS.authority.code,
      authorityOrg: DEMO_ORGS.authority.code,
      consumerOrg: DEMO_ORGS.logistics.code,
      consumerName: 'bench',
      principal: { name: 'bench' },
      purpose: 'commercial',
      useDescription: 'bench',
      paid: true,
      prices: [{ unit: 'call', tiers: [{ upTo: null, unitPriceFen: 1 }] }],
      shares: DEFAULT_REVENUE_SHARES,
      needsAuthority: false,
      status: 'active',
      approvals: {},
      version: 2,
      createdAt: now,
      updatedAt: now,
    }));
    await writeAll(rt.db, rt.tables.products, [productItem(product), ...subs.map(subItem)]);
    const token = await rt.token('operator', operator);
    const rows: (string | number)[][] = [
      ['prior records', 'records', 'records/s', 'p50 ms', 'p99 ms', 'concurrency'],
    ];
    let loaded = 0;
    for (const preload of preloads) {
      const extra = Array.from({ length: preload - loaded }, (_, i) => {
        const s = subs[i % subscriptions] as Subscription;
        return {
          pk: `SUB#${s.id}`,
          sk: `USAGE#pre-${loaded + i}`,
          usageId: `pre-${loaded + i}`,
          subscriptionId: s.id,
          unit: 'call',
          quantity: 1,
          at: now,
        };
      });
      await writeAll(rt.db, rt.tables.products, extra);
      loaded = preload;
      const seconds = quick ? 2 : 4;
      const concurrency = 8;
      const lat: number[] = [];
      const stop = Date.now() + seconds * 1000;
      let n = 0;
      await Promise.all(
        Array.from({ length: concurrency }, async (_, w) => {
          for (let i = w; Date.now() < stop; i += concurrency) {
            const s = subs[i % subscriptions] as Subscription;
            const t = performance.now();
            const res = await fetch(`${rt.url}/subscriptions/${s.id}/usage`, {
              method: 'POST',
              headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
              body: JSON.stringify({
                usageId: `run-${preload}-${i}`,
                unit: 'call',
                quantity: 1,
                at: rt.clock.now().toISOString(),
              }),
            });
            await res.arrayBuffer();
            if (res.status !== 201) throw new Error(`usage: ${res.status}`);
            lat.push(performance.now() - t);
            n++;
          }
        }),
      );
      rows.push([
        preload,
        n,
        (n / seconds).toFixed(0),
        percentile(lat, 50).toFixed(2),
        percentile(lat, 99).toFixed(2),
        concurrency,
      ]);
    }
    print(rows);
  } finally {
    await rt.stop();
  }
};
