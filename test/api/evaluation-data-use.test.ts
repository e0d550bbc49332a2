import { createHash } from 'node:crypto';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvedEntry, as, type Platform, startPlatform } from '../support/platform.js';
import { activeGrant, scenario } from './grants-fixtures.js';

/** The `data-use` criterion of an evaluation cycle (Art. 13, 16): jobs judged against their entitlements. */
let p: Platform;
let entry: string;
let grantId: string;
let demandId: string;

const ITEMS = [
  { name: '企业代码', type: 'string', personalInformation: false, description: '' },
  { name: '区县', type: 'string', personalInformation: false, description: '' },
];
const csv = () =>
  `${['企业代码,区县', ...Array.from({ length: 60 }, (_, i) => `E${i},${i % 2 ? '茅箭区' : '张湾区'}`)].join('\n')}\n`;

type Criterion = { criterion: string; score: number | null; evidence: Record<string, unknown> };
type EvalView = { cycle: string | null; assessment: { criteria: Criterion[] } | null };

const dataUse = async (cycle: string) => {
  const list = await p.get<{ items: EvalView[] }>(`/evaluations?grantId=${grantId}`, as.regulator);
  const e = list.body.items.find((x) => x.cycle === cycle);
  return e?.assessment?.criteria.find((c) => c.criterion === 'data-use');
};

