/**
 * Issue 7, kind 4 (Art. 8 at every moment) and the Art. 16 duration: an entry that stops being
 * authorizable after approval — withdrawn, or restricted by a later approved version — ends its
 * entitlements, the grants whose scope holds it record that, and the parties are told, all through
 * events; an entitlement lasts as long as its scenario asked, capped by the grant.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvedEntry, as, type Caller, type Platform, startPlatform } from '../support/platform.js';
import { activeGrant, auditOf, eventsAbout, restrictEntry, scenario } from './grants-fixtures.js';

let p: Platform;
beforeAll(async () => {
  p = await startPlatform();
});
afterAll(() => p.stop());

const taskOf = async (reviewer: Caller, demandId: string): Promise<string> => {
  const res = await p.get(`/tasks?kind=demand-review&subjectId=${demandId}&status=pending`, reviewer);
  const task = (res.body.items as { id: string; subject: { id: string } }[]).find(
    (t) => t.subject.id === demandId,
  );
  if (!task) throw new Error(`no pending task: ${JSON.stringify(res.body)}`);
  return task.id;
};

/** Files a demand and has every reviewer approve it; returns the demand. */
const approvedDemand = async (grantId: string, entries: string[], durationMonths = 12) => {
  const filed = await p.post('/demands', as.operatorA, {
    grantId,
    entries,
    scenario: scenario({ durationMonths }),
  });
  if (filed.status !== 201) throw new Error(`demand: ${filed.status} ${JSON.stringify(filed.body)}`);
  const id = String(filed.body.id);
  await p.rt.settle();
  for (const r of filed.body.reviewers as { role: string; org: string }[]) {
    const reviewer =
      r.role === 'authority' ? as.authority : [as.transport, as.hrss].find((c) => c.org === r.org);
    if (!reviewer) throw new Error(`no reviewer ${r.org}`);
    const res = await p.post(`/tasks/${await taskOf(reviewer, id)}/decision`, reviewer, {
      decision: 'approve',
    });
    if (res.status !== 200) throw new Error(`decision: ${res.status} ${JSON.stringify(res.body)}`);
  }
  await p.rt.settle();
  return (await p.get(`/demands/${id}`, as.operatorA)).body;
};

const check = async (entry: string) =>
  (await p.get(`/entitlements/check?operator=${as.operatorA.org}&entry=${entry}`, as.operatorA)).body;

const inbox = async (c: Caller) =>
  ((await p.get('/notifications?limit=100', c)).body.items as { title: string; subject: { id: string } }[]) ??
  [];

