import { describe, expect, it } from 'vitest';
import type { CatalogEntry } from '../../functions/catalog/domain.js';
import {
  addTermYears,
  assertRenewalDraftable,
  authorizableScope,
  confirmExit,
  draftGrant,
  expire,
  flagSignatureOverdue,
  type Grant,
  inEffect,
  isDueForExpiry,
  isSignatureOverdue,
  markRenewed,
  missingSignatures,
  reinstate,
  reminderDue,
  reminderWindows,
  SIGNATURE_DUE_DAYS,
  sign,
  suspend,
  sweepLookback,
  terminate,
  termOf,
  termStart,
  wantsReminder,
} from '../../functions/grants/domain.js';
import { grantIdFor } from '../../functions/grants/schemas.js';
import { DAY_MS } from '../../functions/shared/clock.js';
import { ConflictError, ForbiddenError } from '../../functions/shared/errors.js';
import { principal } from '../support/principals.js';

const authority = principal('authority', 'AUTH');
const provider = principal('provider', 'PROV');
const otherProvider = principal('provider', 'PROV2');
const operator = principal('operator', 'OPER');
const otherOperator = principal('operator', 'OPER2');
const t0 = new Date('2026-03-01T02:00:00.000Z');

const draft = (over: Partial<Parameters<typeof draftGrant>[0]> = {}): Grant =>
  draftGrant({
    id: 'gr_0000000000test',
    applicationId: 'ap_1',
    announcementId: 'an_1',
    mode: 'comprehensive',
    scope: ['ce_a', 'ce_b', 'ce_a'],
    grantor: { org: 'AUTH', role: 'authority' },
    operator: { org: 'OPER', name: 'Operator' },
    now: t0,
    ...over,
  });
const active = (at = t0) => sign(sign(draft(), authority, at), operator, at);

describe('term arithmetic (Art. 10.5)', () => {
  it('is exactly two years to the instant', () => {
    expect(termOf('2026-03-01T02:00:00.000Z')).toEqual({
      effectiveFrom: '2026-03-01T02:00:00.000Z',
      expiresAt: '2028-03-01T02:00:00.000Z',
    });
  });

  it('ends a 29 February term on 28 February (民法典 Art. 203: month end), in the city calendar', () => {
    // 2024-02-29 10:00 in Shiyan (UTC+8) is 02:00Z.
    expect(addTermYears('2024-02-29T02:00:00.000Z', 2).toISOString()).toBe('2026-02-28T02:00:00.000Z');
    // 2024-02-29 07:00 in Shiyan is still 28 February in UTC: the city's calendar decides.
    expect(addTermYears('2024-02-28T23:00:00.000Z', 2).toISOString()).toBe('2026-02-27T23:00:00.000Z');
    // Leap day to leap day.
    expect(addTermYears('2024-02-29T02:00:00.000Z', 4).toISOString()).toBe('2028-02-29T02:00:00.000Z');
    // 1 March stays 1 March.
    expect(addTermYears('2024-03-01T02:00:00.000Z', 2).toISOString()).toBe('2026-03-01T02:00:00.000Z');
  });

  it('is in effect only while active and inside the term', () => {
    const g = active();
    expect(inEffect(g, t0)).toBe(true);
    expect(inEffect(g, new Date(Date.parse(g.expiresAt!) - 1))).toBe(true);
    expect(inEffect(g, new Date(g.expiresAt!))).toBe(false);
    expect(inEffect(draft(), t0)).toBe(false);
    expect(inEffect(suspend(g, authority, 'x', t0), t0)).toBe(false);
  });

  it('derives one grant id per application', () => {
    expect(grantIdFor('ap_1')).toBe(grantIdFor('ap_1'));
    expect(grantIdFor('ap_1')).not.toBe(grantIdFor('ap_2'));
    expect(grantIdFor('ap_1')).toMatch(/^gr_[0-9a-z]{10,60}$/);
  });
});

