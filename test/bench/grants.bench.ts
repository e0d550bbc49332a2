/**
 * Issue 4 figures for `npm run bench`: the expiry sweep over 100,000 grants of which 1% are due
 * (items read, queries, time), and entitlement checks per second (function step and gateway).
 */
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createEntry, reviewEntry, submitEntry } from '../../functions/catalog/domain.js';
import { headItem as catalogHead } from '../../functions/catalog/repository.js';
import { CatalogContent } from '../../functions/catalog/schemas.js';
import type { Entitlement } from '../../functions/entitlements/domain.js';
import { entitlementItem } from '../../functions/entitlements/repository.js';
import { draftGrant, type Grant, sign, termOf } from '../../functions/grants/domain.js';
import { headItem } from '../../functions/grants/repository.js';
import type { Principal } from '../../functions/shared/auth.js';
import { DAY_MS } from '../../functions/shared/clock.js';
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
        let requests = batches[next++]!.map((Item) => ({ PutRequest: { Item } }));
        while (requests.length) {
          const out = await db.send(new BatchWriteCommand({ RequestItems: { [table]: requests } }));
          requests = (out.UnprocessedItems?.[table] ?? []) as typeof requests;
        }
      }
    }),
  );
};

const who = (role: Principal['role'], org: string): Principal => ({
  userId: `${role}-bench`,
  role,
  roles: [role],
  org,
});

/** A signed grant whose term ends at `expiresAt`. */
const grantEnding = (i: number, expiresAt: Date, now: Date): Grant => {
  const operator = who('operator', DEMO_ORGS.operatorA.code);
  const authority = who('authority', DEMO_ORGS.authority.code);
  const g = draftGrant({
    id: `gr_bench${String(i).padStart(10, '0')}`,
    applicationId: `ap_bench${i}`,
    announcementId: 'an_bench',
    mode: 'comprehensive',
    scope: ['ce_bench0000000001'],
    grantor: { org: authority.org, role: 'authority' },
    operator: { org: operator.org, name: 'bench' },
    now,
  });
  const signed = sign(sign(g, authority, now), operator, now);
  return {
    ...signed,
    ...termOf(new Date(expiresAt.getTime() - 2 * 365 * DAY_MS)),
    expiresAt: expiresAt.toISOString(),
  };
};