describe('Art. 8 at every moment', () => {
  it('a withdrawn entry ends its entitlements, is recorded on the grant and notified; redelivery changes nothing', async () => {
    const entry = await approvedEntry(p, as.transport, { title: '公交刷卡数据' });
    const other = await approvedEntry(p, as.hrss, { title: '就业登记数据', domain: 'employment' });
    const { id: grantId } = await activeGrant(p, { scope: [entry, other] });
    await approvedDemand(grantId, [entry, other]);
    expect((await check(entry)).entitled).toBe(true);

    // Who may withdraw: the entry's provider or the authority, with a reason.
    const byOtherProvider = await p.post(`/catalog/${entry}/withdraw`, as.hrss, { reason: '不是我的' });
    const byOperator = await p.post(`/catalog/${entry}/withdraw`, as.operatorA, { reason: 'x' });
    const noReason = await p.post(`/catalog/${entry}/withdraw`, as.transport, {});
    expect(byOtherProvider.status).toBe(403);
    expect(byOperator.status).toBe(403);
    expect(noReason.status).toBe(400);

    const withdrawn = await p.post(`/catalog/${entry}/withdraw`, as.transport, { reason: '数据源停止更新' });
    expect(withdrawn.status).toBe(200);
    expect(withdrawn.body.withdrawn).toMatchObject({
      reason: '数据源停止更新',
      by: { userId: as.transport.sub, org: as.transport.org, role: 'provider' },
    });
    await p.rt.settle();

    // GET /entitlements/check answers not entitled; the entitlement says why.
    expect((await check(entry)).entitled).toBe(false);
    expect((await check(other)).entitled).toBe(true);
    const ents = (await p.get(`/entitlements?grantId=${grantId}&limit=100`, as.operatorA)).body.items as {
      entryId: string;
      status: string;
      endReason: string | null;
    }[];
    expect(ents.find((e) => e.entryId === entry)).toMatchObject({ status: 'ended' });
    expect(ents.find((e) => e.entryId === entry)?.endReason).toContain('数据源停止更新');
    expect(ents.find((e) => e.entryId === other)?.status).toBe('active');

    // The grant records it.
    const grant = await p.get(`/grants/${grantId}`, as.operatorA);
    expect(grant.body.scopeEnded).toEqual([
      expect.objectContaining({ entryId: entry, cause: 'entry-withdrawn', reason: '数据源停止更新' }),
    ]);

    // Both parties are told, through the EntitlementsEnded event.
    expect(eventsAbout(p, 'CatalogEntryWithdrawn', 'entryId', entry)).toHaveLength(1);
    expect(eventsAbout(p, 'EntitlementsEnded', 'entryId', entry)).toHaveLength(1);
    expect((await inbox(as.operatorA)).filter((n) => n.subject.id === entry)).toHaveLength(1);
    expect((await inbox(as.transport)).filter((n) => n.subject.id === entry)).toHaveLength(1);

    // It leaves the public listing and is gone for the public; a second withdrawal is 409.
    const listed = (await p.get('/catalog?limit=100')).body.items as { id: string }[];
    expect(listed.map((e) => e.id)).not.toContain(entry);
    expect((await p.get(`/catalog/${entry}`)).status).toBe(404);
    expect((await p.post(`/catalog/${entry}/withdraw`, as.authority, { reason: 'again' })).status).toBe(409);
    expect((await p.patch(`/catalog/${entry}`, as.transport, { title: '新标题' })).status).toBe(409);

    // At-least-once delivery: the same event again changes nothing and tells nobody twice.
    const [event] = p.rt.bus
      .events({ detailType: 'CatalogEntryWithdrawn' })
      .filter((e) => (e.detail as { entryId: string }).entryId === entry);
    const auditBefore = (await auditOf(p, `grant/${grantId}`)).length;
    await p.rt.invoke('entitlements', event);
    await p.rt.invoke('grants', event);
    await p.rt.settle();
    expect(eventsAbout(p, 'EntitlementsEnded', 'entryId', entry)).toHaveLength(1);
    expect((await auditOf(p, `grant/${grantId}`)).length).toBe(auditBefore);
  });

  it('an Art. 8 flag added by a later approved version ends the entitlements too', async () => {
    const entry = await approvedEntry(p, as.transport, { title: '出租车轨迹' });
    const { id: grantId } = await activeGrant(p, { scope: [entry] });
    await approvedDemand(grantId, [entry]);
    expect((await check(entry)).entitled).toBe(true);

    await restrictEntry(p, as.transport, entry);
    await p.rt.settle();

    expect((await check(entry)).entitled).toBe(false);
    const grant = await p.get(`/grants/${grantId}`, as.authority);
    expect(grant.body.scopeEnded).toEqual([
      expect.objectContaining({ entryId: entry, cause: 'entry-restricted' }),
    ]);
    expect(eventsAbout(p, 'EntitlementsEnded', 'entryId', entry)).toEqual([
      expect.objectContaining({ detail: expect.objectContaining({ cause: 'entry-restricted', grantId }) }),
    ]);
  });
});

