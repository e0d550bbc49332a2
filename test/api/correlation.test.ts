/**
 * One request's story in the logs: the HTTP request (filing a data demand), the outbox that hands on
 * its event and its workflow start, the bus consumers of that event and the workflow's steps all log
 * with the request's correlation id (Powertools key `correlation_id`).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { approvedEntry, as, type Platform, startPlatform } from '../support/platform.js';
import { activeGrant, scenario } from './grants-fixtures.js';

let p: Platform;
let lines: Record<string, unknown>[] = [];
let entry: string;

beforeAll(async () => {
  p = await startPlatform({ logLevel: 'INFO' });
  entry = await approvedEntry(p, as.transport, { title: '公交刷卡数据' });
});
afterAll(() => p.stop());

/** Captures the JSON log lines the functions write while `act` runs. */
const capture = async (act: () => Promise<void>) => {
  const write = process.stdout.write.bind(process.stdout);
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    for (const line of String(chunk).split('\n')) {
      if (!line.startsWith('{')) continue;
      try {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        write(`${line}\n`);
      }
    }
    return true;
  });
  try {
    await act();
  } finally {
    spy.mockRestore();
  }
};

describe('correlation ids', () => {
  it('follow one request through HTTP, the outbox, the bus and the workflow', async () => {
    // Prepare
    const { id: grantId } = await activeGrant(p, { scope: [entry], operator: as.operatorA });
    lines = [];

    // Act: file a demand with a correlation id (the outbox hands on its event and starts its review
    // workflow); the reviewers approve (their own requests); the workflow decides and publishes.
    let status = 0;
    await capture(async () => {
      const res = await p.post(
        '/demands',
        as.operatorA,
        { grantId, entries: [entry], scenario: scenario() },
        { 'x-correlation-id': 'corr-demand-0001' },
      );
      status = res.status;
      await p.rt.settle();
      for (const reviewer of [as.authority, as.transport]) {
        const tasks = await p.get(
          `/tasks?kind=demand-review&subjectId=${res.body.id}&status=pending`,
          reviewer,
        );
        for (const t of tasks.body.items as { id: string }[]) {
          await p.post(`/tasks/${t.id}/decision`, reviewer, { decision: 'approve' });
        }
      }
      await p.rt.settle();
    });

    // Assess
    expect(status).toBe(201);
    const mine = lines.filter((l) => l.correlation_id === 'corr-demand-0001');
    const invoked = (service: string, kind: RegExp) =>
      mine.some((l) => l.service === service && l.message === 'Invoked' && kind.test(String(l.kind)));
    expect(invoked('entitlements', /^POST \/demands$/)).toBe(true); // the HTTP request
    expect(invoked('tasks', /^step openTask$/)).toBe(true); // the workflow it started (outbox)
    expect(invoked('entitlements', /^step decideDemand$/)).toBe(true); // its last step
    expect(invoked('notifications', /^event DemandApproved$/)).toBe(true); // the bus consumer
    const approved = p.rt.bus.events({ detailType: 'DemandApproved' }).at(-1);
    expect(approved?.detail.correlationId).toBe('corr-demand-0001');
    // Every workflow step of this run logged under the request's id, none under another.
    const steps = lines.filter((l) => l.message === 'Invoked' && String(l.kind).startsWith('step '));
    expect(steps.length).toBeGreaterThan(2);
    expect(steps.filter((l) => l.correlation_id !== 'corr-demand-0001')).toEqual([]);
    // The reviewers' own requests have their own ids.
    expect(
      lines.some((l) => l.kind === 'POST /tasks/{id}/decision' && l.correlation_id !== 'corr-demand-0001'),
    ).toBe(true);
  });
});
