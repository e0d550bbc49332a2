import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RUNNING_INDEX } from '../../functions/grants/repository.js';
import { approvedEntry, as, type Platform, startPlatform } from '../support/platform.js';
import { activeGrant, eventsAbout } from './grants-fixtures.js';

/** Scheduled evaluation cycles (Art. 13) through the evaluation-cycle state machine (Distributed Map). */
let p: Platform;
let entry: string;
beforeAll(async () => {
  p = await startPlatform();
  entry = await approvedEntry(p, as.transport);
});
afterAll(() => p.stop());

type Criterion = {
  criterion: string;
  weight: number;
  score: number | null;
  evidence: Record<string, unknown>;
};
type EvalView = {
  id: string;
  grantId: string;
  status: string;
  period: string;
  cycle: string | null;
  version: number;
  assessment: { automaticScore: number | null; criteria: Criterion[] } | null;
};
const content = {
  products: [],
  revenue: { total: 0, distribution: [] },
  dataUsed: [],
  securityMeasures: '访问控制',
  incidents: [],
  staffTraining: { sessions: 1, participants: 3 },
};

describe('evaluation cycles (Art. 13)', () => {
  it('opens one evaluation per running grant and cycle, scored from the records, and a failure suspends', async () => {
    // Prepare: three grants in force since January; A reports on time and is accepted, B never reports,
    // C is suspended after failing an earlier evaluation (an open rectification).
    p.rt.clock.set('2027-01-10T02:00:00Z');
    const a = await activeGrant(p, { scope: [entry], operator: as.operatorA });
    const b = await activeGrant(p, { scope: [entry], operator: as.operatorB });
    const c = await activeGrant(p, { scope: [entry], operator: as.operatorC });
    // D ended before the cycle: the sparse running index no longer holds it, so it is not evaluated.
    const d = await activeGrant(p, { scope: [entry], operator: as.operatorA });
    expect((await p.post(`/grants/${d.id}/terminate`, as.authority, { reason: '严重违约' })).status).toBe(
      200,
    );
    const earlier = await p.post<EvalView>('/evaluations', as.authority, {
      grantId: c.id,
      period: '2026',
      materialsDueAt: '2027-02-01T00:00:00Z',
    });
    await p.post(`/evaluations/${earlier.body.id}/result`, as.authority, {
      outcome: 'fail',
      findings: ['未落实数据安全管理制度'],
      rectifyBy: '2027-06-30T00:00:00Z',
    });
    await p.rt.settle();
    p.rt.clock.set('2027-04-02T02:00:00Z');
    await p.rt.scheduler.fire('reports-due');
    const [reportA] = (await p.get<{ items: { id: string }[] }>(`/reports?grantId=${a.id}`, as.authority))
      .body.items;
    await p.request('PUT', `/reports/${reportA!.id}`, as.operatorA, { content });
    await p.post(`/reports/${reportA!.id}/submit`, as.operatorA, { truthfulnessDeclared: true });
    await p.post(`/reports/${reportA!.id}/review`, as.authority, { decision: 'accept' });
    p.rt.clock.set('2027-05-05T02:00:00Z');
    await p.rt.scheduler.fire('reports-due'); // B's report is now overdue
    // A reported two incidents under its grant; a regulator closed one.
    const incident = {
      kind: 'leak',
      severity: 'medium',
      occurredAt: '2027-03-01T00:00:00Z',
      description: '导出异常',
      measures: '已处置',
    };
    const i1 = await p.post<{ id: string }>('/incidents', as.operatorA, { ...incident, grantId: a.id });
    await p.post('/incidents', as.operatorA, { ...incident, grantId: a.id });
    await p.post(`/incidents/${i1.body.id}/close`, as.regulator, { conclusion: '已整改' });

    // Act: the quarterly schedule starts the cycle for 2027-Q1; firing it twice starts nothing new.
    const started = (await p.rt.scheduler.fire('evaluation-cycle')) as { cycleId: string };
    await p.rt.settle();
    await p.rt.scheduler.fire('evaluation-cycle');
    await p.rt.settle();

    // Assess
    expect(started.cycleId).toBe('2027-Q1');
    const runs = p.rt.workflows.executions().filter((x) => x.machine === 'evaluation-cycle');
    expect(runs.map((r) => r.status)).toEqual(['SUCCEEDED']);
    const cycleOf = async (grantId: string) =>
      (await p.get<{ items: EvalView[] }>(`/evaluations?grantId=${grantId}`, as.regulator)).body.items.filter(
        (e) => e.cycle === '2027-Q1',
      );
    const [ea] = await cycleOf(a.id);
    const [eb] = await cycleOf(b.id);
    const [ec] = await cycleOf(c.id);
    expect(await cycleOf(a.id)).toHaveLength(1);
    expect(await cycleOf(d.id)).toEqual([]);
    // The sparse index holds the running grants (C suspended) and not the terminated D.
    const inForce = await p.rt.db.send(
      new QueryCommand({
        TableName: p.rt.tables.grants,
        IndexName: RUNNING_INDEX.name,
        KeyConditionExpression: '#k = :k',
        ExpressionAttributeNames: { '#k': RUNNING_INDEX.key },
        ExpressionAttributeValues: { ':k': RUNNING_INDEX.value },
      }),
    );
    const ids = (inForce.Items ?? []).map((g) => g.id);
    expect(ids).toEqual(expect.arrayContaining([a.id, b.id, c.id]));
    expect(ids).not.toContain(d.id);
    const score = (e: EvalView | undefined, id: string) =>
      e?.assessment?.criteria.find((x) => x.criterion === id);
    expect(score(ea, 'reports')).toMatchObject({
      weight: 30,
      score: 100,
      evidence: { due: 1, onTime: 1, accepted: 1 },
    });
    expect(score(eb, 'reports')).toMatchObject({ score: 0, evidence: { due: 1, onTime: 0, accepted: 0 } });
    expect(score(ec, 'rectifications')).toMatchObject({
      score: 0,
      evidence: { open: [{ evaluationId: earlier.body.id, status: 'rectifying' }] },
    });
    expect(score(ea, 'rectifications')?.score).toBe(100);
    expect(score(ea, 'incidents')).toMatchObject({
      weight: 15,
      score: 50,
      evidence: { handled: 1, open: 1 },
    });
    expect(score(eb, 'incidents')).toMatchObject({ score: null });
    expect(score(ea, 'data-use')).toMatchObject({ score: null });
    // (100×30 + 100×20 + 50×15) / 65
    expect(ea?.assessment?.automaticScore).toBe(88.5);
    expect(eb?.assessment?.automaticScore).toBe(40); // reports 0×30 + rectifications 100×20, over 50
    expect(ec?.status).toBe('open'); // the suspended grant is evaluated too

    // The operator sees its own; a failing result enters the Art. 14 path (suspension).
    expect((await p.get(`/evaluations/${eb?.id}`, as.operatorB)).body).toMatchObject({
      assessment: { automaticScore: 40 },
    });
    expect((await p.get(`/evaluations/${eb?.id}`, as.operatorA)).status).toBe(403);
    const failed = await p.post(`/evaluations/${eb?.id}/result`, as.authority, {
      outcome: 'fail',
      findings: ['未按期提交运营报告'],
      rectifyBy: '2027-07-01T00:00:00Z',
      scores: [{ criterion: 'security-management', score: 55, comment: '制度未落地' }],
    });
    expect(failed.status).toBe(200);
    expect(failed.body).toMatchObject({
      result: { outcome: 'fail', manualScores: [{ criterion: 'security-management', score: 55 }] },
    });
    await p.rt.settle();
    expect((await p.get(`/grants/${b.id}`, as.authority)).body).toMatchObject({ status: 'suspended' });
    expect(eventsAbout(p, 'EvaluationFailed', 'grantId', b.id)).toHaveLength(1);

    // Evaluation events feed notifications; the materials deadline reminds once, 7 days before.
    const inboxB = await p.get<{ items: { title: string }[] }>('/notifications', as.operatorB);
    expect(inboxB.body.items.map((n) => n.title)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/Evaluation 2027-Q1/),
        expect.stringMatching(/Evaluation failed/),
      ]),
    );
    const early = (await p.rt.scheduler.fire('evaluation-materials-reminders')) as { reminded: number };
    p.rt.clock.set('2027-05-30T02:00:00Z'); // materials due 2027-06-04
    const reminders = (await p.rt.scheduler.fire('evaluation-materials-reminders')) as { reminded: number };
    const again = (await p.rt.scheduler.fire('evaluation-materials-reminders')) as { reminded: number };
    await p.rt.settle();
    expect(early.reminded).toBe(0);
    expect(reminders.reminded).toBe(2); // A and C: open without material; B is rectifying
    expect(again.reminded).toBe(0);
    expect(eventsAbout(p, 'EvaluationMaterialsReminder', 'grantId', a.id)).toHaveLength(1);
    const inboxA = await p.get<{ items: { title: string }[] }>('/notifications', as.operatorA);
    expect(inboxA.body.items.some((n) => /material due 2027-06-04/.test(n.title))).toBe(true);
    p.rt.clock.reset();
  });
});