describe('drafting and signing (Art. 4, 10.4)', () => {
  it('drafts the Art. 4 terms with a deduplicated scope, unsigned and without a term yet', () => {
    const g = draft();
    expect(g).toMatchObject({
      status: 'signing',
      scope: ['ce_a', 'ce_b'],
      effectiveFrom: null,
      expiresAt: null,
      authorityOrg: 'AUTH',
    });
    expect(g.terms.exit.items).toEqual([
      'data-return-destruction',
      'asset-disposal',
      'access-revocation',
      'disposal-acceptance',
    ]);
  });

  it('gives the signatures a deadline, configurable per draft (Art. 10.4)', () => {
    expect(draft().signBy).toBe(new Date(t0.getTime() + SIGNATURE_DUE_DAYS * DAY_MS).toISOString());
    expect(draft({ signatureDueInDays: 5 }).signBy).toBe(new Date(t0.getTime() + 5 * DAY_MS).toISOString());
  });

  it('is overdue once past the deadline while unsigned, flagged once, and can still be signed', () => {
    const g = sign(draft({ signatureDueInDays: 5 }), operator, t0);
    const due = new Date(g.signBy!);
    expect(isSignatureOverdue(g, new Date(due.getTime() - 1))).toBe(false);
    expect(isSignatureOverdue(g, due)).toBe(true);
    expect(missingSignatures(g)).toEqual(['grantor']);
    const flagged = flagSignatureOverdue(g, due);
    expect(flagged).toMatchObject({ signatureOverdueAt: due.toISOString(), version: g.version + 1 });
    expect(isSignatureOverdue(flagged, due)).toBe(false);
    expect(() => flagSignatureOverdue(flagged, due)).toThrow(ConflictError);
    expect(() => flagSignatureOverdue(active(), due)).toThrow(ConflictError);
    expect(sign(flagged, authority, due)).toMatchObject({ status: 'active' });
  });

  it('keeps only approved, authorizable entries in the scope and records the others (Art. 8)', () => {
    const entry = (restricted: boolean, published = true): Pick<CatalogEntry, 'published'> => ({
      ...(published
        ? {
            published: {
              revision: 1,
              approvedAt: '',
              approvedBy: 'a',
              content: {
                restrictions: { stateSecret: false, publicSafety: restricted, closedByLaw: false },
              } as CatalogEntry['working']['content'],
            },
          }
        : {}),
    });
    const catalog = new Map([
      ['ce_ok', entry(false)],
      ['ce_safety', entry(true)],
      ['ce_draft', entry(false, false)],
    ]);
    expect(authorizableScope(['ce_ok', 'ce_safety', 'ce_draft', 'ce_gone', 'ce_ok'], catalog)).toEqual({
      scope: ['ce_ok'],
      excluded: [
        { entryId: 'ce_safety', reason: 'restricted' },
        { entryId: 'ce_draft', reason: 'not-approved' },
        { entryId: 'ce_gone', reason: 'not-in-catalog' },
      ],
    });
    expect(draft({ excludedScope: [{ entryId: 'ce_x', reason: 'restricted' }] }).excludedScope).toEqual([
      { entryId: 'ce_x', reason: 'restricted' },
    ]);
  });

  it('activates on the second signature, from that moment', () => {
    const later = new Date(t0.getTime() + DAY_MS);
    const once = sign(draft(), operator, t0);
    const twice = sign(once, authority, later);
    expect(once).toMatchObject({ status: 'signing', effectiveFrom: null });
    expect(twice).toMatchObject({ status: 'active', ...termOf(later), version: 3 });
  });

  it('accepts only the two parties, each once, and only while signing', () => {
    const g = draft();
    expect(() => sign(g, otherOperator, t0)).toThrow(ForbiddenError);
    expect(() => sign(g, provider, t0)).toThrow(ForbiddenError);
    expect(() => sign(sign(g, operator, t0), operator, t0)).toThrow(ConflictError);
    expect(() => sign(active(), operator, t0)).toThrow(ConflictError);
    const domain = draft({ mode: 'domain', grantor: { org: 'PROV', role: 'provider' } });
    expect(() => sign(domain, authority, t0)).toThrow(ForbiddenError);
    expect(sign(domain, provider, t0).signatures.grantor).toMatchObject({ org: 'PROV' });
  });
});

