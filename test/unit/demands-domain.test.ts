import { describe, expect, it } from 'vitest';
import type { CatalogEntry } from '../../functions/catalog/domain.js';
import { CatalogContent } from '../../functions/catalog/schemas.js';
import {
  checkDemand,
  continueUnder,
  decideDemand,
  type Entitlement,
  entitlementEnd,
  fileDemand,
  followGrant,
  grantEntitlements,
  isEffective,
  rejectionReasons,
  reviewersFor,
} from '../../functions/entitlements/domain.js';
import { entitlementIdFor, Scenario } from '../../functions/entitlements/schemas.js';
import { draftGrant, type Grant, sign, suspend } from '../../functions/grants/domain.js';
import { ConflictError, ForbiddenError } from '../../functions/shared/errors.js';
import { principal as p } from '../support/principals.js';

const operator = p('operator', 'OPER');
const t0 = new Date('2026-03-01T02:00:00.000Z');

const content = (over: Record<string, unknown> = {}) =>
  CatalogContent.parse({
    title: 'Entry',
    description: 'd',
    domain: 'transport',
    dataItems: [{ name: 'n', type: 'string', personalInformation: false }],
    updateFrequency: 'daily',
    format: 'csv',
    classification: 'general',
    openness: 'conditional',
    ...over,
  });
const entry = (
  id: string,
  providerOrg: string,
  over: Record<string, unknown> = {},
  approved = true,
): CatalogEntry => ({
  id,
  providerOrg,
  working: { revision: 1, status: approved ? 'approved' : 'draft', content: content(over), createdAt: '' },
  ...(approved
    ? { published: { revision: 1, content: content(over), approvedAt: '', approvedBy: 'a' } }
    : {}),
  version: 1,
  createdAt: '',
  updatedAt: '',
});
const catalog = new Map([
  ['ce_t', entry('ce_t', 'TRANSPORT', { title: 'Bus' })],
  ['ce_h', entry('ce_h', 'HRSS', { title: 'Jobs' })],
  [
    'ce_s',
    entry('ce_s', 'POLICE', { restrictions: { stateSecret: true, publicSafety: false, closedByLaw: false } }),
  ],
  ['ce_d', entry('ce_d', 'POLICE', {}, false)],
]);
const grant = (): Grant =>
  sign(
    sign(
      draftGrant({
        id: 'gr_test000000001',
        applicationId: 'ap',
        announcementId: 'an',
        mode: 'domain',
        scope: ['ce_t', 'ce_h', 'ce_s', 'ce_d'],
        grantor: { org: 'TRANSPORT', role: 'provider' },
        operator: { org: 'OPER', name: 'Op' },
        authorityOrg: 'AUTH',
        now: t0,
      }),
      p('provider', 'TRANSPORT'),
      t0,
    ),
    operator,
    t0,
  );
const scenario = Scenario.parse({
  title: 'Commute',
  description: 'd',
  implementationPlan: 'p',
  expectedValue: { social: 's' },
  dataFields: ['f'],
  durationMonths: 6,
});

describe('filing a demand (Art. 16)', () => {
  it('needs the operator’s grant in force', () => {
    const g = grant();
    expect(() => checkDemand(undefined, 'OPER', ['ce_t'], catalog, t0)).toThrow(ForbiddenError);
    expect(() => checkDemand(g, 'OTHER', ['ce_t'], catalog, t0)).toThrow(ForbiddenError);
    expect(() =>
      checkDemand(suspend(g, p('authority', 'AUTH'), 'x', t0), 'OPER', ['ce_t'], catalog, t0),
    ).toThrow(/not in force/);
    expect(() => checkDemand(g, 'OPER', ['ce_t'], catalog, new Date(g.expiresAt!))).toThrow(ConflictError);
  });

  it('accepts entries inside the scope that are authorizable, naming the first that is not', () => {
    const g = grant();
    expect(checkDemand(g, 'OPER', ['ce_t', 'ce_h', 'ce_t'], catalog, t0)).toEqual([
      { entryId: 'ce_t', providerOrg: 'TRANSPORT', title: 'Bus', domain: 'transport' },
      { entryId: 'ce_h', providerOrg: 'HRSS', title: 'Jobs', domain: 'transport' },
    ]);
    const outside = (() => {
      try {
        checkDemand(g, 'OPER', ['ce_t', 'ce_x'], catalog, t0);
      } catch (e) {
        return e as ConflictError;
      }
    })();
    expect(outside).toMatchObject({ status: 409, code: 'entry_outside_scope', details: { entryId: 'ce_x' } });
    expect(() => checkDemand(g, 'OPER', ['ce_s'], catalog, t0)).toThrow(/ce_s is not approved/);
    expect(() => checkDemand(g, 'OPER', ['ce_d'], catalog, t0)).toThrow(/ce_d/);
  });

  it('is reviewed by the authority and each providing unit once', () => {
    const entries = checkDemand(grant(), 'OPER', ['ce_h', 'ce_t'], catalog, t0);
    expect(reviewersFor({ authorityOrg: 'AUTH' }, [...entries, ...entries])).toEqual([
      { role: 'authority', org: 'AUTH' },
      { role: 'provider', org: 'HRSS' },
      { role: 'provider', org: 'TRANSPORT' },
    ]);
    expect(reviewersFor({}, entries)[0]).toEqual({ role: 'authority' });
  });

  it('requires a stated economic or social value', () => {
    expect(Scenario.safeParse({ ...scenario, expectedValue: {} }).success).toBe(false);
  });
});

