import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ZodObject } from 'zod';
import { addTermYears, SIGNATURE_DUE_DAYS } from '../../functions/grants/domain.js';
import { grantsRoutes } from '../../functions/grants/routes.js';
import { DAY_MS } from '../../functions/shared/clock.js';
import { routes } from '../../infra/system.js';
import { approvedEntry, as, type Platform, startPlatform } from '../support/platform.js';
import { activeGrant, auditOf, draftGrant, eventsAbout, restrictEntry } from './grants-fixtures.js';

let p: Platform;
let entries: string[];
beforeAll(async () => {
  p = await startPlatform();
  entries = [
    await approvedEntry(p, as.transport, { title: '公交刷卡数据' }),
    await approvedEntry(p, as.hrss, { title: '就业登记数据', domain: 'employment' }),
  ];
});
afterAll(() => p.stop());
afterEach(() => p.rt.clock.reset());

describe('grant drafting and signatures (Art. 4, 10.4-10.5)', () => {
  it('drafts the agreement once per application, with the Art. 4 terms', async () => {
    // Prepare
    const applicationId = 'ap_test00000000draft1';

    // Act
    const id = await draftGrant(p, { scope: entries, applicationId });
    const again = await draftGrant(p, { scope: entries, applicationId });
    const view = await p.get(`/grants/${id}`, as.authority);

    // Assess
    expect(again).toBe(id);
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({
      status: 'signing',
      operatorOrg: as.operatorA.org,
      grantorOrg: as.authority.org,
      grantorRole: 'authority',
      mode: 'comprehensive',
      scope: entries,
      applicationId,
      effectiveFrom: null,
      expiresAt: null,
      signatures: {},
      excludedScope: [],
      signatureOverdue: false,
    });
    // Art. 10.4: signing has a deadline from the draft.
    const drafted = Date.parse(String(view.body.createdAt));
    expect(Date.parse(String(view.body.signBy)) - drafted).toBe(SIGNATURE_DUE_DAYS * DAY_MS);
    const terms = view.body.terms as Record<string, unknown>;
    for (const part of [
      'scope',
      'term',
      'revenue',
      'operatorRights',
      'operatorObligations',
      'security',
      'exit',
      'assetDisposal',
    ]) {
      expect(terms).toHaveProperty(part);
    }
    expect((await auditOf(p, `grant/${id}`)).map((a) => a.action)).toEqual(['grant.draft']);
  });

  it('activates on the second signature for exactly two years and publishes GrantActivated', async () => {
    // Prepare
    const id = await draftGrant(p, { scope: entries });

    // Act
    const first = await p.post(`/grants/${id}/sign`, as.operatorA);
    const twice = await p.post(`/grants/${id}/sign`, as.operatorA);
    const stranger = await p.post(`/grants/${id}/sign`, as.operatorB);
    const provider = await p.post(`/grants/${id}/sign`, as.transport);
    const second = await p.post(`/grants/${id}/sign`, as.authority);
    const third = await p.post(`/grants/${id}/sign`, as.authority);
    await p.rt.settle();

    // Assess
    expect(first.body).toMatchObject({ status: 'signing', effectiveFrom: null });
    expect(twice.status).toBe(409);
    expect(twice.body.error).toMatchObject({ code: 'already_signed' });
    expect(stranger.status).toBe(403);
    expect(provider.status).toBe(403);
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ status: 'active', inEffect: true });
    const { effectiveFrom, expiresAt } = second.body as { effectiveFrom: string; expiresAt: string };
    expect(expiresAt).toBe(addTermYears(effectiveFrom, 2).toISOString());
    expect(third.status).toBe(409);
    const activated = eventsAbout(p, 'GrantActivated', 'grantId', id);
    expect(activated).toHaveLength(1);
    expect(activated[0]?.detail).toMatchObject({
      operatorOrg: as.operatorA.org,
      effectiveFrom,
      expiresAt,
      scope: entries,
    });
    expect((await auditOf(p, `grant/${id}`)).map((a) => a.action)).toEqual([
      'grant.draft',
      'grant.sign',
      'grant.sign',
    ]);
  });

  it('drafts only entries still authorizable, recording the others (Art. 8)', async () => {
    // Prepare
    const restricted = await approvedEntry(p, as.hrss, { title: '社保缴费数据', domain: 'social-security' });
    await restrictEntry(p, as.hrss, restricted);

    // Act
    const id = await draftGrant(p, { scope: [entries[0]!, restricted] });
    const none = await p.rt
      .invoke('grants', {
        step: 'draftGrant',
        applicationId: 'ap_test000000nothing',
        announcementId: 'an_test0000000001',
        mode: 'comprehensive',
        scope: [restricted],
        grantor: { org: as.authority.org, role: 'authority' },
        operator: { org: as.operatorA.org, name: 'A' },
      })
      .catch((e: Error) => e);

    // Assess
    const view = await p.get(`/grants/${id}`, as.authority);
    expect(view.body).toMatchObject({
      scope: [entries[0]],
      excludedScope: [{ entryId: restricted, reason: 'restricted' }],
      terms: { scope: { entries: [entries[0]] } },
    });
    expect(none).toBeInstanceOf(Error);
    expect((none as Error).message).toMatch(/No entry of the scope can be authorized/);
  });

  it('flags an agreement not signed by its deadline and escalates it once (Art. 10.4)', async () => {
    // Prepare: a domain grant the operator signed and the granting provider did not.
    const id = await draftGrant(p, {
      scope: [entries[0]!],
      grantor: as.transport,
      operator: as.operatorB,
      signatureDueInDays: 5,
    });
    await p.post(`/grants/${id}/sign`, as.operatorB);
    const signBy = String((await p.get(`/grants/${id}`, as.authority)).body.signBy);
    const fire = async () => {
      const out = (await p.rt.scheduler.fire('grant-signature-overdue')) as Record<string, number>;
      await p.rt.settle();
      return out;
    };

    // Act
    p.rt.clock.set(new Date(Date.parse(signBy) - 60_000));
    const early = await fire();
    const beforeDeadline = await p.get(`/grants/${id}`, as.transport);
    p.rt.clock.set(new Date(Date.parse(signBy) + 60_000));
    const sweep = await fire();
    const again = await fire();
    const flagged = await p.get(`/grants/${id}`, as.transport);
    const inbox = async (c: Parameters<Platform['get']>[1]) =>
      (
        (await p.get('/notifications?limit=100', c)).body.items as {
          eventType: string;
          subject: { id: string };
          actionRequired: boolean;
        }[]
      ).filter((n) => n.eventType === 'GrantSignatureOverdue' && n.subject.id === id);
    const signedLate = await p.post(`/grants/${id}/sign`, as.transport);
    await p.rt.settle();

    // Assess
    expect(early.flagged).toBe(0);
    expect(beforeDeadline.body).toMatchObject({ signatureOverdue: false, signatureOverdueAt: null });
    expect(sweep.flagged).toBeGreaterThanOrEqual(1);
    // The sweep reads the sparse deadline index: only overdue, unflagged grants.
    expect(sweep.itemsRead).toBe(sweep.flagged);
    expect(again).toMatchObject({ flagged: 0, itemsRead: 0 });
    expect(flagged.body).toMatchObject({ status: 'signing', signatureOverdue: true });
    const events = eventsAbout(p, 'GrantSignatureOverdue', 'grantId', id);
    expect(events).toHaveLength(1);
    expect(events[0]?.detail).toMatchObject({ signBy, missing: ['grantor'], authorityOrg: as.authority.org });
    expect(await inbox(as.transport)).toEqual([expect.objectContaining({ actionRequired: true })]);
    expect(await inbox(as.authority)).toHaveLength(1);
    expect(await inbox(as.operatorB)).toEqual([]);
    expect((await auditOf(p, `grant/${id}`)).map((a) => a.action)).toContain('grant.signature-overdue');
    // Flagging decides nothing: the grantor can still sign.
    expect(signedLate.body).toMatchObject({ status: 'active' });
  });

  it('lets the granting provider sign a domain grant, not another provider', async () => {
    const id = await draftGrant(p, { scope: [entries[0]!], grantor: as.transport, operator: as.operatorB });

    const wrongProvider = await p.post(`/grants/${id}/sign`, as.hrss);
    const authority = await p.post(`/grants/${id}/sign`, as.authority);
    const grantor = await p.post(`/grants/${id}/sign`, as.transport);

    expect(wrongProvider.status).toBe(403);
    expect(authority.status).toBe(403);
    expect(grantor.status).toBe(200);
    expect(grantor.body).toMatchObject({
      mode: 'domain',
      domain: 'transport',
      grantorRole: 'provider',
      status: 'signing',
    });
  });

  it('answers the signature step at once for a grant that is already signed (replay)', async () => {
    const signing = await draftGrant(p, { scope: entries });
    const { id: active } = await activeGrant(p, { scope: entries });

    const waits = await p.rt.invoke('grants', {
      step: 'awaitSignatures',
      grantId: signing,
      taskToken: 'local-token-unknown',
    });
    const answered = await p.rt.invoke('grants', {
      step: 'awaitSignatures',
      grantId: active,
      taskToken: 'local-token-unknown',
    });

    expect(waits).toEqual({ waiting: true });
    expect(answered).toEqual({ waiting: false });
    expect((await p.get(`/grants/${signing}`, as.authority)).body).toMatchObject({
      status: 'signing',
      version: 2,
    });
  });
});

