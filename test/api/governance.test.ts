import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DAY_MS } from '../../functions/shared/clock.js';
import { approvedEntry, as, type Caller, type Platform, startPlatform } from '../support/platform.js';
import { activeGrant, auditOf, eventsAbout, scenario } from './grants-fixtures.js';

/** Data-quality governance requests (Art. 11.1). */
let p: Platform;
let transportEntry: string;
let hrssEntry: string;
beforeAll(async () => {
  p = await startPlatform();
  transportEntry = await approvedEntry(p, as.transport, { title: '公交刷卡数据' });
  hrssEntry = await approvedEntry(p, as.hrss, { title: '就业登记数据', domain: 'employment' });
  // Operator A is entitled to the transport entry only.
  const { id: grantId } = await activeGrant(p, { scope: [transportEntry, hrssEntry] });
  const demand = await p.post('/demands', as.operatorA, {
    grantId,
    entries: [transportEntry],
    scenario: scenario(),
  });
  await p.rt.settle();
  for (const reviewer of [as.authority, as.transport]) {
    const tasks = await p.get(
      `/tasks?kind=demand-review&subjectId=${demand.body.id}&status=pending`,
      reviewer,
    );
    const [task] = tasks.body.items as { id: string }[];
    await p.post(`/tasks/${task?.id}/decision`, reviewer, { decision: 'approve' });
  }
  await p.rt.settle();
});
afterAll(() => p.stop());
afterEach(() => p.rt.clock.reset());

const report = (c: Caller, entryId: string, overrides: Record<string, unknown> = {}) =>
  p.post('/governance-requests', c, {
    entryId,
    kind: 'inaccurate',
    description: '部分线路编码与实际不符',
    examples: ['线路 K12 编码为空'],
    ...overrides,
  });

describe('governance requests (Art. 11.1)', () => {
  it('lets an operator report problems only on data it is entitled to', async () => {
    const ok = await report(as.operatorA, transportEntry);
    const notEntitled = await report(as.operatorA, hrssEntry);
    const otherOperator = await report(as.operatorB, transportEntry);
    const badKind = await report(as.operatorA, transportEntry, { kind: 'ugly' });
    const byProvider = await report(as.transport, transportEntry);

    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({
      status: 'reported',
      providerOrg: as.transport.org,
      entryTitle: '公交刷卡数据',
      overdue: false,
    });
    expect(notEntitled.status).toBe(403);
    expect(otherOperator.status).toBe(403);
    expect(badKind.status).toBe(400);
    expect((badKind.body.error as { details: { path: string }[] }).details[0]?.path).toBe('body.kind');
    expect(byProvider.status).toBe(403);
  });

  it('goes authority → provider with a deadline → operator, escalating once when overdue', async () => {
    // Prepare
    const id = String((await report(as.operatorA, transportEntry)).body.id);

    // Act
    const forwardByProvider = await p.post(`/governance-requests/${id}/forward`, as.transport, {
      deadlineDays: 5,
    });
    const forwarded = await p.post(`/governance-requests/${id}/forward`, as.authority, {
      deadlineDays: 5,
      note: '请5日内完成',
    });
    const wrongProvider = await p.post(`/governance-requests/${id}/respond`, as.hrss, { response: 'x' });
    const seenByOtherProvider = await p.get(`/governance-requests/${id}`, as.hrss);
    p.rt.clock.set(new Date(Date.parse(String(forwarded.body.deadline)) + DAY_MS));
    const firstRun = await p.rt.scheduler.fire('governance-overdue');
    const secondRun = await p.rt.scheduler.fire('governance-overdue');
    await p.rt.settle();
    const flagged = await p.get('/governance-requests?overdue=true&limit=100', as.authority);
    const resolved = await p.post(`/governance-requests/${id}/respond`, as.transport, {
      response: '已修正线路编码',
    });
    const reopened = await p.post(`/governance-requests/${id}/reopen`, as.operatorA, {
      reason: '仍有空编码',
    });
    await p.post(`/governance-requests/${id}/respond`, as.transport, { response: '全部补齐' });
    const confirmByOther = await p.post(`/governance-requests/${id}/confirm`, as.operatorB, {});
    const closed = await p.post(`/governance-requests/${id}/confirm`, as.operatorA, { note: '确认' });
    const afterClose = await p.post(`/governance-requests/${id}/reopen`, as.operatorA, { reason: 'x' });
    await p.rt.settle();

    // Assess
    expect(forwardByProvider.status).toBe(403);
    expect(forwarded.body).toMatchObject({ status: 'forwarded', deadline: expect.any(String) });
    expect(wrongProvider.status).toBe(403);
    expect(seenByOtherProvider.status).toBe(403);
    expect(firstRun).toEqual({ escalated: 1 });
    expect(secondRun).toEqual({ escalated: 0 });
    expect(eventsAbout(p, 'GovernanceRequestEscalated', 'requestId', id)).toHaveLength(1);
    expect((flagged.body.items as { id: string; overdue: boolean }[]).find((r) => r.id === id)).toMatchObject(
      { overdue: true },
    );
    expect(resolved.body).toMatchObject({
      status: 'resolved',
      overdue: false,
      response: '已修正线路编码',
      escalatedAt: expect.any(String),
    });
    expect(reopened.body).toMatchObject({ status: 'forwarded' });
    expect(confirmByOther.status).toBe(403);
    expect(closed.body).toMatchObject({ status: 'closed' });
    expect(afterClose.status).toBe(409);
    expect((closed.body.history as { action: string }[]).map((h) => h.action)).toEqual([
      'report',
      'forward',
      'escalate',
      'resolve',
      'reopen',
      'resolve',
      'confirm',
    ]);
    expect((await auditOf(p, `governance-request/${id}`)).map((a) => a.action)).toContain(
      'governance.escalate',
    );
    const authorityInbox = (await p.get('/notifications?limit=100', as.authority)).body.items as {
      subject: { id: string };
      title: string;
    }[];
    expect(authorityInbox.filter((n) => n.subject.id === id && n.title.includes('逾期'))).toHaveLength(1);
    const providerInbox = (await p.get('/notifications?limit=100', as.transport)).body.items as {
      subject: { id: string };
    }[];
    expect(providerInbox.some((n) => n.subject.id === id)).toBe(true);
  });

  it('lists requests by party: operator its own, provider those on its entries, the authority all', async () => {
    const id = String((await report(as.operatorA, transportEntry, { kind: 'outdated' })).body.id);
    const ids = async (c: Caller) =>
      ((await p.get('/governance-requests?limit=100', c)).body.items as { id: string }[]).map((r) => r.id);

    expect(await ids(as.operatorA)).toContain(id);
    expect(await ids(as.operatorB)).not.toContain(id);
    expect(await ids(as.transport)).toContain(id);
    expect(await ids(as.hrss)).not.toContain(id);
    expect(await ids(as.authority)).toContain(id);
    expect(await ids(as.regulator)).toContain(id);
  });
});
