import { Logger } from '@aws-lambda-powertools/logger';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { entitlementsSteps } from '../../functions/entitlements/workers.js';
import { DAY_MS } from '../../functions/shared/clock.js';
import type { Deps } from '../../functions/shared/deps.js';
import { DEMO_ORGS } from '../../infra/local/orgs.js';
import { approvedEntry, as, type Caller, type Platform, startPlatform } from '../support/platform.js';
import { activeGrant, auditOf, draftGrant, eventsAbout, restrictEntry, scenario } from './grants-fixtures.js';

/** Data demands, their parallel review and the entitlements that follow the grant (Art. 16, 14, 10.5). */
let p: Platform;
let transportEntry: string;
let hrssEntry: string;
let policeEntry: string;
let secretEntry: string;
beforeAll(async () => {
  p = await startPlatform();
  transportEntry = await approvedEntry(p, as.transport, { title: '公交刷卡数据' });
  hrssEntry = await approvedEntry(p, as.hrss, { title: '就业登记数据', domain: 'employment' });
  policeEntry = await approvedEntry(p, as.police, { title: '户籍数据', domain: 'other' });
  // Art. 8: catalogued and approved, but never authorizable.
  secretEntry = await approvedEntry(p, as.police, {
    title: '涉密数据',
    domain: 'other',
    restrictions: { stateSecret: true },
  });
});
afterAll(() => p.stop());
afterEach(() => p.rt.clock.reset());

const fileDemand = async (
  grantId: string,
  entries: string[],
  as_: Caller = as.operatorA,
  headers?: Record<string, string>,
  durationMonths = 12,
) => p.post('/demands', as_, { grantId, entries, scenario: scenario({ durationMonths }) }, headers);

/** The pending demand-review task of a reviewer for a demand. */
const taskOf = async (reviewer: Caller, demandId: string): Promise<string> => {
  const res = await p.get(`/tasks?kind=demand-review&subjectId=${demandId}&status=pending`, reviewer);
  const items = res.body.items as { id: string; subject: { id: string } }[];
  const task = items.find((t) => t.subject.id === demandId);
  if (!task) throw new Error(`no pending task for ${JSON.stringify(reviewer)}: ${JSON.stringify(res.body)}`);
  return task.id;
};

const decide = async (reviewer: Caller, demandId: string, body: Record<string, unknown>) => {
  const res = await p.post(`/tasks/${await taskOf(reviewer, demandId)}/decision`, reviewer, body);
  if (res.status !== 200) throw new Error(`decision: ${res.status} ${JSON.stringify(res.body)}`);
};

/** Files a demand and has every reviewer approve it; returns the demand id. */
const approvedDemand = async (
  grantId: string,
  entries: string[],
  operator: Caller = as.operatorA,
  /** The grant: file half a year into its term for 24 months, so access runs to (and past) its end. */
  midTermOf?: Record<string, unknown>,
) => {
  // Art. 16: access lasts as long as the scenario asks, capped by the grant.
  if (midTermOf) p.rt.clock.set(new Date(Date.parse(String(midTermOf.effectiveFrom)) + 183 * DAY_MS));
  const filed = await fileDemand(grantId, entries, operator, undefined, midTermOf ? 24 : 12);
  if (filed.status !== 201) throw new Error(`demand: ${filed.status} ${JSON.stringify(filed.body)}`);
  const id = String(filed.body.id);
  await p.rt.settle();
  const reviewers = (filed.body.reviewers as { role: string; org: string }[]).map((r) =>
    r.role === 'authority' ? as.authority : [as.transport, as.hrss, as.police].find((c) => c.org === r.org)!,
  );
  for (const r of reviewers) await decide(r, id, { decision: 'approve' });
  await p.rt.settle();
  return id;
};

const check = async (operator: Caller, entry: string, caller_: Caller = operator) =>
  (await p.get(`/entitlements/check?operator=${operator.org}&entry=${entry}`, caller_)).body;

const entitlementsOf = async (c: Caller, grantId: string) =>
  ((await p.get(`/entitlements?limit=100&grantId=${grantId}`, c)).body.items as Record<string, unknown>[]) ??
  [];

