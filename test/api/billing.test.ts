import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ResourceUsed } from '../../events/metering.js';
import { issueStatements } from '../../functions/billing/jobs.js';
import { as, auditOf, type Platform, recordingDeps, startPlatform } from '../support/platform.js';

/** Platform costs (Art. 17): metering, monthly statements once per operator and month, disputes, settlement. */
let p: Platform;
beforeAll(async () => {
  p = await startPlatform();
});
afterAll(() => p.stop());
afterEach(() => p.rt.clock.reset());

const use = async (
  usageId: string,
  operatorOrg: string,
  quantity: number,
  at: string,
  resource = 'job',
  unit = 'ms',
) => {
  await p.rt.bus.publisher.publish([
    ResourceUsed.make({ usageId, operatorOrg, resource, unit, quantity, at, subject: `job/${usageId}` }),
  ]);
  await p.rt.settle();
};
const runStatements = () =>
  p.rt.invoke('billing', { schedule: 'platform-statements' }) as Promise<{
    issued: number;
    alreadyIssued: number;
  }>;

describe('monthly platform-cost statements (Art. 17)', () => {
  it('records each use once and issues one statement per operator and month whatever the retries', async () => {
    // Prepare: November uses of operator A (one redelivered) and operator B
    p.rt.clock.set('2026-11-20T04:00:00Z');
    await use('job/1/ms', as.operatorA.org, 60_000, '2026-11-20T03:00:00Z');
    await use('job/1/ms', as.operatorA.org, 60_000, '2026-11-20T03:00:00Z'); // redelivered
    await use('job/2/ms', as.operatorA.org, 30_000, '2026-11-21T03:00:00Z');
    await use('job/2/calls', as.operatorA.org, 1_000, '2026-11-21T03:00:00Z', 'verification-call', 'call');
    await use('job/3/ms', as.operatorB.org, 1_000, '2026-11-22T03:00:00Z');
    await use('job/4/x', as.operatorB.org, 5, '2026-11-22T03:00:00Z', 'gpu', 'hour');

    // Act: the schedule fires on 1 December, three times, two of them at once
    p.rt.clock.set('2026-12-01T02:00:00Z');
    const runs = [await runStatements(), ...(await Promise.all([runStatements(), runStatements()]))];

    // Assess
    expect(runs.reduce((s, r) => s + r.issued, 0)).toBe(2);
    const list = await p.get('/statements', as.operatorA);
    const items = list.body.items as {
      id: string;
      month: string;
      totalFen: number;
      lines: { resource: string; quantity: number; amountFen: number }[];
    }[];
    expect(items).toHaveLength(1);
    const st = items[0]!;
    expect(st.month).toBe('2026-11');
    // 90,000 ms × 5 milli-fen = 450 fen; 1,000 verification calls × 20 milli-fen = 20 fen
    expect(st.lines).toEqual([
      expect.objectContaining({ resource: 'job', quantity: 90_000, amountFen: 450 }),
      expect.objectContaining({ resource: 'verification-call', quantity: 1_000, amountFen: 20 }),
    ]);
    expect(st.totalFen).toBe(470);
    expect(await auditOf(p, `statement/${st.id}`)).toHaveLength(1);
    // Unknown resources are shown, at zero, never dropped
    const b = (await p.get('/statements', as.operatorB)).body.items as {
      lines: { resource: string; unrated: boolean }[];
    }[];
    expect(b[0]?.lines.find((l) => l.resource === 'gpu')?.unrated).toBe(true);
    // Others' statements stay private
    expect((await p.get(`/statements/${st.id}`, as.operatorB)).status).toBe(403);
    expect((await p.get('/statements?month=2026-11', as.authority)).body.items).toHaveLength(2);

    // A late November use goes to December, never into the issued statement
    await use('job/late/ms', as.operatorA.org, 2_000, '2026-11-30T10:00:00Z');
    expect((await p.get(`/statements/${st.id}`, as.operatorA)).body.totalFen).toBe(470);
    const dec = await p.get('/platform-usage?month=2026-12', as.operatorA);
    expect((dec.body.meters as { resource: string }[]).filter((m) => m.resource === 'job')).toEqual([
      expect.objectContaining({ resource: 'job', quantity: 2_000 }),
    ]);
  });

  it('can be disputed by its operator, adjusted by the authority and settled for the amount due', async () => {
    p.rt.clock.set('2026-10-10T04:00:00Z');
    await use('d/1', as.operatorC.org, 100_000, '2026-10-10T03:00:00Z');
    p.rt.clock.set('2026-11-01T03:00:00Z');
    await runStatements();
    const [st] = (await p.get('/statements', as.operatorC)).body.items as { id: string; totalFen: number }[];
    expect(st?.totalFen).toBe(500);
    const id = st!.id;

    expect((await p.post(`/statements/${id}/dispute`, as.operatorA, { reason: 'x' })).status).toBe(403);
    const disputed = await p.post(`/statements/${id}/dispute`, as.operatorC, {
      reason: '作业因平台故障重跑，重复计量',
    });
    expect(disputed.body.status).toBe('disputed');
    expect(
      (await p.post(`/statements/${id}/settle`, as.authority, { reference: 'T1', amountFen: 500 })).status,
    ).toBe(409);
    const decided = await p.post(`/statements/${id}/dispute-decision`, as.authority, {
      decision: 'adjust',
      adjustedTotalFen: 250,
      response: '核实重跑部分予以减免',
    });
    expect(decided.body).toMatchObject({ status: 'issued', amountDueFen: 250 });
    expect(
      (await p.post(`/statements/${id}/settle`, as.authority, { reference: 'T1', amountFen: 500 })).status,
    ).toBe(409);
    const settled = await p.post(`/statements/${id}/settle`, as.authority, {
      reference: 'BANK-20261105-01',
      amountFen: 250,
    });
    expect(settled.body.status).toBe('settled');
    expect((await p.post(`/statements/${id}/dispute`, as.operatorC, { reason: '再次' })).status).toBe(409);
  });

  it('meters every authenticated operator call, in every duty, exactly once on the statement', async () => {
    // Act: operator B calls five duties in September, one call refused (404) — all metered — and
    // the authority calls too (not an operator: not metered).
    p.rt.clock.set('2026-09-10T04:00:00Z');
    const calls = [
      '/products', // products
      '/products',
      '/grants', // grants
      '/demands', // entitlements
      '/jobs', // processing
      '/statements', // billing
      '/statements/st-000000-none', // billing, 404
    ];
    for (const path of calls) await p.get(path, as.operatorB);
    await p.get('/statements?month=2026-09', as.authority);
    // Nothing is published per call: the counters are written by the edge itself.
    expect(
      p.rt.bus
        .events({ detailType: 'ResourceUsed' })
        .filter((e) => (e.detail as { resource: string }).resource === 'api-call'),
    ).toHaveLength(0);
    const usage = await p.get('/platform-usage?month=2026-09', as.operatorB);
    expect(usage.body.meters).toEqual([
      expect.objectContaining({ resource: 'api-call', unit: 'call', quantity: calls.length }),
    ]);

    // Assess: the September statement has every call, the usage read included, once.
    p.rt.clock.set('2026-10-01T02:00:00Z');
    await runStatements();
    await runStatements();
    const st = (
      (await p.get('/statements', as.operatorB)).body.items as {
        month: string;
        lines: { resource: string; unit: string; quantity: number; amountFen: number }[];
      }[]
    ).find((s) => s.month === '2026-09');
    expect(st?.month).toBe('2026-09');
    expect(st?.lines).toEqual([
      expect.objectContaining({ resource: 'api-call', unit: 'call', quantity: calls.length + 1 }),
    ]);
  });

  it('closes the month from strongly consistent reads of the base tables only (no index)', async () => {
    // Prepare: operator C's August: a job use and one API call.
    p.rt.clock.set('2026-08-10T04:00:00Z');
    await use('aug/1', as.operatorC.org, 10_000, '2026-08-10T03:00:00Z');
    await p.get('/products', as.operatorC);
    p.rt.clock.set('2026-09-01T02:00:00Z');
    // Act: the statement run, with every DynamoDB request it sends recorded.
    const { sent, deps } = recordingDeps(p);
    const run = await issueStatements({ deps, requestId: 'consistency-test' }, '2026-08');

    // Assess: C's statement has both; every read was a consistent base-table read.
    expect(run.issued).toBe(1);
    const st = (
      (await p.get('/statements', as.operatorC)).body.items as {
        month: string;
        lines: { resource: string; quantity: number }[];
      }[]
    ).find((s) => s.month === '2026-08');
    expect(st?.month).toBe('2026-08');
    expect(st?.lines.map((l) => [l.resource, l.quantity])).toEqual([
      ['api-call', 1],
      ['job', 10_000],
    ]);
    const reads = sent.filter((c) => c.name === 'QueryCommand' || c.name === 'GetCommand');
    expect(reads.length).toBeGreaterThan(0);
    for (const r of reads) {
      expect(r.input.IndexName).toBeUndefined();
      // The retry check (has this operator's statement been issued?) may read eventually.
      if (!String((r.input.Key as { pk?: string } | undefined)?.pk ?? '').startsWith('STMT#'))
        expect(r.input.ConsistentRead).toBe(true);
    }
  });
});
