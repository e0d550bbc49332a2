import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvedEntry, as, type Caller, type Platform, startPlatform } from '../support/platform.js';
import { auditOf } from './grants-fixtures.js';

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
  occurredAt: '2027-01-01T08:00:00+08:00',
  affectedEntries: [entry],
  description: '测试环境导出文件外泄',
  measures: '已吊销相关账号，通知受影响单位',
  ...over,
});
const titles = async (c: Caller) =>
  (await p.get<{ items: { title: string }[] }>('/notifications', c)).body.items.map((n) => n.title);

describe('security incidents (Art. 12.4, 18)', () => {
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
