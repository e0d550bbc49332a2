import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvedEntry, as, type Platform, startPlatform } from '../support/platform.js';
import { activeGrant, auditOf, eventsAbout } from './grants-fixtures.js';

/** Operation reports (Art. 12.2, 12.4, 13). */
let p: Platform;
let entry: string;
beforeAll(async () => {
  p = await startPlatform();
  entry = await approvedEntry(p, as.transport);
});
afterAll(() => p.stop());

type ReportView = {
  id: string;
  period: string;
  cadence: string;
  status: string;
  dueAt: string;
  revision: number;
  version: number;
  overdue: boolean;
  late?: boolean;
  grantId: string;
  supplements: { request: string; answer?: string; overdueAt?: string }[];
  revisions?: { revision: number; status: string; content: unknown }[];
};
const fire = async () => (await p.rt.scheduler.fire('reports-due')) as Record<string, number>;
const reportsOf = async (grantId: string) =>
  (await p.get<{ items: ReportView[] }>(`/reports?grantId=${grantId}`, as.authority)).body.items;

const content = (over: Record<string, unknown> = {}) => ({
  products: [{ name: '公交客流分析', description: '线路优化报告', users: 12 }],
  revenue: { total: 120000.5, distribution: [{ party: '市交通运输局', amount: 30000 }] },
  dataUsed: [{ demandId: 'dd_x', scenario: '城市公交出行分析' }],
  securityMeasures: '数据不出域，访问留痕',
  incidents: [],
  staffTraining: { sessions: 2, participants: 35, topics: '数据安全' },
  problems: '',
  plans: '扩大线路覆盖',
  ...over,
});