describe('suspension, reinstatement, termination, expiry (Art. 14, 10.5)', () => {
  it('follows the state machine', () => {
    const g = active();
    const s = suspend(g, authority, '评估不合格', t0);
    expect(s).toMatchObject({ status: 'suspended', suspension: { reason: '评估不合格', org: 'AUTH' } });
    expect(() => suspend(s, authority, 'again', t0)).toThrow(ConflictError);
    expect(reinstate(s, authority, undefined, t0).status).toBe('active');
    expect(() => reinstate(g, authority, undefined, t0)).toThrow(ConflictError);
    expect(terminate(s, authority, 'x', t0).status).toBe('terminated');
    expect(() => suspend(terminate(g, authority, 'x', t0), authority, 'x', t0)).toThrow(ConflictError);
  });

  it('lets the authority or the grantor act, nobody else', () => {
    const domain = sign(
      sign(draft({ grantor: { org: 'PROV', role: 'provider' } }), provider, t0),
      operator,
      t0,
    );
    expect(suspend(domain, provider, 'x', t0).status).toBe('suspended');
    expect(suspend(domain, authority, 'x', t0).status).toBe('suspended');
    expect(() => suspend(domain, otherProvider, 'x', t0)).toThrow(ForbiddenError);
    expect(() => terminate(domain, operator, 'x', t0)).toThrow(ForbiddenError);
  });

  it('cannot reinstate after the term ended, and expires only when due', () => {
    const g = active();
    const end = new Date(g.expiresAt!);
    expect(() => reinstate(suspend(g, authority, 'x', t0), authority, undefined, end)).toThrow(ConflictError);
    expect(isDueForExpiry(g, new Date(end.getTime() - 1))).toBe(false);
    expect(isDueForExpiry(g, end)).toBe(true);
    expect(isDueForExpiry(suspend(g, authority, 'x', t0), end)).toBe(true);
    expect(expire(g, end)).toMatchObject({ status: 'expired', expiredAt: end.toISOString() });
    expect(() => expire(g, t0)).toThrow(ConflictError);
    expect(() => expire(terminate(g, authority, 'x', t0), end)).toThrow(ConflictError);
  });
});

describe('reminders (Art. 10.5)', () => {
  const expiresAt = '2028-03-01T02:00:00.000Z';
  const daysBefore = (days: number, extraMs = 0) => new Date(Date.parse(expiresAt) - days * DAY_MS + extraMs);

  it('is due at 90, 30 and 7 days before the end, the most urgent reached', () => {
    expect(reminderDue(expiresAt, daysBefore(91))).toBeUndefined();
    expect(reminderDue(expiresAt, daysBefore(90))).toBe(90);
    expect(reminderDue(expiresAt, daysBefore(31))).toBe(90);
    expect(reminderDue(expiresAt, daysBefore(30))).toBe(30);
    expect(reminderDue(expiresAt, daysBefore(8))).toBe(30);
    expect(reminderDue(expiresAt, daysBefore(7))).toBe(7);
    expect(reminderDue(expiresAt, daysBefore(0, -1))).toBe(7);
    expect(reminderDue(expiresAt, daysBefore(0))).toBeUndefined();
  });

  it('looks at each threshold’s window since the last run, never past the next threshold', () => {
    const now = new Date('2026-01-01T01:00:00.000Z');
    const first = reminderWindows(now, undefined);
    expect(first.map((w) => [w.days, (w.to.getTime() - w.from.getTime()) / DAY_MS])).toEqual([
      [90, 60],
      [30, 23],
      [7, 7],
    ]);
    const daily = reminderWindows(now, new Date(now.getTime() - DAY_MS));
    for (const w of daily) {
      expect(w.to.getTime()).toBe(now.getTime() + w.days * DAY_MS);
      expect(w.to.getTime() - w.from.getTime()).toBe(DAY_MS + 3_600_000);
    }
    // A clock moved backwards still looks a day back.
    expect(reminderWindows(now, new Date(now.getTime() + 5 * DAY_MS))[0]!.from.getTime()).toBe(
      now.getTime() + 89 * DAY_MS - 3_600_000,
    );
  });

  it('needs no reminder for a renewed or ended grant', () => {
    const g = active();
    expect(wantsReminder(g)).toBe(true);
    expect(wantsReminder({ ...g, renewedBy: 'gr_x' })).toBe(false);
    expect(wantsReminder(terminate(g, authority, 'x', t0))).toBe(false);
  });

  it('sweeps back over at least a week, and over the whole gap after an outage', () => {
    const now = new Date('2026-06-01T00:00:00.000Z');
    expect(now.getTime() - sweepLookback(now, undefined).getTime()).toBe(7 * DAY_MS);
    expect(now.getTime() - sweepLookback(now, new Date(now.getTime() - 300_000)).getTime()).toBe(7 * DAY_MS);
    expect(now.getTime() - sweepLookback(now, new Date(now.getTime() - 20 * DAY_MS)).getTime()).toBe(
      21 * DAY_MS,
    );
  });
});

