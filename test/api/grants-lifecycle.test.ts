import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { addTermYears } from '../../functions/grants/domain.js';
import { DAY_MS } from '../../functions/shared/clock.js';
import { approvedEntry, as, type Caller, type Platform, startPlatform } from '../support/platform.js';
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

  it('dates a renewal approved after the old end from the old end; nothing is in force before activation', async () => {
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
    const oldInGap = await grantView(old);
    const renewalInGap = await grantView(renewal);
    const signed = await p.post(`/grants/${renewal}/sign`, as.operatorB);
    await p.rt.settle();

    // Assess
    // Art. 10.5: the terms are contiguous: exactly from the old end, never from the late signature.
    expect(signed.body).toMatchObject({
      status: 'active',
      renewalOf: old,
      effectiveFrom: oldEnd,
      expiresAt: addTermYears(oldEnd, 2).toISOString(),
      inEffect: true,
    });
    // Art. 10.4: before the second signature nothing was in force (the gap is not authorized).
    expect(oldInGap).toMatchObject({ status: 'expired', inEffect: false });
    expect(renewalInGap).toMatchObject({ status: 'signing', inEffect: false, effectiveFrom: null });
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

describe('exit after expiry (Art. 4, 10.5)', () => {
  it('records both parties’ exit confirmations once the term has expired, with who and when', async () => {
    // Prepare
    const { id, body } = await activeGrant(p, { scope: entries, operator: as.operatorA });
    const expiresAt = String(body.expiresAt);
    const confirm = (who: Caller, item: string, note: string) =>
      p.post(`/grants/${id}/exit-confirmations`, who, { item, note });

    // Act
    const whileActive = [
      await confirm(as.operatorA, 'data-return-destruction', '尚在运营'),
      await confirm(as.authority, 'access-revocation', '尚在运营'),
    ];
    p.rt.clock.set(at(expiresAt, 2 * 60_000));
    await fire('grant-expiry');
    const expired = await grantView(id);
    const confirmedFrom = p.rt.clock.now().toISOString();
    const operatorSide = [
      await confirm(as.operatorA, 'data-return-destruction', '公共数据及衍生副本已销毁'),
      await confirm(as.operatorA, 'asset-disposal', '数据产品已下线移交'),
    ];
    const grantorSide = [
      await confirm(as.authority, 'access-revocation', '平台账号已注销'),
      await confirm(as.authority, 'disposal-acceptance', '处置验收通过'),
    ];
    const final = await grantView(id);

    // Assess
    expect(whileActive.map((r) => r.status)).toEqual([409, 409]);
    expect(expired).toMatchObject({ status: 'expired', exit: { completedAt: null } });
    expect([...operatorSide, ...grantorSide].map((r) => r.status)).toEqual([201, 201, 201, 201]);
    expect(operatorSide[1]?.body).toMatchObject({ exit: { completedAt: null } });
    const exit = final.exit as {
      completedAt: string | null;
      required: { code: string; party: string; confirmation: Record<string, unknown> | null }[];
    };
    const confirmation = (code: string) => exit.required.find((r) => r.code === code)?.confirmation;
    const by = (who: Caller, party: string, note: string) => ({
      party,
      confirmedBy: who.sub,
      org: who.org,
      note,
      at: expect.any(String),
    });
    expect(confirmation('data-return-destruction')).toMatchObject(
      by(as.operatorA, 'operator', '公共数据及衍生副本已销毁'),
    );
    expect(confirmation('asset-disposal')).toMatchObject(by(as.operatorA, 'operator', '数据产品已下线移交'));
    expect(confirmation('access-revocation')).toMatchObject(by(as.authority, 'grantor', '平台账号已注销'));
    expect(confirmation('disposal-acceptance')).toMatchObject(by(as.authority, 'grantor', '处置验收通过'));
    // When: after the expiry, in the order confirmed; the last one completes the exit.
    const times = exit.required.map((r) => String(r.confirmation?.at));
    for (const t of times) expect(t >= confirmedFrom && t > expiresAt).toBe(true);
    expect(exit.completedAt).toBe(confirmation('disposal-acceptance')?.at);
    expect(final).toMatchObject({ status: 'expired', inEffect: false });
    expect(eventsAbout(p, 'GrantExitConfirmed', 'grantId', id).map((e) => e.detail.item)).toEqual([
      'data-return-destruction',
      'asset-disposal',
      'access-revocation',
      'disposal-acceptance',
    ]);
  });
});