describe('filing a data demand (Art. 16)', () => {
  it('accepts entries inside the grant’s scope and refuses others with a 409 naming the entry', async () => {
    // Prepare: the secret entry never enters the scope (Art. 8); another is restricted after the grant.
    const laterRestricted = await approvedEntry(p, as.police, { title: '治安数据', domain: 'other' });
    const { id: grantId } = await activeGrant(p, {
      scope: [transportEntry, hrssEntry, secretEntry, laterRestricted],
    });
    await restrictEntry(p, as.police, laterRestricted);

    // Act
    const outside = await fileDemand(grantId, [transportEntry, policeEntry]);
    const neverInScope = await fileDemand(grantId, [secretEntry]);
    const secret = await fileDemand(grantId, [laterRestricted]);
    const notMine = await fileDemand(grantId, [transportEntry], as.operatorB);
    const invalid = await p.post('/demands', as.operatorA, {
      grantId,
      entries: [transportEntry],
      scenario: scenario({ expectedValue: {}, durationMonths: 0 }),
    });
    const byProvider = await p.post('/demands', as.transport, {
      grantId,
      entries: [transportEntry],
      scenario: scenario(),
    });
    const inside = await fileDemand(grantId, [transportEntry, hrssEntry], as.operatorA, {
      'idempotency-key': 'demand-1',
    });
    const replay = await fileDemand(grantId, [transportEntry, hrssEntry], as.operatorA, {
      'idempotency-key': 'demand-1',
    });
    await p.rt.settle();

    // Assess
    expect(outside.status).toBe(409);
    expect(outside.body.error).toMatchObject({
      code: 'entry_outside_scope',
      details: { entryId: policeEntry },
    });
    expect(String((outside.body.error as { message: string }).message)).toContain(policeEntry);
    expect(neverInScope.status).toBe(409);
    expect(neverInScope.body.error).toMatchObject({
      code: 'entry_outside_scope',
      details: { entryId: secretEntry },
    });
    expect(secret.status).toBe(409);
    expect(secret.body.error).toMatchObject({
      code: 'entry_not_authorizable',
      details: { entryId: laterRestricted },
    });
    expect(notMine.status).toBe(403);
    expect(invalid.status).toBe(400);
    const paths = ((invalid.body.error as { details: { path: string }[] }).details ?? []).map((d) => d.path);
    expect(paths).toEqual(
      expect.arrayContaining(['body.scenario.expectedValue', 'body.scenario.durationMonths']),
    );
    expect(byProvider.status).toBe(403);
    expect(inside.status).toBe(201);
    expect(inside.body).toMatchObject({
      status: 'under-review',
      grantId,
      entries: [
        { entryId: transportEntry, providerOrg: as.transport.org },
        { entryId: hrssEntry, providerOrg: as.hrss.org },
      ],
    });
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body.id).toBe(inside.body.id);
    const demandId = String(inside.body.id);
    expect(p.rt.workflows.executions().filter((e) => e.name === demandId)).toHaveLength(1);
    expect((await auditOf(p, `data-demand/${demandId}`)).map((a) => a.action)).toEqual(['demand.file']);
  });

  it('refuses demands under a grant that is not in force', async () => {
    const signing = await draftGrant(p, { scope: [transportEntry] });
    const { id: suspended } = await activeGrant(p, { scope: [transportEntry] });
    await p.post(`/grants/${suspended}/suspend`, as.authority, { reason: '整改' });

    const a = await fileDemand(signing, [transportEntry]);
    const b = await fileDemand(suspended, [transportEntry]);

    expect(a.status).toBe(409);
    expect(a.body.error).toMatchObject({ code: 'grant_not_in_force' });
    expect(b.status).toBe(409);
  });
});