describe('deciding (all must approve)', () => {
  const g = grant();
  const d = fileDemand({
    id: 'dd_1',
    principal: operator,
    grant: g,
    entries: checkDemand(g, 'OPER', ['ce_t', 'ce_h'], catalog, t0),
    scenario,
    now: t0,
  });
  const review = (i: number, decision: 'approve' | 'reject', reason?: string) => ({
    reviewer: d.reviewers[i]!,
    taskId: `rt_${i}`,
    decision,
    ...(reason ? { reason } : {}),
    decidedBy: { userId: 'u', role: d.reviewers[i]!.role, org: d.reviewers[i]!.org ?? '' },
  });

  it('approves only when every reviewer approved', () => {
    const ok = decideDemand(
      d,
      [review(0, 'approve'), review(1, 'approve'), review(2, 'approve')],
      ['en_1'],
      t0,
    );
    expect(ok).toMatchObject({ status: 'approved', entitlementIds: ['en_1'] });
    const missing = decideDemand(d, [review(0, 'approve'), review(1, 'approve')], ['en_1'], t0);
    expect(missing.status).toBe('rejected');
    expect(() => decideDemand(ok, [], [], t0)).toThrow(ConflictError);
  });

  it('rejects with the reasons of each rejecting reviewer', () => {
    const no = decideDemand(
      d,
      [review(0, 'approve'), review(1, 'reject', '不需要'), review(2, 'approve')],
      ['en_1'],
      t0,
    );
    expect(no).toMatchObject({ status: 'rejected', entitlementIds: [] });
    expect(rejectionReasons(no)).toEqual([{ reviewer: 'provider:HRSS', reason: '不需要' }]);
  });

  it('creates one entitlement per entry for the scenario’s duration, capped by the grant, following its state', () => {
    // Art. 16: six months requested → six months of access, not the grant's two years.
    const es = grantEntitlements(d, g, entitlementIdFor, t0);
    const sixMonths = new Date(t0);
    sixMonths.setUTCMonth(sixMonths.getUTCMonth() + 6);
    expect(es.map((e) => [e.entryId, e.providerOrg, e.status, e.validUntil])).toEqual([
      ['ce_t', 'TRANSPORT', 'active', sixMonths.toISOString()],
      ['ce_h', 'HRSS', 'active', sixMonths.toISOString()],
    ]);
    expect(sixMonths.toISOString() < g.expiresAt!).toBe(true);
    // Twenty-four months from a later start would pass the grant's end: capped there.
    const later = new Date(Date.parse(t0.toISOString()) + 200 * 86_400_000);
    const long = grantEntitlements(
      { ...d, scenario: { ...d.scenario, durationMonths: 24 } },
      g,
      entitlementIdFor,
      later,
    );
    expect(long[0]?.validUntil).toBe(g.expiresAt);
    expect((long[0]?.requestedUntil ?? '') > (g.expiresAt ?? '')).toBe(true);
    expect(entitlementEnd('2027-01-31T00:00:00.000Z', 1, '2099-01-01T00:00:00.000Z')).toBe(
      '2027-02-28T00:00:00.000Z',
    );
    expect(
      grantEntitlements(d, suspend(g, p('authority', 'AUTH'), 'x', t0), entitlementIdFor, t0)[0]?.status,
    ).toBe('inactive');
    expect(entitlementIdFor('g', 'd', 'e')).toBe(entitlementIdFor('g', 'd', 'e'));
  });
});

