import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { addTermYears } from '../../functions/grants/domain.js';
import { DAY_MS } from '../../functions/shared/clock.js';
import { approvedEntry, as, type Platform, startPlatform } from '../support/platform.js';
import { activeGrant, draftGrant, eventsAbout } from './grants-fixtures.js';

/** Time-driven parts of a grant's life (Art. 10.5): reminders, expiry, renewal. Time moves with the clock. */
let p: Platform;
let entries: string[];
beforeAll(async () => {
  p = await startPlatform();
  entries = [await approvedEntry(p, as.transport), await approvedEntry(p, as.health, { domain: 'health' })];
});
afterAll(() => p.stop());
afterEach(() => p.rt.clock.reset());

const at = (iso: string, offsetMs: number) => new Date(Date.parse(iso) + offsetMs);
const fire = async (schedule: string) => {
  const result = await p.rt.scheduler.fire(schedule);
  await p.rt.settle();
  return result as Record<string, number>;
};
const grantView = async (id: string) => (await p.get(`/grants/${id}`, as.authority)).body;

describe('reminders 90, 30 and 7 days before expiry (Art. 10.5)', () => {
  it('sends each reminder once to the operator and the grantor, however often the schedule runs', async () => {
    // Prepare
    const { id, body } = await activeGrant(p, { scope: entries, operator: as.operatorB });
    const expiresAt = String(body.expiresAt);

    // Act: at each threshold (and once between two), fire the daily schedule twice.
    for (const days of [90, 60, 30, 7]) {
      p.rt.clock.set(at(expiresAt, -days * DAY_MS + 3_600_000));
      await fire('grant-reminders');
      await fire('grant-reminders');
    }

    // Assess
    const reminders = eventsAbout(p, 'GrantExpiryReminder', 'grantId', id);
    expect(reminders.map((e) => e.detail.daysBefore)).toEqual([90, 30, 7]);
    for (const party of [as.operatorB, as.authority]) {
      const inbox = (await p.get('/notifications?limit=100', party)).body.items as {
        subject: { id: string };
        title: string;
      }[];
      const mine = inbox.filter((n) => n.subject.id === id && n.title.includes('到期'));
      expect(mine).toHaveLength(3);
    }
    expect((await p.get('/notifications?limit=100', as.operatorA)).body.items).not.toContainEqual(
      expect.objectContaining({ subject: { type: 'grant', id } }),
    );
  });
});

describe('expiry at the end of the term', () => {
  it('expires the grant within minutes of expiresAt, once, reading only what is due', async () => {
    // Prepare
    const { id, body } = await activeGrant(p, { scope: entries });
    const expiresAt = String(body.expiresAt);

    // Act
    p.rt.clock.set(at(expiresAt, -60_000));
    const before = await fire('grant-expiry');
    const stillActive = await grantView(id);
    p.rt.clock.set(at(expiresAt, 2 * 60_000));
    const sweep = await fire('grant-expiry');
    const again = await fire('grant-expiry');
    const expired = await grantView(id);
    const publicList = await p.get('/public/grants?limit=100');

    // Assess
    expect(before.expired).toBe(0);
    expect(stillActive).toMatchObject({ status: 'active' });
    expect(sweep.expired).toBeGreaterThanOrEqual(1);
    // Only grants of this file exist; the sweep reads the due ones, never every grant.
    expect(sweep.itemsRead).toBe(sweep.expired);
    expect(again.expired).toBe(0);
    expect(again.itemsRead).toBe(0);
    expect(expired).toMatchObject({ status: 'expired', inEffect: false, expiredAt: expect.any(String) });
    expect(eventsAbout(p, 'GrantExpired', 'grantId', id)).toHaveLength(1);
    expect((publicList.body.items as { id: string }[]).map((g) => g.id)).not.toContain(id);
    const reinstate = await p.post(`/grants/${id}/reinstate`, as.authority, {});
    expect(reinstate.status).toBe(409);
  });
});