describe('parallel review by the authority and each providing unit', () => {
  it('opens one task per reviewer at once and rejects with the reasons when one provider rejects', async () => {
    // Prepare
    const { id: grantId } = await activeGrant(p, { scope: [transportEntry, hrssEntry] });
    const filed = await fileDemand(grantId, [transportEntry, hrssEntry]);
    const demandId = String(filed.body.id);
    await p.rt.settle();

    // Act: all three tasks are open before anyone decides (parallel, not a chain).
    const tasks = await Promise.all([as.authority, as.transport, as.hrss].map((r) => taskOf(r, demandId)));
    const wrongReviewer = await p.post(`/tasks/${tasks[1]}/decision`, as.hrss, { decision: 'approve' });
    await decide(as.hrss, demandId, { decision: 'reject', reason: '场景不需要个人就业明细' });
    await decide(as.authority, demandId, { decision: 'approve' });
    await p.rt.settle();
    const midway = await p.get(`/demands/${demandId}`, as.operatorA);
    await decide(as.transport, demandId, { decision: 'approve' });
    await p.rt.settle();

    // Assess
    expect(new Set(tasks).size).toBe(3);
    expect(wrongReviewer.status).toBe(403);
    expect(midway.body).toMatchObject({ status: 'under-review' });
    const demand = await p.get(`/demands/${demandId}`, as.operatorA);
    expect(demand.body).toMatchObject({
      status: 'rejected',
      rejectionReasons: [{ reviewer: `provider:${as.hrss.org}`, reason: '场景不需要个人就业明细' }],
      entitlementIds: [],
    });
    expect((demand.body.reviews as unknown[]).length).toBe(3);
    expect(await entitlementsOf(as.operatorA, grantId)).toEqual([]);
    expect(eventsAbout(p, 'DemandRejected', 'demandId', demandId)).toHaveLength(1);
    const inbox = (await p.get('/notifications', as.operatorA)).body.items as { subject: { id: string } }[];
    expect(inbox.some((n) => n.subject.id === demandId)).toBe(true);
  });

  it('approves when all approve and creates entitlements valid until the grant’s end', async () => {
    const { id: grantId, body: grant } = await activeGrant(p, {
      scope: [transportEntry, hrssEntry],
      operator: as.operatorB,
    });

    const demandId = await approvedDemand(grantId, [transportEntry, hrssEntry], as.operatorB, grant);

    const demand = await p.get(`/demands/${demandId}`, as.operatorB);
    expect(demand.body).toMatchObject({ status: 'approved' });
    expect((demand.body.entitlementIds as string[]).length).toBe(2);
    const mine = await entitlementsOf(as.operatorB, grantId);
    expect(mine).toHaveLength(2);
    for (const e of mine) {
      expect(e).toMatchObject({
        status: 'active',
        effective: true,
        demandId,
        validUntil: grant.expiresAt,
        scenarioTitle: '城市公交出行分析',
      });
    }
    // Each carries its entry's domain (the authority's overview charts entitlements by domain).
    expect(Object.fromEntries(mine.map((e) => [e.entryId, e.domain]))).toEqual({
      [transportEntry]: 'transport',
      [hrssEntry]: 'employment',
    });
    expect(await check(as.operatorB, transportEntry)).toMatchObject({ entitled: true });
    expect((await auditOf(p, `data-demand/${demandId}`)).map((a) => a.action)).toEqual([
      'demand.file',
      'demand.approve',
    ]);
  });
});

describe('a grant changing while a demand is decided', () => {
  it('creates the entitlements in the state the grant is in at commit, not at read', async () => {
    // Prepare: a demand under review; its decision step runs with a database that lets the grant be
    // suspended (and the suspension delivered) between the step's read of the grant and its commit.
    const entry = await approvedEntry(p, as.transport, { title: '网约车订单数据' });
    const { id: grantId } = await activeGrant(p, { scope: [entry], operator: as.operatorB });
    const filed = await fileDemand(grantId, [entry], as.operatorB);
    const demandId = String(filed.body.id);
    await p.rt.settle();
    let interleaved = false;
    const db = new Proxy(p.rt.db, {
      get(target, prop, receiver) {
        if (prop !== 'send') return Reflect.get(target, prop, receiver);
        return async (command: Parameters<typeof target.send>[0]) => {
          if (!interleaved && command instanceof TransactWriteCommand) {
            interleaved = true;
            const suspended = await p.post(`/grants/${grantId}/suspend`, as.authority, {
              reason: '评估不合格',
            });
            if (suspended.status !== 200) throw new Error(`suspend: ${suspended.status}`);
            await p.rt.settle();
          }
          return target.send(command);
        };
      },
    });
    const deps: Deps = {
      db,
      tables: p.rt.tables,
      clock: p.rt.clock,
      logger: new Logger({ serviceName: 'entitlements', logLevel: 'SILENT' }),
      tokens: () => {
        throw new Error('no tokens here');
      },
      events: p.rt.bus.publisher,
      workflows: p.rt.workflows,
      authorityOrg: DEMO_ORGS.authority.code,
      personKeys: { lookupKey: () => Promise.reject(new Error('no person keys here')) },
    };
    const reviewers = filed.body.reviewers as { role: string; org: string }[];
    const reviews = reviewers.map((r, i) => ({
      taskId: `tk_race${i}`,
      decision: 'approve',
      decidedBy: { userId: `${r.role}-1`, role: r.role, org: r.org },
    }));

    // Act
    const decided = await entitlementsSteps.decideDemand(
      { step: 'decideDemand', demandId, reviews },
      { deps, requestId: 'race-1' },
    );
    const afterSuspension = await entitlementsOf(as.operatorB, grantId);
    const checkSuspended = await check(as.operatorB, entry);
    await p.post(`/grants/${grantId}/reinstate`, as.authority, { reason: '整改完成' });
    await p.rt.settle();

    // Assess
    expect(interleaved).toBe(true);
    expect(decided).toEqual({ demandId, status: 'approved' });
    expect(afterSuspension).toHaveLength(1);
    expect(afterSuspension[0]).toMatchObject({ status: 'inactive', effective: false });
    expect(checkSuspended).toMatchObject({ entitled: false });
    // It follows the grant from there: the reinstatement (a newer version) restores it.
    expect((await entitlementsOf(as.operatorB, grantId))[0]).toMatchObject({ status: 'active' });
    expect(await check(as.operatorB, entry)).toMatchObject({ entitled: true });
    expect((await auditOf(p, `data-demand/${demandId}`)).map((a) => a.action)).toEqual([
      'demand.file',
      'demand.approve',
    ]);
  });
});