describe('renewal (Art. 10.5)', () => {
  it('starts the new term at the old end when activated before it', () => {
    const old = active();
    const renewal = draft({ id: 'gr_renewal00001', applicationId: 'ap_2', renewing: old });
    // The term is fixed at activation, not at drafting.
    expect(renewal).toMatchObject({
      renewalOf: old.id,
      previousExpiresAt: old.expiresAt,
      effectiveFrom: null,
      expiresAt: null,
    });
    // Signed early: active, but not in effect before the old term ends.
    const signed = sign(sign(renewal, authority, t0), operator, t0);
    expect(signed).toMatchObject({
      status: 'active',
      effectiveFrom: old.expiresAt,
      expiresAt: addTermYears(old.expiresAt!, 2).toISOString(),
    });
    expect(inEffect(signed, t0)).toBe(false);
    expect(inEffect(signed, new Date(old.expiresAt!))).toBe(true);
  });

  it('starts exactly at the old end even when signed after it: contiguous terms, no access before activation', () => {
    const old = active();
    const renewal = draft({ id: 'gr_renewal00002', applicationId: 'ap_3', renewing: old });
    const late = new Date(Date.parse(old.expiresAt!) + 10 * DAY_MS);
    const signedOnce = sign(renewal, authority, late);
    const signed = sign(signedOnce, operator, late);
    // The term is dated from the old end (no gap, no overlap), never from the late signature.
    expect(signed).toMatchObject({
      status: 'active',
      effectiveFrom: old.expiresAt,
      expiresAt: addTermYears(old.expiresAt!, 2).toISOString(),
    });
    // In the gap the renewal was not active yet: nothing is in force there.
    const inGap = new Date(Date.parse(old.expiresAt!) + DAY_MS);
    expect(inEffect(old, inGap)).toBe(false);
    expect(inEffect(signedOnce, inGap)).toBe(false);
    expect(inEffect(signed, late)).toBe(true);
    expect(termStart(renewal, new Date(Date.parse(old.expiresAt!) - 1))).toBe(old.expiresAt);
    expect(termStart(renewal, new Date(old.expiresAt!))).toBe(old.expiresAt);
    expect(termStart(renewal, late)).toBe(old.expiresAt);
    // A first grant starts at its activation.
    expect(termStart(draft(), late)).toBe(late.toISOString());
  });

  it('is drafted after the old end, but never for another operator, twice, or for a terminated grant', () => {
    const old = active();
    const end = new Date(old.expiresAt!);
    // The application was made in time (checked at submission); the draft does not look at the clock.
    expect(() => assertRenewalDraftable(old, 'OPER')).not.toThrow();
    expect(() => assertRenewalDraftable(expire(old, end), 'OPER')).not.toThrow();
    expect(() => assertRenewalDraftable(old, 'OPER2')).toThrow(ForbiddenError);
    expect(() => assertRenewalDraftable({ ...old, renewedBy: 'gr_x' }, 'OPER')).toThrow(/already renewed/);
    expect(() => assertRenewalDraftable(terminate(old, authority, 'x', t0), 'OPER')).toThrow(ConflictError);
    expect(() => assertRenewalDraftable(draft(), 'OPER')).toThrow(ConflictError);
    expect(markRenewed(old, 'gr_new', t0).renewedBy).toBe('gr_new');
    expect(markRenewed(expire(old, end), 'gr_new', end).renewedBy).toBe('gr_new');
    expect(() => markRenewed({ ...old, renewedBy: 'gr_other' }, 'gr_new', t0)).toThrow(ConflictError);
    expect(() => markRenewed(terminate(old, authority, 'x', t0), 'gr_new', t0)).toThrow(ConflictError);
  });
});

describe('exit confirmations (Art. 4)', () => {
  it('records each item once, by its party, after the end, and completes with the last', () => {
    const ended = terminate(active(), authority, 'x', t0);
    expect(() => confirmExit(active(), operator, 'asset-disposal', 'n', t0)).toThrow(ConflictError);
    expect(() => confirmExit(ended, authority, 'asset-disposal', 'n', t0)).toThrow(ForbiddenError);
    expect(() => confirmExit(ended, operator, 'access-revocation', 'n', t0)).toThrow(ForbiddenError);
    let g = confirmExit(ended, operator, 'asset-disposal', 'done', t0);
    expect(g.exitConfirmations['asset-disposal']).toMatchObject({
      party: 'operator',
      confirmedBy: 'operator-1',
      org: 'OPER',
      note: 'done',
    });
    expect(() => confirmExit(g, operator, 'asset-disposal', 'again', t0)).toThrow(ConflictError);
    g = confirmExit(g, operator, 'data-return-destruction', 'n', t0);
    g = confirmExit(g, authority, 'access-revocation', 'n', t0);
    expect(g.exitCompletedAt).toBeUndefined();
    g = confirmExit(g, authority, 'disposal-acceptance', 'n', t0);
    expect(g.exitCompletedAt).toBe(t0.toISOString());
  });
});