describe('data demands last for the scenario’s duration (Art. 16)', () => {
  it('six months asked, six months granted; never past the grant', async () => {
    const entry = await approvedEntry(p, as.transport, { title: '公交线路' });
    const { id: grantId } = await activeGrant(p, { scope: [entry] });
    const grant = (await p.get(`/grants/${grantId}`, as.operatorA)).body as { expiresAt: string };
    await approvedDemand(grantId, [entry], 6);
    const [e] = (await p.get(`/entitlements?grantId=${grantId}`, as.operatorA)).body.items as {
      validFrom: string;
      validUntil: string;
    }[];
    const months = (Date.parse(e!.validUntil) - Date.parse(e!.validFrom)) / (30.44 * 86_400_000);
    expect(Math.round(months)).toBe(6);
    expect(e!.validUntil < grant.expiresAt).toBe(true);

    // Seven months on, the operator is no longer entitled although the grant runs.
    p.rt.clock.set(new Date(Date.parse(e!.validFrom) + 7 * 31 * 86_400_000).toISOString());
    expect((await check(entry)).entitled).toBe(false);
    p.rt.clock.reset();
    expect((await check(entry)).entitled).toBe(true);
  });
});

describe('grants say what they are (kind 7)', () => {
  it('公示 names the grantor for every mode, and the terms carry Chinese text', async () => {
    const entry = await approvedEntry(p, as.transport, { title: '公交站点' });
    // As the selection workflow drafts a comprehensive grant: the authority's name is not passed.
    const { grantId } = (await p.rt.invoke('grants', {
      step: 'draftGrant',
      applicationId: 'ap_test00000000000000001',
      announcementId: 'an_test0000000001',
      mode: 'comprehensive',
      scope: [entry],
      grantor: { org: as.authority.org, role: 'authority' },
      operator: { org: as.operatorB.org, name: '武当数智科技有限公司' },
    })) as { grantId: string };
    expect((await p.post(`/grants/${grantId}/sign`, as.authority)).status).toBe(200);
    expect((await p.post(`/grants/${grantId}/sign`, as.operatorB)).status).toBe(200);
    await p.rt.settle();

    const listed = (await p.get('/public/grants?limit=100')).body.items as {
      id: string;
      grantorName: string | null;
    }[];
    expect(listed.length).toBeGreaterThan(0);
    for (const g of listed) expect(g.grantorName, g.id).toEqual(expect.any(String));
    const grant = await p.get(`/grants/${grantId}`, as.operatorB);
    const terms = grant.body.terms as { zh: { term: string; operatorObligations: string[] } };
    expect(terms.zh.term).toMatch(/[\u4e00-\u9fff]/);
    expect(terms.zh.operatorObligations.length).toBeGreaterThan(0);
  });
});

describe('decisions show who decided (Art. 18)', () => {
  it('catalog versions and grant decisions name the user, organisation and role', async () => {
    const entry = await approvedEntry(p, as.hrss, { title: '社保缴费数据', domain: 'employment' });
    const insider = await p.get(`/catalog/${entry}`, as.hrss);
    const publicView = await p.get(`/catalog/${entry}`);
    const versions = insider.body.versions as { decidedBy: unknown }[];
    expect(versions.at(-1)?.decidedBy).toEqual({
      userId: as.authority.sub,
      org: as.authority.org,
      role: 'authority',
    });
    expect((publicView.body.versions as { decidedBy: unknown }[]).at(-1)?.decidedBy).toEqual({
      org: as.authority.org,
      role: 'authority',
    });
    expect((insider.body.published as { approvedBy: unknown }).approvedBy).toMatchObject({
      role: 'authority',
    });

    const { id: grantId } = await activeGrant(p, { scope: [entry], operator: as.operatorC });
    const suspended = await p.post(`/grants/${grantId}/suspend`, as.authority, { reason: '评估不合格' });
    expect(suspended.status).toBe(200);
    expect(suspended.body.suspension).toMatchObject({
      by: as.authority.sub,
      org: as.authority.org,
      role: 'authority',
    });
    expect(
      Object.values(suspended.body.signatures as Record<string, { role: string }>)
        .map((s) => s.role)
        .sort(),
    ).toEqual(['authority', 'operator']);
  });
});
