import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DAY_MS } from '../../functions/shared/clock.js';
import { approvedEntry, as, auditOf, type Platform, startPlatform } from '../support/platform.js';
import { activeGrant, eventsAbout } from './grants-fixtures.js';

/** Evaluation of authorized operation (Art. 13-14), through the local gateway. */
let p: Platform;
let entries: string[];
beforeAll(async () => {
  p = await startPlatform();
  entries = [await approvedEntry(p, as.transport)];
});
afterAll(() => p.stop());
afterEach(() => p.rt.clock.reset());

const inDays = (days: number) => new Date(p.rt.clock.now().getTime() + days * DAY_MS).toISOString();
const grantStatus = async (id: string) => (await p.get(`/grants/${id}`, as.authority)).body.status;

/** Opens an evaluation of a fresh active grant of operatorA; returns both ids. */
const openFor = async (period: string) => {
  const grant = await activeGrant(p, { scope: entries });
  const opened = await p.post(
    '/evaluations',
    as.authority,
    { grantId: grant.id, period, materialsDueAt: inDays(14) },
    { 'idempotency-key': `open-${grant.id}-${period}` },
  );
  expect(opened.status, JSON.stringify(opened.body)).toBe(201);
  return { grantId: grant.id, id: String(opened.body.id) };
};

const fail = (id: string, version?: number) =>
  p.post(`/evaluations/${id}/result`, as.authority, {
    outcome: 'fail',
    findings: ['数据使用超出授权场景'],
    rectifyBy: inDays(30),
    ...(version ? { version } : {}),
  });

describe('evaluation, rectification and the grant (Art. 13-14)', () => {
  it('a failed evaluation suspends the grant; an accepted rectification reinstates it', async () => {
    // Prepare
    const { grantId, id } = await openFor('2026');

    // Act: material (Art. 13), failing result (Art. 14)
    const material = await p.post(`/evaluations/${id}/materials`, as.operatorA, {
      description: '2026年度授权运营情况报告',
      documents: ['report-2026.pdf'],
      truthfulnessDeclared: true,
    });
    expect(material.status, JSON.stringify(material.body)).toBe(201);
    const failed = await fail(id, Number(material.body.version));
    expect(failed.status, JSON.stringify(failed.body)).toBe(200);
    expect(failed.body.status).toBe('rectifying');
    await p.rt.settle();

    // Assess: the grant's data-use rights are suspended, by the platform for the authority
    expect(await grantStatus(grantId)).toBe('suspended');
    expect(eventsAbout(p, 'GrantSuspended', 'grantId', grantId)).toHaveLength(1);
    const grantAudit = await auditOf(p, `grant/${grantId}`);
    expect(grantAudit.at(-1)).toMatchObject({
      action: 'grant.suspend',
      actor: { role: 'system', userId: 'system:evaluation-events' },
    });

    // Act: report back, a rejection, a second report, acceptance
    const report = await p.post(`/evaluations/${id}/rectification`, as.operatorA, {
      report: '已停止超范围使用并完成内部整改',
      documents: ['rectification-1.pdf'],
    });
    expect(report.status, JSON.stringify(report.body)).toBe(201);
    const rejected = await p.post(`/evaluations/${id}/rectification-review`, as.authority, {
      decision: 'reject',
      reason: '整改材料不完整',
    });
    expect(rejected.body.status).toBe('rectifying');
    await p.post(`/evaluations/${id}/rectification`, as.operatorA, { report: '补充整改材料' });
    const accepted = await p.post(`/evaluations/${id}/rectification-review`, as.authority, {
      decision: 'accept',
    });
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);
    expect(accepted.body.status).toBe('closed');
    await p.rt.settle();

    // Assess
    expect(await grantStatus(grantId)).toBe('active');
    expect(eventsAbout(p, 'GrantReinstated', 'grantId', grantId)).toHaveLength(1);
    const evalAudit = await auditOf(p, `evaluation/${id}`);
    expect(evalAudit.map((a) => a.action)).toEqual([
      'evaluation.open',
      'evaluation.materials',
      'evaluation.fail',
      'evaluation.rectification-report',
      'evaluation.rectification-reject',
      'evaluation.rectification-report',
      'evaluation.rectification-accept',
    ]);
  });

  it('a rectification not accepted by its deadline terminates the grant', async () => {
    // Prepare
    const { grantId, id } = await openFor('2026');
    expect((await fail(id)).status).toBe(200);
    await p.rt.settle();
    expect(await grantStatus(grantId)).toBe('suspended');

    // Act
    p.rt.clock.set(inDays(31));
    const before = await p.rt.scheduler.fire('evaluation-rectification-deadlines');
    await p.rt.settle();
    const again = await p.rt.scheduler.fire('evaluation-rectification-deadlines');
    await p.rt.settle();

    // Assess
    expect(before).toMatchObject({ flagged: 1 });
    expect(again).toMatchObject({ flagged: 0 });
    expect((await p.get(`/evaluations/${id}`, as.authority)).body.status).toBe('failed-rectification');
    expect(await grantStatus(grantId)).toBe('terminated');
    expect(eventsAbout(p, 'GrantTerminated', 'grantId', grantId)).toHaveLength(1);
    expect(eventsAbout(p, 'EvaluationRectificationOverdue', 'evaluationId', id)).toHaveLength(1);
  });

  it('a pass closes the evaluation and leaves the grant alone; one evaluation per period', async () => {
    const { grantId, id } = await openFor('2027');
    const passed = await p.post(`/evaluations/${id}/result`, as.authority, { outcome: 'pass' });
    expect(passed.body.status).toBe('closed');
    await p.rt.settle();
    expect(await grantStatus(grantId)).toBe('active');
    const twice = await p.post('/evaluations', as.authority, {
      grantId,
      period: '2027',
      materialsDueAt: inDays(14),
    });
    expect(twice.status).toBe(409);
  });

  it('keeps other operators out, results to the authority, and stale versions refused', async () => {
    const { id } = await openFor('2028');

    expect((await p.get(`/evaluations/${id}`, as.operatorB)).status).toBe(403);
    expect(
      (
        await p.post(`/evaluations/${id}/materials`, as.operatorB, {
          description: 'x',
          truthfulnessDeclared: true,
        })
      ).status,
    ).toBe(403);
    expect((await p.post(`/evaluations/${id}/result`, as.operatorA, { outcome: 'pass' })).status).toBe(403);
    expect((await p.get(`/evaluations/${id}`, as.operatorA)).status).toBe(200);
    expect((await p.get(`/evaluations/${id}`, as.regulator)).status).toBe(200);
    const mine = (await p.get('/evaluations', as.operatorB)).body.items as { id: string }[];
    expect(mine.map((e) => e.id)).not.toContain(id);
    const all = (await p.get('/evaluations', as.authority)).body.items as { id: string }[];
    expect(all.map((e) => e.id)).toContain(id);

    await p.post(`/evaluations/${id}/materials`, as.operatorA, {
      description: '材料',
      truthfulnessDeclared: true,
    });
    const stale = await fail(id, 1);
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ error: { code: 'stale_version' } });

    const failed = await fail(id, 2);
    expect(failed.status).toBe(200);
    await p.rt.settle();
    expect(
      (await p.post(`/evaluations/${id}/rectification`, as.operatorB, { report: 'not mine' })).status,
    ).toBe(403);
  });
});