describe('who sees demands and entitlements', () => {
  it('shows operators their own, providers those on their entries, the authority all', async () => {
    // Prepare
    const { id: grantId } = await activeGrant(p, {
      scope: [transportEntry, hrssEntry],
      operator: as.operatorC,
    });
    const demandId = await approvedDemand(grantId, [transportEntry], as.operatorC);

    // Act
    const demandIds = async (c: Caller) =>
      ((await p.get('/demands?limit=100', c)).body.items as { id: string }[]).map((d) => d.id);
    const entitlementEntries = async (c: Caller) => (await entitlementsOf(c, grantId)).map((e) => e.entryId);

    // Assess
    expect(await demandIds(as.operatorC)).toEqual([demandId]);
    expect(await demandIds(as.operatorA)).not.toContain(demandId);
    expect(await demandIds(as.transport)).toContain(demandId);
    expect(await demandIds(as.hrss)).not.toContain(demandId);
    expect(await demandIds(as.authority)).toContain(demandId);
    expect((await p.get(`/demands/${demandId}`, as.operatorA)).status).toBe(403);
    expect((await p.get(`/demands/${demandId}`, as.hrss)).status).toBe(403);
    expect((await p.get(`/demands/${demandId}`, as.regulator)).status).toBe(200);
    expect(await entitlementEntries(as.operatorC)).toEqual([transportEntry]);
    expect(await entitlementEntries(as.operatorA)).toEqual([]);
    expect(await entitlementEntries(as.transport)).toEqual([transportEntry]);
    expect(await entitlementEntries(as.hrss)).toEqual([]);
    expect(await entitlementEntries(as.authority)).toEqual([transportEntry]);
    expect(
      (await p.get(`/entitlements/check?operator=${as.operatorC.org}&entry=${transportEntry}`, as.operatorA))
        .status,
    ).toBe(403);
    expect(await check(as.operatorC, transportEntry, as.transport)).toMatchObject({ entitled: true });
    expect(await check(as.operatorC, transportEntry, as.hrss)).toMatchObject({
      entitled: false,
      entitlement: null,
    });
    expect(await check(as.operatorC, hrssEntry)).toMatchObject({ entitled: false });
  });
});