describe('who sees grants', () => {
  it('shows a grant to its parties, the authority and regulators only', async () => {
    const { id } = await activeGrant(p, {
      scope: [entries[0]!],
      grantor: as.transport,
      operator: as.operatorB,
    });

    const reads = await Promise.all(
      [as.operatorB, as.transport, as.authority, as.regulator, as.operatorA, as.hrss].map((c) =>
        p.get(`/grants/${id}`, c),
      ),
    );
    const anonymous = await p.get(`/grants/${id}`);

    expect(reads.map((r) => r.status)).toEqual([200, 200, 200, 200, 403, 403]);
    expect(anonymous.status).toBe(401);
  });

  it('lists own grants for operators, granted ones for providers, all for the authority', async () => {
    const { id: mine } = await activeGrant(p, {
      scope: [entries[0]!],
      grantor: as.transport,
      operator: as.operatorC,
    });
    const { id: other } = await activeGrant(p, { scope: entries, operator: as.operatorA });

    const ids = async (c: Parameters<Platform['get']>[1], q = '') =>
      ((await p.get(`/grants?limit=100${q}`, c)).body.items as { id: string }[]).map((g) => g.id);

    expect(await ids(as.operatorC)).toEqual([mine]);
    expect(await ids(as.transport)).toContain(mine);
    expect(await ids(as.transport)).not.toContain(other);
    expect(await ids(as.hrss)).not.toContain(mine);
    expect(await ids(as.authority)).toEqual(expect.arrayContaining([mine, other]));
    expect(await ids(as.regulator, '&status=active')).toEqual(expect.arrayContaining([mine, other]));
    expect(await ids(as.authority, '&status=terminated')).not.toContain(mine);
    expect((await p.get('/grants?status=bogus', as.authority)).status).toBe(400);
  });

  it('fills a provider’s page filtered by operator (the filter runs in the query, not after it)', async () => {
    // Prepare: two grants of health to operator A, then three newer ones to operator B.
    const base = Date.now() + 3_600_000;
    const drafted: string[] = [];
    for (const [i, operator] of [
      as.operatorA,
      as.operatorA,
      as.operatorB,
      as.operatorB,
      as.operatorB,
    ].entries()) {
      p.rt.clock.set(new Date(base + i * 1000));
      drafted.push(await draftGrant(p, { scope: [entries[0]!], grantor: as.health, operator }));
    }
    p.rt.clock.reset();
    const ofA = drafted.slice(0, 2).reverse();

    // Act
    const page = await p.get(`/grants?operator=${as.operatorA.org}&limit=2`, as.health);
    const first = await p.get(`/grants?operator=${as.operatorA.org}&limit=1`, as.health);
    const second = await p.get(
      `/grants?operator=${as.operatorA.org}&limit=1&cursor=${first.body.nextCursor}`,
      as.health,
    );

    // Assess
    expect((page.body.items as { id: string }[]).map((g) => g.id)).toEqual(ofA);
    expect(page.body.nextCursor).toBeNull();
    expect((first.body.items as { id: string }[]).map((g) => g.id)).toEqual([ofA[0]]);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    expect((second.body.items as { id: string }[]).map((g) => g.id)).toEqual([ofA[1]]);
  });

  it('discloses active grants publicly without a token (公示), not drafts', async () => {
    const draft = await draftGrant(p, { scope: entries });
    const { id } = await activeGrant(p, { scope: entries, operator: as.operatorB });

    const res = await p.get('/public/grants?limit=100');

    expect(res.status).toBe(200);
    const items = res.body.items as Record<string, unknown>[];
    expect(items.map((g) => g.id)).toContain(id);
    expect(items.map((g) => g.id)).not.toContain(draft);
    const shown = items.find((g) => g.id === id)!;
    expect(Object.keys(shown).sort()).toEqual(
      [
        'domain',
        'effectiveFrom',
        'expiresAt',
        'grantorName',
        'grantorOrg',
        'id',
        'mode',
        'operatorName',
        'operatorOrg',
        'scope',
      ].sort(),
    );
  });
});

