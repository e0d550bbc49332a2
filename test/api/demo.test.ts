import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_CATALOG, seedDemo } from '../../infra/local/demo.js';
import { DEMO_DATASET_ROWS } from '../../infra/local/demo-processing.js';
import { as, type Platform, startPlatform } from '../support/platform.js';

let p: Platform;
let seeded: Awaited<ReturnType<typeof seedDemo>>;
beforeAll(async () => {
  p = await startPlatform();
  // What `npm start` does on first start, through the API.
  seeded = await seedDemo(p.url, p.rt.token);
  await p.rt.settle();
});
afterAll(() => p.stop());

describe('demo data of npm start', () => {
  it('publishes the demo catalog, one open announcement, an active grant and a waiting application', async () => {
    const catalog = await p.get<{ items: { id: string; authorizable: boolean }[] }>('/catalog?limit=100');
    const announcements = await p.get<{ items: { id: string; status: string }[] }>('/announcements');
    const grants = await p.get<{ items: { id: string; operatorOrg: string }[] }>('/public/grants');
    const tasks = await p.get<{ items: { kind: string; subject: { id: string } }[] }>(
      '/tasks?status=pending',
      as.authority,
    );
    const domains = new Set(DEMO_CATALOG.map((c) => c.entry.domain));

    expect(catalog.body.items.map((i) => i.id).sort()).toEqual([...seeded.catalog].sort());
    expect(catalog.body.items.filter((i) => !i.authorizable)).toHaveLength(1); // the Art. 8 entry
    expect(domains.size).toBeGreaterThanOrEqual(5);
    expect(announcements.body.items.map((a) => a.id)).toEqual([seeded.announcement]);
    expect(grants.body.items.map((g) => g.id)).toEqual([seeded.grant]);
    expect(grants.body.items[0]?.operatorOrg).toBe(as.operatorB.org);
    expect(tasks.body.items.map((t) => [t.kind, t.subject.id])).toContainEqual([
      'qualification-review',
      seeded.applications.pending,
    ]);
  });

  it('has a registered product with subscribers and usage, in the public list and this year’s disclosure', async () => {
    const list = await p.get<{ items: { id: string; status: string; registrationCode: string }[] }>(
      '/public/products',
    );
    expect(list.body.items.map((x) => [x.id, x.status])).toEqual([[seeded.product, 'registered']]);
    expect(list.body.items[0]?.registrationCode).toMatch(/^SYDP-/);
    const year = (await p.get<{ now: string }>('/_local/clock', as.admin)).body.now.slice(0, 4);
    const disclosure = await p.get<{
      grants: { grantId: string }[];
      priceCaps: unknown[];
      operators: {
        org: string;
        authorizedData: unknown[];
        products: { productId: string; feesFen: number }[];
      }[];
    }>(`/public/disclosures/${year}`);
    expect(disclosure.status).toBe(200);
    expect(disclosure.body.grants.map((g) => g.grantId)).toContain(seeded.grant);
    expect(disclosure.body.priceCaps).toHaveLength(1);
    const op = disclosure.body.operators.find((o) => o.org === as.operatorB.org);
    // Two data demands approved: the product's entry and the processing demo's (社会保险参保登记信息).
    expect(op?.authorizedData).toHaveLength(2);
    // 10,000 × 10 fen + 2,500 × 5 fen from the paid subscriber; nothing from the hospital
    expect(op?.products).toEqual([expect.objectContaining({ productId: seeded.product, feesFen: 112_500 })]);
  });

  it('has a synthetic dataset behind an approved entry and a released job output (processing)', async () => {
    const versions = await p.get<{ items: { version: number; bytes: number }[] }>(
      `/datasets/${seeded.processing.dataset}`,
      as.hrss,
    );
    expect(versions.body.items.map((v) => v.version)).toEqual([1]);
    const job = await p.get(`/jobs/${seeded.processing.job}`, as.operatorB);
    expect(job.body.status).toBe('released');
    const link = await p.get(`/jobs/${seeded.processing.job}/output`, as.operatorB);
    const csv = await (await fetch(String(link.body.url))).text();
    const lines = csv.trim().split('\n');
    expect(lines[0]).toBe('缴费状态,n,insured');
    // Three statuses, every row counted: 3,000 synthetic rows in all.
    expect(lines.slice(1).reduce((sum, l) => sum + Number(l.split(',')[1]), 0)).toBe(DEMO_DATASET_ROWS);
    const record = await p.get<{ items: { id: string }[] }>(
      `/public/processing?operator=${as.operatorB.org}`,
    );
    expect(record.body.items.map((j) => j.id)).toContain(seeded.processing.job);
  });

  it('has one submitted and accepted operation report of the demo operator (Art. 12.2)', async () => {
    const mine = await p.get<{ items: { id: string; status: string; grantId: string }[] }>(
      '/reports',
      as.operatorB,
    );
    expect(mine.status).toBe(200);
    expect(mine.body.items.filter((r) => r.status === 'accepted')).toEqual([
      expect.objectContaining({ id: seeded.report, grantId: seeded.grant }),
    ]);
  });
});