describe('entitlements follow their grant on the bus (Art. 14)', () => {
  it('become inactive on suspension, active on reinstatement and end on termination', async () => {
    // Prepare
    const { id: grantId } = await activeGrant(p, { scope: [transportEntry], operator: as.operatorA });
    await approvedDemand(grantId, [transportEntry]);
    const statusNow = async () => ({
      status: (await entitlementsOf(as.operatorA, grantId))[0]?.status,
      entitled: (await check(as.operatorA, transportEntry)).entitled,
    });
    const initially = await statusNow();

    // Act / Assess, step by step
    await p.post(`/grants/${grantId}/suspend`, as.authority, { reason: '评估不合格' });
    await p.rt.settle();
    const suspended = await statusNow();
    await p.post(`/grants/${grantId}/reinstate`, as.authority, { reason: '整改完成' });
    await p.rt.settle();
    const reinstated = await statusNow();
    await p.post(`/grants/${grantId}/terminate`, as.authority, { reason: '严重违约' });
    await p.rt.settle();
    const terminated = await statusNow();
    // A late, redelivered suspension changes nothing any more.
    const [lateSuspension] = eventsAbout(p, 'GrantSuspended', 'grantId', grantId);
    await p.rt.invoke('entitlements', { ...lateSuspension, deliveredTo: undefined });
    const afterLate = await statusNow();

    expect(initially).toEqual({ status: 'active', entitled: true });
    expect(suspended).toEqual({ status: 'inactive', entitled: false });
    expect(reinstated).toEqual({ status: 'active', entitled: true });
    expect(terminated).toEqual({ status: 'ended', entitled: false });
    expect(afterLate).toEqual({ status: 'ended', entitled: false });
  });
});