export const run = async ({
  dynamoEndpoint,
  quick,
  print,
}: {
  dynamoEndpoint: string;
  quick: boolean;
  print: Print;
}) => {
  const total = quick ? 10_000 : 100_000;
  const due = Math.round(total / 100);
  console.log(`\n== Grant expiry sweep: ${total} grants, ${due} due ==`);
  const rt = await startLocalRuntime({ stage: 'bench-grants', dynamoEndpoint, logLevel: 'ERROR' });
  try {
    const now = rt.clock.now();
    const items = Array.from({ length: total }, (_, i) => {
      // 1% ended within the last hour; the rest end over the next two years.
      const end =
        i < due ? now.getTime() - 60_000 - (i % 60) * 60_000 : now.getTime() + DAY_MS + (i % 730) * DAY_MS;
      return headItem(grantEnding(i, new Date(end), now));
    });
    const seedStart = performance.now();
    await writeAll(rt.db, rt.tables.grants, items);
    const seedSeconds = (performance.now() - seedStart) / 1000;
    const t = performance.now();
    const stats = (await rt.scheduler.fire('grant-expiry')) as {
      itemsRead: number;
      queries: number;
      expired: number;
    };
    const sweepMs = performance.now() - t;
    const t2 = performance.now();
    await rt.settle();
    const followMs = performance.now() - t2;
    print([
      ['grants', 'due', 'expired', 'items read', 'queries', 'sweep ms', 'events delivered ms', 'seed s'],
      [
        total,
        due,
        stats.expired,
        stats.itemsRead,
        stats.queries,
        sweepMs.toFixed(0),
        followMs.toFixed(0),
        seedSeconds.toFixed(1),
      ],
    ]);

    const entitlements = quick ? 2000 : 10_000;
    console.log(`\n== Entitlement checks over ${entitlements} entitlements ==`);
    const at = now.toISOString();
    const until = new Date(now.getTime() + 365 * DAY_MS).toISOString();
    const operators = [DEMO_ORGS.operatorA.code, DEMO_ORGS.operatorB.code, DEMO_ORGS.operatorC.code];
    const ents: Entitlement[] = Array.from({ length: entitlements }, (_, i) => ({
      id: `en_bench${i}`,
      status: 'active',
      operatorOrg: operators[i % 3]!,
      entryId: `ce_bench${String(Math.floor(i / 3)).padStart(10, '0')}`,
      providerOrg: DEMO_ORGS.transport.code,
      grantId: `gr_benchent${i % 50}`,
      demandId: `dd_bench${i}`,
      scenarioTitle: 'bench',
      validFrom: at,
      validUntil: until,
      grantVersion: 2,
      version: 1,
      createdAt: at,
      updatedAt: at,
    }));
    await writeAll(rt.db, rt.tables.entitlements, ents.map(entitlementItem));
    // The check also reads the entry (Art. 8: a withdrawn or restricted entry entitles nobody).
    const entryIds = [...new Set(ents.map((e) => e.entryId))];
    await writeAll(
      rt.db,
      rt.tables.catalog,
      entryIds.map((id) => catalogHead(approvedEntry(id, now))),
    );
    const seconds = quick ? 2 : 5;
    const concurrency = 16;
    const measure = async (call: (e: Entitlement) => Promise<void>) => {
      let count = 0;
      const stop = Date.now() + seconds * 1000;
      await Promise.all(
        Array.from({ length: concurrency }, async (_, w) => {
          for (let i = w; Date.now() < stop; i += concurrency) {
            await call(ents[(i * 7919) % ents.length]!);
            count++;
          }
        }),
      );
      return count / seconds;
    };
    const stepRate = await measure(async (e) => {
      const r = (await rt.invoke('entitlements', {
        step: 'checkEntitlement',
        operatorOrg: e.operatorOrg,
        entryId: e.entryId,
      })) as {
        entitled: boolean;
      };
      if (!r.entitled) throw new Error('bench entitlement not found');
    });
    const token = await rt.token('authority', DEMO_ORGS.authority.code);
    const httpRate = await measure(async (e) => {
      const res = await fetch(`${rt.url}/entitlements/check?operator=${e.operatorOrg}&entry=${e.entryId}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      await res.arrayBuffer();
    });
    print([
      ['path', 'checks/s', 'concurrency'],
      ['checkEntitlement step (one Query)', stepRate.toFixed(0), concurrency],
      ['GET /entitlements/check (gateway, JWT)', httpRate.toFixed(0), concurrency],
    ]);
  } finally {
    await rt.stop();
  }
};

/** An approved catalog entry with a given id, built by the catalog's own rules (provider ≠ reviewer). */
const approvedEntry = (id: string, now: Date) => {
  const provider: Principal = {
    userId: 'bench-p',
    role: 'provider',
    roles: ['provider'],
    org: DEMO_ORGS.transport.code,
  };
  const authority: Principal = {
    userId: 'bench-a',
    role: 'authority',
    roles: ['authority'],
    org: DEMO_ORGS.authority.code,
  };
  const content = CatalogContent.parse({
    title: `基准条目 ${id}`,
    description: '用于基准测试的目录条目',
    domain: 'transport',
    dataItems: [{ name: '字段', type: 'string', personalInformation: false }],
    updateFrequency: 'daily',
    format: 'api',
    classification: 'general',
    openness: 'unconditional',
  });
  const draft = createEntry({ id, principal: provider, content, now });
  return reviewEntry(
    submitEntry(draft, provider, undefined, now),
    authority,
    { decision: 'approve' },
    undefined,
    now,
  );
};
