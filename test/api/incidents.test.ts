import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvedEntry, as, type Caller, type Platform, startPlatform } from '../support/platform.js';
import { activeGrant, auditOf } from './grants-fixtures.js';

/** Security incidents (Art. 12.4, 18). */
let p: Platform;
let entry: string;
beforeAll(async () => {
  p = await startPlatform();
  entry = await approvedEntry(p, as.transport);
});
afterAll(() => p.stop());

type Incident = { id: string; status: string; version: number; updates: { note: string; role: string }[] };
const body = (over: Record<string, unknown> = {}) => ({
  kind: 'leak',
  severity: 'critical',
  occurredAt: '2026-01-01T08:00:00+08:00',
  affectedEntries: [entry],
  description: '测试环境导出文件外泄',
  measures: '已吊销相关账号，通知受影响单位',
  ...over,
});
const titles = async (c: Caller) =>
  (await p.get<{ items: { title: string }[] }>('/notifications', c)).body.items.map((n) => n.title);

describe('security incidents (Art. 12.4, 18)', () => {
  it('names only a grant the reporter operates, and never a time after the report', async () => {
    // Prepare: operator A's grant
    const grant = await activeGrant(p, { scope: [entry], operator: as.operatorA });

    // Act
    const own = await p.post('/incidents', as.operatorA, body({ grantId: grant.id }));
    const foreign = await p.post('/incidents', as.operatorB, body({ grantId: grant.id }));
    const unknown = await p.post('/incidents', as.operatorA, body({ grantId: 'gr_0000000000000' }));
    const future = new Date(p.rt.clock.now().getTime() + 86_400_000).toISOString();
    const later = await p.post('/incidents', as.operatorA, body({ occurredAt: future }));

    // Assess
    expect(own.status).toBe(201);
    expect(foreign.status).toBe(403);
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({ error: { details: [{ path: 'body.grantId' }] } });
    expect(later.status).toBe(400);
    expect(later.body).toMatchObject({ error: { details: [{ path: 'body.occurredAt' }] } });
  });

  it('is reported by an operator, notified at once when severe, followed and closed by a regulator', async () => {
    const reported = await p.post<Incident>('/incidents', as.operatorA, body());
    const byProvider = await p.post('/incidents', as.transport, body());
    const invalid = await p.post(
      '/incidents',
      as.operatorA,
      body({ severity: 'apocalyptic', affectedEntries: ['x'] }),
    );
    await p.rt.settle();

    expect(reported.status).toBe(201);
    expect(byProvider.status).toBe(403);
    expect(invalid.status).toBe(400);
    const id = reported.body.id;
    expect(await titles(as.regulator)).toContainEqual(
      expect.stringMatching(/Severe incident: leak \(critical\)/),
    );
    expect(await titles(as.authority)).toContainEqual(expect.stringMatching(/Severe incident/));

    // A minor incident reaches the authority only.
    await p.post('/incidents', as.operatorA, body({ severity: 'low', kind: 'availability' }));
    await p.rt.settle();
    expect((await titles(as.regulator)).filter((t) => /availability/.test(t))).toEqual([]);

    expect((await p.get(`/incidents/${id}`, as.operatorB)).status).toBe(403);
    expect((await p.get<{ items: unknown[] }>('/incidents', as.operatorB)).body.items).toEqual([]);
    const followed = await p.post<Incident>(`/incidents/${id}/updates`, as.regulator, {
      note: '请于三日内提交处置报告',
    });
    const measures = await p.post<Incident>(`/incidents/${id}/updates`, as.operatorA, { note: '已完成处置' });
    expect(measures.body.updates.map((u) => u.role)).toEqual(['regulator', 'operator']);
    expect(followed.status).toBe(200);
    expect((await p.post(`/incidents/${id}/close`, as.operatorA, { conclusion: 'done' })).status).toBe(403);
    const closed = await p.post<Incident>(`/incidents/${id}/close`, as.regulator, {
      conclusion: '处置到位，结案',
    });
    expect(closed.body.status).toBe('closed');
    expect((await p.post(`/incidents/${id}/close`, as.authority, { conclusion: 'again' })).status).toBe(409);
    await p.rt.settle();
    expect(await titles(as.operatorA)).toContainEqual(expect.stringMatching(/Incident closed/));
    expect((await auditOf(p, `security-incident/${id}`)).map((a) => a.action)).toEqual([
      'incident.report',
      'incident.update',
      'incident.update',
      'incident.close',
    ]);
  });
});