describe('suspension, reinstatement, termination (Art. 14)', () => {
  it('suspends with a reason, reinstates and terminates, each with its event', async () => {
    const { id } = await activeGrant(p, { scope: entries });

    const noReason = await p.post(`/grants/${id}/suspend`, as.authority, {});
    const byOperator = await p.post(`/grants/${id}/suspend`, as.operatorA, { reason: 'x' });
    const byOtherProvider = await p.post(`/grants/${id}/suspend`, as.transport, { reason: 'x' });
    const suspended = await p.post(`/grants/${id}/suspend`, as.authority, { reason: '评估不合格，责令整改' });
    const again = await p.post(`/grants/${id}/suspend`, as.authority, { reason: 'again' });
    const reinstated = await p.post(`/grants/${id}/reinstate`, as.authority, { reason: '整改完成' });
    const stale = await p.post(`/grants/${id}/terminate`, as.authority, { reason: 'x', version: 1 });
    const terminated = await p.post(`/grants/${id}/terminate`, as.authority, { reason: '未按要求整改' });
    const reinstateTerminated = await p.post(`/grants/${id}/reinstate`, as.authority, {});
    await p.rt.settle();

    expect(noReason.status).toBe(400);
    expect(noReason.body.error).toMatchObject({
      code: 'validation_failed',
      details: [{ path: 'body.reason' }],
    });
    expect(byOperator.status).toBe(403);
    expect(byOtherProvider.status).toBe(403);
    expect(suspended.body).toMatchObject({
      status: 'suspended',
      inEffect: false,
      suspension: { reason: '评估不合格，责令整改' },
    });
    expect(again.status).toBe(409);
    expect(reinstated.body).toMatchObject({ status: 'active', inEffect: true });
    expect(stale.status).toBe(409);
    expect(stale.body.error).toMatchObject({ code: 'stale_version' });
    expect(terminated.body).toMatchObject({ status: 'terminated', termination: { reason: '未按要求整改' } });
    expect(reinstateTerminated.status).toBe(409);
    for (const type of ['GrantSuspended', 'GrantReinstated', 'GrantTerminated']) {
      expect(eventsAbout(p, type, 'grantId', id)).toHaveLength(1);
    }
    expect((await auditOf(p, `grant/${id}`)).map((a) => a.action).slice(-3)).toEqual([
      'grant.suspend',
      'grant.reinstate',
      'grant.terminate',
    ]);
  });

  it('offers no way to change a term: no route takes one, and no action moves it', async () => {
    // Declared routes under /grants: reads and the lifecycle actions only, none of which accepts a term.
    const TERM_FIELDS = ['effectiveFrom', 'expiresAt', 'term', 'years', 'validUntil'];
    const grantRoutes = routes.filter((r) => r.path.startsWith('/grants'));
    expect(grantRoutes.filter((r) => r.method !== 'GET' && r.method !== 'POST')).toEqual([]);
    expect(
      grantRoutes
        .filter((r) => r.method === 'POST')
        .map((r) => r.operationId)
        .sort(),
    ).toEqual(['confirmGrantExit', 'reinstateGrant', 'signGrant', 'suspendGrant', 'terminateGrant']);
    for (const r of grantRoutes) {
      const body = grantsRoutes[r.operationId]?.body as ZodObject | undefined;
      if (!body) continue;
      expect(Object.keys(body.shape).filter((k) => TERM_FIELDS.includes(k))).toEqual([]);
    }

    // Every lifecycle action with a term smuggled into its body leaves the term exactly as signed.
    const smuggled = { expiresAt: '2099-01-01T00:00:00.000Z', effectiveFrom: '2000-01-01T00:00:00.000Z' };
    const id = await draftGrant(p, { scope: entries });
    const first = await p.post(`/grants/${id}/sign`, as.operatorA, smuggled);
    const signed = await p.post(`/grants/${id}/sign`, as.authority, smuggled);
    const effectiveFrom = String(signed.body.effectiveFrom);
    const expiresAt = addTermYears(effectiveFrom, 2).toISOString();
    const actions = [
      await p.post(`/grants/${id}/suspend`, as.authority, { reason: '整改', ...smuggled }),
      await p.post(`/grants/${id}/reinstate`, as.authority, { reason: '整改完成', ...smuggled }),
      await p.post(`/grants/${id}/terminate`, as.authority, { reason: '协议解除', ...smuggled }),
      await p.post(`/grants/${id}/exit-confirmations`, as.operatorA, {
        item: 'asset-disposal',
        note: '已处置',
        ...smuggled,
      }),
    ];
    const stored = await p.get(`/grants/${id}`, as.authority);

    expect(first.status).toBe(200);
    expect(signed.status).toBe(200);
    expect(Date.parse(effectiveFrom)).toBeGreaterThan(Date.parse(smuggled.effectiveFrom));
    expect(signed.body.expiresAt).toBe(expiresAt);
    expect(actions.map((a) => a.status)).toEqual([200, 200, 200, 201]);
    for (const a of actions) expect(a.body).toMatchObject({ effectiveFrom, expiresAt });
    expect(stored.body).toMatchObject({ status: 'terminated', effectiveFrom, expiresAt });
  });
});