describe('renewal (Art. 10.5)', () => {
  it('starts the renewed grant exactly at the old end: no gap, no overlap', async () => {
    // Prepare
    const { id: old, body } = await activeGrant(p, { scope: entries, operator: as.operatorC });
    const oldEnd = String(body.expiresAt);
    p.rt.clock.set(at(oldEnd, -60 * DAY_MS));

    // Act
    const renewal = await draftGrant(p, { scope: entries, operator: as.operatorC, renewalOf: old });
    const drafted = await grantView(renewal);
    await p.post(`/grants/${renewal}/sign`, as.authority);
    const signed = await p.post(`/grants/${renewal}/sign`, as.operatorC);
    await p.rt.settle();
    const oldAfter = await grantView(old);
    const secondRenewal = await p.rt
      .invoke('grants', {
        step: 'draftGrant',
        applicationId: 'ap_test0000second01',
        announcementId: 'an_test0000000001',
        mode: 'comprehensive',
        scope: entries,
        grantor: { org: as.authority.org, role: 'authority' },
        operator: { org: as.operatorC.org, name: 'C' },
        renewalOf: old,
      })
      .catch((e: Error) => e);
    p.rt.clock.set(at(oldEnd, -30 * DAY_MS + 3_600_000));
    await fire('grant-reminders');
    p.rt.clock.set(at(oldEnd, 60_000));
    await fire('grant-expiry');

    // Assess
    // The term is fixed at activation; the draft records the end it continues from.
    expect(drafted).toMatchObject({
      status: 'signing',
      renewalOf: old,
      previousExpiresAt: oldEnd,
      effectiveFrom: null,
    });
    expect(signed.body).toMatchObject({
      status: 'active',
      inEffect: false,
      effectiveFrom: oldEnd,
      expiresAt: addTermYears(oldEnd, 2).toISOString(),
    });
    expect(oldAfter).toMatchObject({ status: 'active', renewedBy: renewal, inEffect: true });
    expect(secondRenewal).toBeInstanceOf(Error);
    expect((secondRenewal as Error).message).toMatch(/already renewed/);
    // A renewed grant needs no reminder to re-apply.
    expect(
      eventsAbout(p, 'GrantExpiryReminder', 'grantId', old).filter((e) => e.detail.daysBefore === 30),
    ).toHaveLength(0);
    expect(await grantView(old)).toMatchObject({ status: 'expired' });
    expect(await grantView(renewal)).toMatchObject({ status: 'active', inEffect: true });
  });

  it('drafts a renewal approved after the old end; its term starts at its activation (no gap covered)', async () => {
    // Prepare: applied for in time (the applications duty checks that); the review ends late.
    const { id: old, body } = await activeGrant(p, { scope: entries, operator: as.operatorB });
    const oldEnd = String(body.expiresAt);
    p.rt.clock.set(at(oldEnd, 60_000));
    await fire('grant-expiry');

    // Act
    p.rt.clock.set(at(oldEnd, 3 * DAY_MS));
    const renewal = await draftGrant(p, { scope: entries, operator: as.operatorB, renewalOf: old });
    p.rt.clock.set(at(oldEnd, 5 * DAY_MS));
    await p.post(`/grants/${renewal}/sign`, as.authority);
    const signed = await p.post(`/grants/${renewal}/sign`, as.operatorB);
    await p.rt.settle();

    // Assess
    const start = String(signed.body.effectiveFrom);
    expect(signed.body).toMatchObject({ status: 'active', renewalOf: old, inEffect: true });
    // Art. 10.4-10.5: from the activation, never back-dated to the old end.
    expect(Date.parse(start)).toBeGreaterThanOrEqual(at(oldEnd, 5 * DAY_MS).getTime());
    expect(Date.parse(start)).toBeLessThan(at(oldEnd, 5 * DAY_MS + 60_000).getTime());
    expect(signed.body.expiresAt).toBe(addTermYears(start, 2).toISOString());
    expect(await grantView(old)).toMatchObject({ status: 'expired', renewedBy: renewal });
  });

  it('refuses to renew a terminated grant, or one already renewed', async () => {
    const { id } = await activeGrant(p, { scope: entries });
    await p.post(`/grants/${id}/terminate`, as.authority, { reason: '严重违约' });

    const late = p.rt.invoke('grants', {
      step: 'draftGrant',
      applicationId: 'ap_test0000terminated',
      announcementId: 'an_test0000000001',
      mode: 'comprehensive',
      scope: entries,
      grantor: { org: as.authority.org, role: 'authority' },
      operator: { org: as.operatorA.org, name: 'A' },
      renewalOf: id,
    });

    await expect(late).rejects.toThrow(/terminated grant cannot be renewed/);
  });
});