const runJob = async (): Promise<string> => {
  const res = await p.post<{ id: string }>('/jobs', as.operatorA, {
    demandId,
    sql: `SELECT "区县", count(*) AS n FROM ${entry} GROUP BY "区县"`,
    outputKind: 'aggregate',
    purpose: '区县结构分析',
  });
  expect(res.status).toBe(202);
  await p.rt.settle();
  for (let i = 0; i < 100; i++) {
    const j = await p.get(`/jobs/${res.body.id}`, as.operatorA);
    if (!['queued', 'running'].includes(String(j.body.status))) return res.body.id;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('job did not finish');
};

beforeAll(async () => {
  p = await startPlatform();
  p.rt.clock.set('2027-01-10T02:00:00Z');
  entry = await approvedEntry(p, as.police, { title: '企业区县数据', domain: 'other', dataItems: ITEMS });
  grantId = (await activeGrant(p, { scope: [entry], operator: as.operatorA })).id;
  const filed = await p.post<{ id: string }>('/demands', as.operatorA, {
    grantId,
    entries: [entry],
    scenario: scenario({ title: '企业区县分析', dataFields: ['企业代码', '区县'] }),
  });
  demandId = filed.body.id;
  await p.rt.settle();
  for (const r of [as.authority, as.police]) {
    const tasks = await p.get<{ items: { id: string; subject: { id: string } }[] }>(
      `/tasks?kind=demand-review&subjectId=${demandId}&status=pending`,
      r,
    );
    const task = tasks.body.items.find((t) => t.subject.id === demandId);
    await p.post(`/tasks/${task?.id}/decision`, r, { decision: 'approve' });
  }
  await p.rt.settle();
  const body = csv();
  const created = await p.post<{ id: string; upload: { url: string; headers: Record<string, string> } }>(
    '/datasets/uploads',
    as.police,
    {
      entryId: entry,
      bytes: Buffer.byteLength(body),
      sha256: createHash('sha256').update(body).digest('hex'),
    },
  );
  await fetch(created.body.upload.url, { method: 'PUT', headers: created.body.upload.headers, body });
  expect((await p.post(`/datasets/uploads/${created.body.id}/complete`, as.police, {})).status).toBe(201);
}, 60_000);
afterAll(() => {
  p.rt.clock.reset();
  return p.stop();
});

describe('data-use criterion (Art. 16)', () => {
  it('scores the share of the period’s jobs within their entitlement’s terms, with the evidence', async () => {
    // Prepare: two jobs in 2027-Q1 under the approved scenario.
    const j1 = await runJob();
    const j2 = await runJob();

    // Act: the 2027-Q1 cycle.
    p.rt.clock.set('2027-04-02T02:00:00Z');
    await p.rt.scheduler.fire('evaluation-cycle');
    await p.rt.settle();

    // Assess: all in terms: 100, with the uses named.
    const q1 = await dataUse('2027-Q1');
    expect(q1).toMatchObject({ score: 100, evidence: { uses: 2, within: 2, outside: 0, outOfTerm: [] } });
    expect(q1?.evidence.useIds).toEqual(expect.arrayContaining([j1, j2]));
  });

  it('an out-of-term use lowers the score and is named in the evidence', async () => {
    // Prepare: one regular job in 2027-Q2, and one job record whose claimed entitlement is for another
    // scenario (planted in the table: the jobs API itself refuses such a job, so no API can make it).
    p.rt.clock.set('2027-05-10T02:00:00Z');
    const ok = await runJob();
    const real = await p.get<{ entitlementIds: string[]; [k: string]: unknown }>(`/jobs/${ok}`, as.operatorA);
    const planted = 'job_planted_out_of_term';
    const createdAt = '2027-05-11T02:00:00.000Z';
    await p.rt.db.send(
      new PutCommand({
        TableName: p.rt.tables.processing,
        Item: {
          ...real.body,
          pk: `JOB#${planted}`,
          sk: 'JOB',
          id: planted,
          scenarioTitle: '未经批准的场景',
          createdAt,
          jobGrant: grantId,
          publicKey: 'job',
          createdSort: `${createdAt}#${planted}`,
        },
      }),
    );

    // Act: the 2027-Q2 cycle.
    p.rt.clock.set('2027-07-02T02:00:00Z');
    await p.rt.scheduler.fire('evaluation-cycle');
    await p.rt.settle();

    // Assess: one of two uses out of terms: 50; the Q1 jobs are not counted again.
    const q2 = await dataUse('2027-Q2');
    expect(q2).toMatchObject({
      score: 50,
      evidence: {
        uses: 2,
        within: 1,
        outside: 1,
        outOfTerm: [{ id: planted, reason: expect.stringMatching(/another scenario/) }],
      },
    });
  });

  it('counts verification calls as uses and refused job attempts as uses outside the scenario', async () => {
    // Prepare (2027-Q3): one job, one verification product call (数据核验), one job the checker refuses
    // (a column outside the scenario's fields) and one syntax error (not an attempt on data).
    p.rt.clock.set('2027-08-10T02:00:00Z');
    const job = await runJob();
    const vf = await p.post<{ id: string }>('/verifications', as.operatorA, {
      demandId,
      entryId: entry,
      title: '企业区县核验',
      question: '该企业是否位于该区县',
      predicates: [
        { column: '企业代码', op: '=', parameter: 'enterprise' },
        { column: '区县', op: '=', parameter: 'district' },
      ],
    });
    expect(vf.status).toBe(201);
    const call = await p.post(`/verifications/${vf.body.id}/calls`, as.logistics, {
      parameters: { enterprise: 'E1', district: '茅箭区' },
    });
    expect(call.status).toBe(200);
    const refused = await p.post('/jobs', as.operatorA, {
      demandId,
      sql: `SELECT "区县", count(*) AS n FROM police_other GROUP BY "区县"`,
      outputKind: 'aggregate',
      purpose: '越权读取',
    });
    expect(refused.status).toBe(403);
    const syntax = await p.post('/jobs', as.operatorA, {
      demandId,
      sql: 'SELEC nothing',
      outputKind: 'aggregate',
      purpose: '错误语句',
    });
    expect(syntax.status).toBe(400);

    // Act: the 2027-Q3 cycle.
    p.rt.clock.set('2027-10-02T02:00:00Z');
    await p.rt.scheduler.fire('evaluation-cycle');
    await p.rt.settle();

    // Assess: three uses, the refused one outside: 66.7, each kind counted in the evidence.
    const q3 = await dataUse('2027-Q3');
    expect(q3).toMatchObject({
      score: 66.7,
      evidence: {
        uses: 3,
        jobs: 1,
        verificationCalls: 1,
        refusedAttempts: 1,
        within: 2,
        outside: 1,
        outOfTerm: [{ reason: expect.stringMatching(/refused by the query checker/) }],
      },
    });
    const ids = q3?.evidence.useIds as string[];
    expect(ids).toHaveLength(3);
    expect(ids).toContain(job);
    expect(ids.some((id) => id.startsWith(`${vf.body.id}-`))).toBe(true);
  });
});