describe('operation reports (Art. 12.2)', () => {
  it('creates due reports once per grant and period, and runs the whole review', async () => {
    p.rt.clock.set('2027-02-10T02:00:00Z');
    const { id: grantId } = await activeGrant(p, { scope: [entry] });
    p.rt.clock.set('2027-04-02T02:00:00Z');

    const first = await fire();
    const again = await fire();
    const [report] = await reportsOf(grantId);

    expect(first).toMatchObject({ created: 1 });
    expect(again).toMatchObject({ created: 0, existing: 1 });
    expect(await reportsOf(grantId)).toHaveLength(1);
    expect(report).toMatchObject({
      period: '2027-Q1',
      cadence: 'quarterly',
      status: 'due',
      dueAt: '2027-04-30T16:00:00.000Z',
      overdue: false,
    });
    const id = report!.id;
    expect(eventsAbout(p, 'ReportDue', 'reportId', id)).toHaveLength(1);

    // Only the grant's operator writes; a submitted report is immutable.
    expect((await p.request('PUT', `/reports/${id}`, as.operatorB, { content: content() })).status).toBe(403);
    const bad = await p.request('PUT', `/reports/${id}`, as.operatorA, {
      content: content({ revenue: { total: -1 } }),
    });
    expect(bad.status).toBe(400);
    const draft = await p.request<ReportView>('PUT', `/reports/${id}`, as.operatorA, {
      content: content(),
      attachments: [
        {
          name: 'q1.pdf',
          contentType: 'application/pdf',
          sizeBytes: 2048,
          sha256: 'a'.repeat(64),
          uri: 'https://files.example/q1.pdf',
        },
      ],
    });
    expect(draft.body).toMatchObject({ status: 'draft' });
    const undeclared = await p.post(`/reports/${id}/submit`, as.operatorA, {});
    expect(undeclared.status).toBe(400);
    const submitted = await p.post<ReportView>(`/reports/${id}/submit`, as.operatorA, {
      truthfulnessDeclared: true,
    });
    expect(submitted.body).toMatchObject({ status: 'submitted', late: false });
    expect((await p.request('PUT', `/reports/${id}`, as.operatorA, { content: content() })).status).toBe(409);

    // Art. 13: supplementary material by a deadline, answered; then accepted.
    const asked = await p.post<ReportView>(`/reports/${id}/review`, as.authority, {
      decision: 'request-supplement',
      request: '请补充收益分配明细',
      dueBy: '2027-04-20T00:00:00Z',
    });
    expect(asked.body.status).toBe('supplement-requested');
    expect((await p.post(`/reports/${id}/review`, as.authority, { decision: 'accept' })).status).toBe(409);
    const answered = await p.post<ReportView>(`/reports/${id}/supplement`, as.operatorA, {
      answer: '见附件收益分配表',
      documents: ['doc-1'],
    });
    expect(answered.body).toMatchObject({
      status: 'submitted',
      supplements: [{ answer: '见附件收益分配表' }],
    });
    const accepted = await p.post<ReportView>(`/reports/${id}/review`, as.authority, { decision: 'accept' });
    expect(accepted.body.status).toBe('accepted');
    expect((await p.post(`/reports/${id}/review`, as.regulator, { decision: 'accept' })).status).toBe(403);

    // A correction is a new revision; the accepted one is kept as it was.
    const corrected = await p.post<ReportView>(`/reports/${id}/corrections`, as.operatorA, {
      reason: '收入数据有误',
    });
    expect(corrected.body).toMatchObject({ status: 'draft', revision: 2 });
    await p.request('PUT', `/reports/${id}`, as.operatorA, {
      content: content({ revenue: { total: 110000, distribution: [] } }),
    });
    await p.post(`/reports/${id}/submit`, as.operatorA, { truthfulnessDeclared: true });
    const full = await p.get<ReportView>(`/reports/${id}`, as.regulator);
    expect(full.body).toMatchObject({ status: 'submitted', revision: 2 });
    expect(full.body.revisions).toEqual([
      expect.objectContaining({
        revision: 1,
        status: 'accepted',
        content: expect.objectContaining({ revenue: content().revenue }),
      }),
    ]);

    // Readers: the operator, the grantor (the authority here), regulators; not another operator.
    expect((await p.get(`/reports/${id}`, as.operatorA)).status).toBe(200);
    expect((await p.get(`/reports/${id}`, as.operatorB)).status).toBe(403);
    expect((await p.get<{ items: unknown[] }>('/reports', as.operatorB)).body.items).toEqual([]);
    expect((await auditOf(p, `report/${id}`)).map((a) => a.action)).toEqual([
      'report.due',
      'report.edit',
      'report.submit',
      'report.review',
      'report.supplement',
      'report.review',
      'report.correct',
      'report.edit',
      'report.submit',
    ]);
    p.rt.clock.reset();
  });

  it('flags overdue reports and overdue supplements once, with events and notifications', async () => {
    p.rt.clock.set('2026-12-01T02:00:00Z');
    const { id: grantId } = await activeGrant(p, { scope: [entry], operator: as.operatorB });
    p.rt.clock.set('2027-01-05T02:00:00Z');
    await fire();
    const due = await reportsOf(grantId);
    // The last quarter of 2026 and the annual report for 2026, due by 31 March (CST).
    expect(due.map((r) => [r.period, r.cadence, r.dueAt]).sort()).toEqual([
      ['2026', 'annual', '2027-03-31T15:59:59.999Z'],
      ['2026-Q4', 'quarterly', '2027-01-30T16:00:00.000Z'],
    ]);
    const quarterly = due.find((r) => r.cadence === 'quarterly')!;
    const annual = due.find((r) => r.cadence === 'annual')!;
    await p.request('PUT', `/reports/${annual.id}`, as.operatorB, { content: content() });
    await p.post(`/reports/${annual.id}/submit`, as.operatorB, { truthfulnessDeclared: true });
    await p.post(`/reports/${annual.id}/review`, as.authority, {
      decision: 'request-supplement',
      request: '补充安全培训记录',
      dueBy: '2027-02-10T00:00:00Z',
    });

    p.rt.clock.set('2027-02-15T02:00:00Z');
    const sweep = await fire();
    const repeat = await fire();
    await p.rt.settle();

    expect(sweep.flagged).toBe(2);
    expect(repeat.flagged).toBe(0);
    const overdue = (await p.get<{ items: ReportView[] }>('/reports?overdue=true', as.operatorB)).body.items;
    expect(overdue.map((r) => r.id).sort()).toEqual([quarterly.id, annual.id].sort());
    expect(eventsAbout(p, 'ReportOverdue', 'reportId', quarterly.id)).toHaveLength(1);
    expect(eventsAbout(p, 'ReportSupplementOverdue', 'reportId', annual.id)).toHaveLength(1);
    const inbox = await p.get<{ items: { title: string }[] }>('/notifications', as.operatorB);
    expect(inbox.body.items.map((n) => n.title)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/Report overdue: .*2026-Q4/),
        expect.stringMatching(/Supplement overdue/),
      ]),
    );
    // Submitting late is allowed, recorded as late, and clears the flag.
    await p.request('PUT', `/reports/${quarterly.id}`, as.operatorB, { content: content() });
    const late = await p.post<ReportView>(`/reports/${quarterly.id}/submit`, as.operatorB, {
      truthfulnessDeclared: true,
    });
    expect(late.body).toMatchObject({ status: 'submitted', late: true, overdue: false });
    p.rt.clock.reset();
  });

  it('fans the due-report run out one page of grants per invocation, one report per grant and period', async () => {
    p.rt.clock.set('2028-01-10T02:00:00Z');
    const ids: string[] = [];
    for (const operator of [as.operatorA, as.operatorB, as.operatorC, as.operatorA, as.operatorB]) {
      ids.push((await activeGrant(p, { scope: [entry], operator })).id);
    }
    process.env.REPORTS_DUE_PAGE_SIZE = '2';
    try {
      p.rt.clock.set('2028-04-02T02:00:00Z');
      const pagesBefore = p.rt.bus.events({ detailType: 'ReportsDuePage' }).length;
      const first = await fire();
      // The schedule's own invocation handles one page only; the rest follow on the bus.
      expect(first.grants).toBe(2);
      expect(first.continued).toBe(true);
      await p.rt.settle();
      const pages = p.rt.bus.events({ detailType: 'ReportsDuePage' }).slice(pagesBefore);
      const active = (await p.get<{ items: unknown[] }>('/grants?status=active&limit=100', as.authority)).body
        .items.length;
      expect(active).toBeGreaterThanOrEqual(ids.length);
      // ceil(active / 2) pages: the first from the schedule, each other from one event.
      expect(pages).toHaveLength(Math.ceil(active / 2) - 1);
      expect(new Set(pages.map((e) => (e.detail as { page: number }).page)).size).toBe(pages.length);

      // A rerun the same day and a redelivered page start no second chain and no second report.
      await fire();
      const redelivered = pages[0];
      if (redelivered) await p.rt.invoke('reports', redelivered);
      await p.rt.settle();
      expect(p.rt.bus.events({ detailType: 'ReportsDuePage' }).slice(pagesBefore)).toHaveLength(pages.length);
      for (const id of ids) {
        const q1 = (await reportsOf(id)).filter((r) => r.period === '2028-Q1');
        expect(q1, id).toHaveLength(1);
      }
    } finally {
      delete process.env.REPORTS_DUE_PAGE_SIZE;
      p.rt.clock.reset();
    }
  });
});