describe('exit (Art. 4)', () => {
  it('records each party’s exit confirmations once, after termination', async () => {
    const { id } = await activeGrant(p, { scope: entries });
    const early = await p.post(`/grants/${id}/exit-confirmations`, as.operatorA, {
      item: 'asset-disposal',
      note: 'x',
    });
    await p.post(`/grants/${id}/terminate`, as.authority, { reason: '协议解除' });

    const wrongParty = await p.post(`/grants/${id}/exit-confirmations`, as.authority, {
      item: 'asset-disposal',
      note: 'x',
    });
    const unknown = await p.post(`/grants/${id}/exit-confirmations`, as.operatorA, {
      item: 'party',
      note: 'x',
    });
    const done = [
      await p.post(`/grants/${id}/exit-confirmations`, as.operatorA, {
        item: 'data-return-destruction',
        note: '已销毁全部副本',
      }),
      await p.post(`/grants/${id}/exit-confirmations`, as.operatorA, {
        item: 'asset-disposal',
        note: '产品已下线',
      }),
      await p.post(`/grants/${id}/exit-confirmations`, as.authority, {
        item: 'access-revocation',
        note: '账号已注销',
      }),
    ];
    const twice = await p.post(`/grants/${id}/exit-confirmations`, as.operatorA, {
      item: 'asset-disposal',
      note: 'again',
    });
    const last = await p.post(`/grants/${id}/exit-confirmations`, as.authority, {
      item: 'disposal-acceptance',
      note: '验收通过',
    });

    expect(early.status).toBe(409);
    expect(wrongParty.status).toBe(403);
    expect(unknown.status).toBe(400);
    expect(done.map((r) => r.status)).toEqual([201, 201, 201]);
    expect(done[2]?.body).toMatchObject({ exit: { completedAt: null } });
    expect(twice.status).toBe(409);
    expect(last.status).toBe(201);
    const exit = last.body.exit as {
      completedAt: string;
      required: { code: string; confirmation: Record<string, unknown> }[];
    };
    expect(exit.completedAt).toEqual(expect.any(String));
    expect(exit.required.find((r) => r.code === 'data-return-destruction')?.confirmation).toMatchObject({
      party: 'operator',
      confirmedBy: as.operatorA.sub,
      org: as.operatorA.org,
      note: '已销毁全部副本',
      at: expect.any(String),
    });
  });
});