describe('entitlements follow the grant', () => {
  const g = grant();
  const d = fileDemand({
    id: 'dd_1',
    principal: operator,
    grant: g,
    entries: checkDemand(g, 'OPER', ['ce_t'], catalog, t0),
    scenario,
    now: t0,
  });
  const [first] = grantEntitlements(
    { ...d, scenario: { ...scenario, durationMonths: 24 } },
    g,
    entitlementIdFor,
    t0,
  ) as [Entitlement];
  // A scenario that runs past the grant's end (filed mid-term): a renewal continues it to that end.
  const e: Entitlement = { ...first, validUntil: g.expiresAt!, requestedUntil: '2031-03-01T02:00:00.000Z' };

  it('is effective only while active and inside its validity', () => {
    expect(isEffective(e, t0)).toBe(true);
    expect(isEffective(e, new Date(Date.parse(e.validFrom) - 1))).toBe(false);
    expect(isEffective(e, new Date(e.validUntil))).toBe(false);
    expect(isEffective({ ...e, status: 'inactive' }, t0)).toBe(false);
  });

  it('suspends, reinstates and ends; ignores older and repeated events', () => {
    const v = g.version;
    const s = followGrant(e, 'GrantSuspended', v + 1, 'x', t0)!;
    expect(s.status).toBe('inactive');
    expect(followGrant(s, 'GrantSuspended', v + 1, 'x', t0)).toBeUndefined();
    const r = followGrant(s, 'GrantReinstated', v + 2, undefined, t0)!;
    expect(r.status).toBe('active');
    // A suspension delivered after the reinstatement is older: ignored.
    expect(followGrant(r, 'GrantSuspended', v + 1, 'x', t0)).toBeUndefined();
    const ended = followGrant(r, 'GrantTerminated', v + 3, '违约', t0)!;
    expect(ended).toMatchObject({ status: 'ended', endReason: '违约' });
    expect(followGrant(ended, 'GrantReinstated', v + 4, undefined, t0)).toBeUndefined();
  });

  it('continues under a renewal from its start, for entries still in scope and authorizable', () => {
    const successor = {
      grantId: 'gr_next',
      version: 3,
      scope: ['ce_t'],
      effectiveFrom: e.validUntil,
      expiresAt: '2030-03-01T02:00:00.000Z',
      // Signed before the old end.
      activatedAt: t0.toISOString(),
    };
    const next = continueUnder(e, successor, catalog, entitlementIdFor, t0)!;
    expect(next).toMatchObject({
      grantId: 'gr_next',
      validFrom: e.validUntil,
      validUntil: successor.expiresAt,
      continues: e.id,
      status: 'active',
    });
    expect(next.id).not.toBe(e.id);
    expect(
      continueUnder(e, { ...successor, scope: ['ce_h'] }, catalog, entitlementIdFor, t0),
    ).toBeUndefined();
    // Art. 8: an entry restricted since the demand was approved is not carried over.
    const restricted = new Map([
      [
        'ce_t',
        entry('ce_t', 'TRANSPORT', {
          restrictions: { stateSecret: false, publicSafety: true, closedByLaw: false },
        }),
      ],
    ]);
    expect(continueUnder(e, successor, restricted, entitlementIdFor, t0)).toBeUndefined();
    expect(continueUnder(e, successor, new Map(), entitlementIdFor, t0)).toBeUndefined();
    // Art. 16: never past what the scenario asked for; nothing when that ended with the old grant.
    expect(
      continueUnder(
        { ...e, requestedUntil: '2029-01-01T00:00:00.000Z' },
        successor,
        catalog,
        entitlementIdFor,
        t0,
      )?.validUntil,
    ).toBe('2029-01-01T00:00:00.000Z');
    expect(
      continueUnder({ ...e, requestedUntil: e.validUntil }, successor, catalog, entitlementIdFor, t0),
    ).toBeUndefined();
  });

  it('continues one that ended with the old term, never one ended by termination', () => {
    // A renewal signed after the old end: its term is dated from the old end, access from its activation.
    const activatedAt = new Date(Date.parse(e.validUntil) + 5 * 86_400_000).toISOString();
    const late = {
      grantId: 'gr_next',
      version: 3,
      scope: ['ce_t'],
      effectiveFrom: e.validUntil,
      expiresAt: '2030-03-01T02:00:00.000Z',
      activatedAt,
    };
    const expired = followGrant(e, 'GrantExpired', g.version + 1, undefined, t0)!;
    const terminated = followGrant(e, 'GrantTerminated', g.version + 1, '违约', t0)!;
    expect(expired).toMatchObject({ status: 'ended', endCause: 'grant-expired' });
    expect(terminated).toMatchObject({ status: 'ended', endCause: 'grant-terminated' });
    const next = continueUnder(expired, late, catalog, entitlementIdFor, t0)!;
    // Access resumes at the activation, not at the old end: nothing for the gap.
    expect(next).toMatchObject({ status: 'active', validFrom: activatedAt, continues: e.id });
    expect(next).not.toHaveProperty('endedAt');
    expect(next).not.toHaveProperty('endCause');
    expect(isEffective(next, new Date(Date.parse(e.validUntil) + 1))).toBe(false);
    expect(isEffective(next, new Date(Date.parse(activatedAt) - 1))).toBe(false);
    expect(isEffective(next, new Date(activatedAt))).toBe(true);
    expect(continueUnder(terminated, late, catalog, entitlementIdFor, t0)).toBeUndefined();
  });
});
