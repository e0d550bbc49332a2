import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, DAY_MS } from '../../functions/shared/clock.js';
import { approvedEntry, as, type Caller, type Platform, startPlatform } from '../support/platform.js';
import { announcementBody, applicationBody } from '../support/selection.js';
import { activeGrant, eventsAbout, scenario } from './grants-fixtures.js';

/**
 * Renewal end to end (Art. 10.5): the operator re-applies through the applications duty
 * (`POST /applications { renewalOf }`), the same selection workflow runs, our draftGrant step drafts
 * the successor, both parties sign; the new term starts exactly at the old end, the old grant records
 * its successor, and access continues across the expiry sweep without a gap.
 */
let p: Platform;
let entry: string;
let announcementId: string;
beforeAll(async () => {
  p = await startPlatform();
  entry = await approvedEntry(p, as.transport, { title: '公交线路数据' });
  // The announcement the original grant was selected under (a renewal re-uses it).
  const created = await p.post('/announcements', as.authority, announcementBody([entry], p.rt.clock.now()));
  announcementId = String(created.body.id);
  const published = await p.post(`/announcements/${announcementId}/publish`, as.authority, {});
  if (published.status !== 200)
    throw new Error(`publish: ${published.status} ${JSON.stringify(published.body)}`);
});
afterAll(() => p.stop());

type Body = Record<string, unknown>;

/** A renewal application (Art. 10.5): the grant names the announcement. */
const application = (operator: Caller, grantId: string): Body => ({
  renewalOf: grantId,
  ...applicationBody(operator),
});

const decidePending = async (who: Caller, subjectId: string, kind: string, body: Body) => {
  const tasks = await p.get<{ items: { id: string }[] }>(
    `/tasks?status=pending&subjectId=${subjectId}&kind=${kind}`,
    who,
  );
  const task = tasks.body.items?.[0];
  if (!task) throw new Error(`no pending ${kind} task: ${JSON.stringify(tasks.body)}`);
  const res = await p.post(`/tasks/${task.id}/decision`, who, body);
  if (res.status !== 200) throw new Error(`${kind}: ${res.status} ${JSON.stringify(res.body)}`);
  await p.rt.settle();
};

describe('renewal through the selection workflow (Art. 10.5)', () => {
  it('starts at the old end, links both grants and keeps access without a gap', async () => {
    // Prepare: an active grant with an approved data demand.
    const { id: old, body } = await activeGrant(p, {
      scope: [entry],
      operator: as.operatorB,
      announcementId,
    });
    const oldEnd = String(body.expiresAt);
    // Art. 16: access lasts as long as the scenario asks; filed half a year into the term for 24
    // months, it runs past the old end, so the renewal has something to continue.
    p.rt.clock.set(addDays(String(body.effectiveFrom), 183));
    const demand = await p.post('/demands', as.operatorB, {
      grantId: old,
      entries: [entry],
      scenario: scenario({ durationMonths: 24 }),
    });
    await p.rt.settle();
    await decidePending(as.authority, String(demand.body.id), 'demand-review', { decision: 'approve' });
    await decidePending(as.transport, String(demand.body.id), 'demand-review', { decision: 'approve' });
    p.rt.clock.set(addDays(oldEnd, -45));

    // Act: re-apply before the end, through the same workflow.
    const applied = await p.post('/applications', as.operatorB, application(as.operatorB, old));
    await p.rt.settle();
    const appId = String(applied.body.id);
    await decidePending(as.authority, appId, 'qualification-review', { decision: 'approve' });
    await decidePending(as.authority, appId, 'expert-panel', {
      experts: ['expert-1', 'expert-2', 'expert-3'],
    });
    for (const n of [1, 2, 3]) {
      const scores = { capability: 80, scenarios: 80, security: 80, compliance: 80 };
      await decidePending(as.expert(n), appId, 'expert-score', { scores, comment: `专家${n}` });
    }
    await decidePending(as.authority, appId, 'result-submission', { decision: 'approve' });
    await decidePending(as.government, appId, 'government-approval', { decision: 'approve' });
    const renewal = String((await p.get(`/applications/${appId}`, as.operatorB)).body.grantId);
    await p.post(`/grants/${renewal}/sign`, as.authority, {});
    const signed = await p.post(`/grants/${renewal}/sign`, as.operatorB, {});
    await p.rt.settle();
    const oldLinked = await p.get(`/grants/${old}`, as.operatorB);
    p.rt.clock.set(new Date(Date.parse(oldEnd) - 5000));
    const lastSeconds = await p.get(
      `/entitlements/check?operator=${as.operatorB.org}&entry=${entry}`,
      as.operatorB,
    );
    p.rt.clock.set(new Date(Date.parse(oldEnd) + 2 * 60_000));
    await p.rt.scheduler.fire('grant-expiry');
    await p.rt.settle();
    const afterExpiry = await p.get(
      `/entitlements/check?operator=${as.operatorB.org}&entry=${entry}`,
      as.operatorB,
    );
    const oldAfter = await p.get(`/grants/${old}`, as.operatorB);
    const renewedAfter = await p.get(`/grants/${renewal}`, as.operatorB);
    p.rt.clock.reset();

    // Assess
    expect(applied.status).toBe(201);
    expect(signed.body).toMatchObject({
      status: 'active',
      renewalOf: old,
      effectiveFrom: oldEnd,
      inEffect: false,
    });
    expect(oldLinked.body).toMatchObject({ status: 'active', renewedBy: renewal });
    expect(lastSeconds.body).toMatchObject({ entitled: true, entitlement: { grantId: old } });
    expect(oldAfter.body).toMatchObject({ status: 'expired', renewedBy: renewal });
    expect(renewedAfter.body).toMatchObject({ status: 'active', inEffect: true, effectiveFrom: oldEnd });
    expect(afterExpiry.body).toMatchObject({
      entitled: true,
      entitlement: { grantId: renewal, validFrom: oldEnd },
    });
    expect(eventsAbout(p, 'GrantExpired', 'grantId', old)[0]?.detail).toMatchObject({ renewedBy: renewal });
  });

  it('refuses a renewal applied for after the end of the term, for that reason (Art. 10.5)', async () => {
    // Prepare: a grant nobody renewed, so lateness is the only reason to refuse.
    const { id, body } = await activeGrant(p, { scope: [entry], operator: as.operatorC, announcementId });
    const end = Date.parse(String(body.expiresAt));

    // Act: just after the end (before the expiry sweep ran), and once it is marked expired.
    p.rt.clock.set(new Date(end + 1000));
    const justAfter = await p.post('/applications', as.operatorC, application(as.operatorC, id));
    p.rt.clock.set(new Date(end + DAY_MS));
    await p.rt.scheduler.fire('grant-expiry');
    await p.rt.settle();
    const afterSweep = await p.post('/applications', as.operatorC, application(as.operatorC, id));
    p.rt.clock.reset();

    // Assess
    for (const late of [justAfter, afterSweep]) {
      expect(late.status).toBe(409);
      expect(late.body.error).toMatchObject({ code: 'renewal_too_late' });
    }
    expect((await p.get(`/grants/${id}`, as.operatorC)).body).toMatchObject({
      status: 'expired',
      renewedBy: null,
    });
  });
});