describe('expiry and renewal end and continue entitlements (Art. 10.5)', () => {
  it('ends entitlements when the grant expires', async () => {
    const { id: grantId, body } = await activeGrant(p, { scope: [hrssEntry], operator: as.operatorB });
    await approvedDemand(grantId, [hrssEntry], as.operatorB, body);

    p.rt.clock.set(new Date(Date.parse(String(body.expiresAt)) - 1000));
    const lastSecond = await check(as.operatorB, hrssEntry);
    p.rt.clock.set(new Date(Date.parse(String(body.expiresAt)) + 60_000));
    await p.rt.scheduler.fire('grant-expiry');
    await p.rt.settle();

    expect(lastSecond).toMatchObject({ entitled: true });
    expect(await check(as.operatorB, hrssEntry)).toMatchObject({ entitled: false });
    expect((await entitlementsOf(as.operatorB, grantId))[0]).toMatchObject({
      status: 'ended',
      endReason: 'grant expired',
    });
  });

  it('continues entitlements under the renewed grant from the old end, without a gap', async () => {
    // Prepare
    const transportEntry = await approvedEntry(p, as.transport, { title: '出租车运营数据' });
    const { id: old, body } = await activeGrant(p, {
      scope: [transportEntry, hrssEntry],
      operator: as.operatorC,
    });
    const oldEnd = String(body.expiresAt);
    await approvedDemand(old, [transportEntry], as.operatorC, body);
    p.rt.clock.set(new Date(Date.parse(oldEnd) - 30 * DAY_MS));
    const { id: renewal } = await activeGrant(p, {
      scope: [transportEntry],
      operator: as.operatorC,
      renewalOf: old,
    });

    // Act
    const continued = await entitlementsOf(as.operatorC, renewal);
    p.rt.clock.set(new Date(Date.parse(oldEnd) - 2000));
    const beforeEnd = await check(as.operatorC, transportEntry);
    p.rt.clock.set(new Date(Date.parse(oldEnd) + 1));
    const afterEndBeforeSweep = await check(as.operatorC, transportEntry);
    await p.rt.scheduler.fire('grant-expiry');
    await p.rt.settle();
    const afterSweep = await check(as.operatorC, transportEntry);

    // Assess
    expect(continued).toHaveLength(1);
    expect(continued[0]).toMatchObject({
      entryId: transportEntry,
      validFrom: oldEnd,
      status: 'active',
      effective: false,
    });
    expect(beforeEnd).toMatchObject({ entitled: true, entitlement: { grantId: old } });
    expect(afterEndBeforeSweep).toMatchObject({ entitled: true, entitlement: { grantId: renewal } });
    expect(afterSweep).toMatchObject({ entitled: true, entitlement: { grantId: renewal } });
    expect((await entitlementsOf(as.operatorC, old))[0]).toMatchObject({ status: 'ended' });
  });

  it('carries over only entries still authorizable, checked at drafting and at activation (Art. 8)', async () => {
    // Prepare: an old grant with approved entitlements to three entries.
    const kept = await approvedEntry(p, as.transport, { title: '公交站点数据' });
    const restrictedBeforeDraft = await approvedEntry(p, as.police, {
      title: '交通事故数据',
      domain: 'other',
    });
    const restrictedBeforeSigning = await approvedEntry(p, as.hrss, {
      title: '招聘岗位数据',
      domain: 'employment',
    });
    const all = [kept, restrictedBeforeDraft, restrictedBeforeSigning];
    const { id: old, body } = await activeGrant(p, { scope: all, operator: as.operatorA });
    await approvedDemand(old, all, as.operatorA, body);
    p.rt.clock.set(new Date(Date.parse(String(body.expiresAt)) - 30 * DAY_MS));

    // Act
    await restrictEntry(p, as.police, restrictedBeforeDraft);
    const renewal = await draftGrant(p, { scope: all, operator: as.operatorA, renewalOf: old });
    const drafted = (await p.get(`/grants/${renewal}`, as.operatorA)).body;
    await restrictEntry(p, as.hrss, restrictedBeforeSigning);
    await p.post(`/grants/${renewal}/sign`, as.authority);
    await p.post(`/grants/${renewal}/sign`, as.operatorA);
    await p.rt.settle();
    const continued = await entitlementsOf(as.operatorA, renewal);

    // Assess
    expect(drafted).toMatchObject({
      scope: [kept, restrictedBeforeSigning],
      excludedScope: [{ entryId: restrictedBeforeDraft, reason: 'restricted' }],
    });
    expect(continued.map((e) => e.entryId)).toEqual([kept]);
    // Art. 8 at every moment (issue 7): restricting an entry also ends the old grant's entitlement to it.
    const oldStatus = Object.fromEntries(
      (await entitlementsOf(as.operatorA, old)).map((e) => [e.entryId, e.status]),
    );
    expect(oldStatus).toEqual({
      [kept]: 'active',
      [restrictedBeforeDraft]: 'ended',
      [restrictedBeforeSigning]: 'ended',
    });
  });

  it('dates a renewal activated after the old end from the old end, but gives access only from its activation', async () => {
    // Prepare: the old grant ends (and its entitlements with it) before the renewal is signed.
    const entry = await approvedEntry(p, as.transport, { title: '公共自行车数据' });
    const { id: old, body } = await activeGrant(p, { scope: [entry], operator: as.operatorB });
    const oldEnd = String(body.expiresAt);
    await approvedDemand(old, [entry], as.operatorB, body);
    p.rt.clock.set(new Date(Date.parse(oldEnd) + 60_000));
    await p.rt.scheduler.fire('grant-expiry');
    await p.rt.settle();

    // Act
    p.rt.clock.set(new Date(Date.parse(oldEnd) + 2 * DAY_MS));
    const renewal = await draftGrant(p, { scope: [entry], operator: as.operatorB, renewalOf: old });
    const inGap = await check(as.operatorB, entry);
    const activatedAt = new Date(Date.parse(oldEnd) + 4 * DAY_MS);
    p.rt.clock.set(activatedAt);
    await p.post(`/grants/${renewal}/sign`, as.authority);
    const signedOnce = await check(as.operatorB, entry);
    const signed = await p.post(`/grants/${renewal}/sign`, as.operatorB);
    await p.rt.settle();
    const afterActivation = await check(as.operatorB, entry);
    const continued = await entitlementsOf(as.operatorB, renewal);

    // Assess
    // Art. 10.5: the term starts exactly at the old end (contiguous terms), not at the late signature.
    expect(signed.body).toMatchObject({ status: 'active', effectiveFrom: oldEnd, inEffect: true });
    // Nothing in the gap between the old end and the activation (Art. 10.4: not signed yet).
    expect(inGap).toMatchObject({ entitled: false, entitlement: null });
    expect(signedOnce).toMatchObject({ entitled: false });
    expect((await entitlementsOf(as.operatorB, old))[0]).toMatchObject({ status: 'ended' });
    // Access starts at the activation (the second signature), not back-dated to the old end.
    const activation = String((signed.body.signatures as { operator: { at: string } }).operator.at);
    expect(Date.parse(activation)).toBeGreaterThanOrEqual(activatedAt.getTime());
    expect(continued).toHaveLength(1);
    expect(continued[0]).toMatchObject({ status: 'active', validFrom: activation, effective: true });
    expect(afterActivation).toMatchObject({
      entitled: true,
      entitlement: { grantId: renewal, validFrom: activation },
    });
  });
});
