/**
 * Nothing silently dropped, locally as in AWS: a bus consumer that fails every attempt leaves its event
 * in the failed-delivery store (the local dead-letter queue), and a redrive delivers it, so the
 * entitlements follow the suspension after all. Same for a schedule run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DELIVERY_ATTEMPTS } from '../../infra/local/event-bus.js';
import type { FunctionName } from '../../infra/system.js';
import { approvedEntry, as, type Caller, type Platform, startPlatform } from '../support/platform.js';
import { activeGrant, scenario } from './grants-fixtures.js';

let p: Platform;
/** Events of these detail types fail in the entitlements function while the set holds them. */
const failing = new Set<string>();
let scheduleDown = false;
const faults = (fn: FunctionName, event: unknown) => {
  const e = event as { 'detail-type'?: string; schedule?: string };
  if (fn === 'entitlements' && e['detail-type'] && failing.has(e['detail-type'])) {
    throw new Error(`entitlements is down for ${e['detail-type']}`);
  }
  if (scheduleDown && e.schedule === 'grant-expiry') throw new Error('grants is down for its sweep');
};
let entry: string;

beforeAll(async () => {
  p = await startPlatform({ faults });
  entry = await approvedEntry(p, as.transport, { title: '公交刷卡数据' });
});
afterAll(() => p.stop());

const check = async (operator: Caller) =>
  (await p.get(`/entitlements/check?operator=${operator.org}&entry=${entry}`, operator)).body;

/** An approved demand: every reviewer approves its tasks. */
const approvedDemand = async (grantId: string) => {
  const filed = await p.post('/demands', as.operatorA, { grantId, entries: [entry], scenario: scenario() });
  if (filed.status !== 201) throw new Error(`demand: ${filed.status} ${JSON.stringify(filed.body)}`);
  await p.rt.settle();
  for (const reviewer of [as.authority, as.transport]) {
    const tasks = await p.get(
      `/tasks?kind=demand-review&subjectId=${filed.body.id}&status=pending`,
      reviewer,
    );
    for (const t of tasks.body.items as { id: string }[]) {
      const res = await p.post(`/tasks/${t.id}/decision`, reviewer, { decision: 'approve' });
      if (res.status !== 200) throw new Error(`decision: ${res.status} ${JSON.stringify(res.body)}`);
    }
  }
  await p.rt.settle();
};

describe('failed deliveries and their redrive', () => {
  it('keeps a suspension the entitlements consumer failed on, and the redrive makes the entitlement follow it', async () => {
    // Prepare: an operator entitled to an entry under an active grant.
    const { id: grantId } = await activeGrant(p, { scope: [entry], operator: as.operatorA });
    await approvedDemand(grantId);
    const before = await check(as.operatorA);

    // Act: suspend while the consumer fails every attempt, then redrive once it works again.
    failing.add('GrantSuspended');
    const suspended = await p.post(`/grants/${grantId}/suspend`, as.authority, { reason: '评估不合格' });
    await p.rt.settle();
    const whileDown = await check(as.operatorA);
    const kept = await p.get('/_local/failed-deliveries', as.admin);
    const refusedRedrive = await p.post('/_local/failed-deliveries/redrive', as.operatorA, {});
    const stillFailing = await p.post('/_local/failed-deliveries/redrive', as.admin, {});
    failing.delete('GrantSuspended');
    const redrive = await p.post('/_local/failed-deliveries/redrive', as.admin, {});
    const after = await check(as.operatorA);
    const left = await p.get('/_local/failed-deliveries', as.admin);

    // Assess
    expect(before).toMatchObject({ entitled: true });
    expect(suspended.status).toBe(200);
    expect(whileDown).toMatchObject({ entitled: true }); // the event did not arrive: the stale answer
    const items = kept.body.items as Record<string, unknown>[];
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      kind: 'rule',
      function: 'entitlements',
      attempts: DELIVERY_ATTEMPTS,
      payload: { 'detail-type': 'GrantSuspended', detail: { grantId } },
    });
    expect(refusedRedrive.status).toBe(403);
    expect(stillFailing.body).toMatchObject({ redriven: [], failed: [items[0]!.id] });
    expect(redrive.body).toEqual({ redriven: [items[0]!.id], failed: [] });
    expect(after).toMatchObject({ entitled: false });
    expect(left.body.items).toEqual([]);
  });

  it('keeps a schedule run that failed every attempt and runs it again on redrive', async () => {
    scheduleDown = true;
    const fired = await p.post('/_local/schedules/grant-expiry/run', as.admin, {});
    const kept = p.rt.bus.failedDeliveries().filter((d) => d.kind === 'schedule');
    scheduleDown = false;
    const redrive = await p.rt.bus.redrive(kept.map((d) => d.id));

    expect(fired.status).toBe(500);
    expect(kept).toHaveLength(1);
    expect(kept[0]).toMatchObject({
      name: 'grant-expiry',
      function: 'grants',
      payload: { schedule: 'grant-expiry' },
    });
    expect(redrive).toEqual({ redriven: [kept[0]!.id], failed: [] });
    expect(p.rt.bus.failedDeliveries()).toEqual([]);
  });
});
