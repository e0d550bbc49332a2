import { describe, expect, it } from 'vitest';
import {
  amountDue,
  buildStatement,
  decideDispute,
  disputeStatement,
  monthOf,
  previousMonth,
  STANDARD_TARIFF,
  settleStatement,
} from '../../functions/billing/domain.js';
import { SEVERITIES } from '../../functions/incidents/domain.js';
import {
  completeNotice,
  fileObjection,
  followGrant,
  handleObjection,
  type Product,
  type ProductContent,
  registrationCodeFor,
  statusOf,
} from '../../functions/products/domain.js';
import {
  amountFor,
  assertWithinCaps,
  BILLING_UNITS,
  chargeOf,
  DEFAULT_REVENUE_SHARES,
  distribute,
  PRODUCT_FORMS,
  type PriceCap,
  PURPOSES,
  periodOf,
  revenueTotals,
  type UsageCounter,
} from '../../functions/products/pricing.js';
import { addWorkingDays, cstDate, isWorkingDay } from '../../functions/products/working-days.js';
import type { Principal } from '../../functions/shared/auth.js';
import * as codes from '../../functions/shared/codes.js';

const authority: Principal = { userId: 'a-1', role: 'authority', roles: ['authority'], org: 'AUTH' };
const operator: Principal = { userId: 'o-1', role: 'operator', roles: ['operator'], org: 'OPA' };

describe('working days (公示期)', () => {
  it('skips weekends: 10 working days from a Friday end at 24:00 CST on the Friday two weeks later', () => {
    expect(addWorkingDays(new Date('2026-12-04T02:00:00Z'), 10).toISOString()).toBe(
      '2026-12-18T16:00:00.000Z',
    );
  });
  it('counts from the CST day: Saturday 01:00 CST is still Saturday even though UTC says Friday', () => {
    const fridayUtcSaturdayCst = new Date('2026-12-04T17:00:00Z');
    expect(cstDate(fridayUtcSaturdayCst)).toBe('2026-12-05');
    // Mon 7 Dec is the first working day after Saturday
    expect(addWorkingDays(fridayUtcSaturdayCst, 1).toISOString()).toBe('2026-12-07T16:00:00.000Z');
  });
  it('skips holidays and counts make-up working days', () => {
    const cal = {
      holidays: ['2026-10-01', '2026-10-02', '2026-10-05', '2026-10-06', '2026-10-07'],
      workdays: ['2026-10-10'],
    };
    expect(isWorkingDay('2026-10-01', cal)).toBe(false);
    expect(isWorkingDay('2026-10-10', cal)).toBe(true); // a Saturday made a working day
    // From Wed 30 Sep: Thu 1 – Wed 7 holidays or weekend, Thu 8, Fri 9, Sat 10 (make-up)
    expect(addWorkingDays(new Date('2026-09-30T02:00:00Z'), 3, cal).toISOString()).toBe(
      '2026-10-10T16:00:00.000Z',
    );
  });
  it('refuses a non-positive period', () => {
    expect(() => addWorkingDays(new Date(), 0)).toThrow(RangeError);
  });
});

describe('prices, caps and charges (Art. 12.3)', () => {
  const tiers = [
    { upTo: 1000, unitPriceFen: 10 },
    { upTo: 5000, unitPriceFen: 6 },
    { upTo: null, unitPriceFen: 4 },
  ];
  it('charges graduated tiers', () => {
    expect(amountFor(tiers, 0)).toBe(0);
    expect(amountFor(tiers, 999)).toBe(9990);
    expect(amountFor(tiers, 1500)).toBe(10_000 + 3_000);
    expect(amountFor(tiers, 6000)).toBe(10_000 + 24_000 + 4_000);
  });
  it('prefers a product’s own cap over its form’s, and names the tier above it', () => {
    const caps: PriceCap[] = [
      {
        key: 'form#data-service#call',
        form: 'data-service',
        unit: 'call',
        maxUnitPriceFen: 20,
        setBy: 'a',
        setAt: '2026-01-01',
      },
      {
        key: 'product#pd_x#call',
        productId: 'pd_x',
        unit: 'call',
        maxUnitPriceFen: 8,
        setBy: 'a',
        setAt: '2026-01-01',
      },
    ];
    expect(() =>
      assertWithinCaps([{ unit: 'call', tiers }], { id: 'pd_y', form: 'data-service' }, caps),
    ).not.toThrow();
    expect(() =>
      assertWithinCaps([{ unit: 'call', tiers }], { id: 'pd_x', form: 'data-service' }, caps),
    ).toThrow(/tier 1: 10 fen/);
    expect(() =>
      assertWithinCaps([{ unit: 'record', tiers }], { id: 'pd_x', form: 'data-service' }, caps),
    ).not.toThrow();
  });
  it('charges nothing for public governance or welfare whatever the usage', () => {
    const c: UsageCounter = {
      subscriptionId: 's',
      productId: 'p',
      operatorOrg: 'O',
      grantorOrg: 'G',
      authorityOrg: 'A',
      consumerOrg: 'C',
      period: '2026-11',
      unit: 'call',
      quantity: 1e6,
      purpose: 'public-welfare',
      tiers,
      shares: DEFAULT_REVENUE_SHARES,
    };
    expect(chargeOf(c)).toMatchObject({ amountFen: 0, free: true });
    expect(chargeOf({ ...c, purpose: 'commercial' }).amountFen).toBe(amountFor(tiers, 1e6));
  });
  it('distributes revenue so the parts add up exactly', () => {
    for (const amount of [0, 1, 7, 999, 123_457]) {
      const d = distribute(amount, { operatorBp: 7000, grantorBp: 2000, authorityBp: 1000 });
      expect(d.operatorFen + d.grantorFen + d.authorityFen).toBe(amount);
    }
    expect(distribute(10_000)).toEqual({ operatorFen: 8500, grantorFen: 1000, authorityFen: 500 });
  });
  it('totals per product and party, sorted', () => {
    const base = {
      subscriptionId: 's',
      operatorOrg: 'O',
      grantorOrg: 'G',
      authorityOrg: 'A',
      consumerOrg: 'C',
      period: '2026-11',
      unit: 'call' as const,
      purpose: 'commercial' as const,
      tiers: [{ upTo: null, unitPriceFen: 100 }],
      shares: DEFAULT_REVENUE_SHARES,
    };
    const t = revenueTotals([
      { ...base, productId: 'p2', quantity: 1 },
      { ...base, productId: 'p1', quantity: 2 },
    ]);
    expect(t.grossFen).toBe(300);
    expect(t.products.map((p) => p.productId)).toEqual(['p1', 'p2']);
    expect(t.parties.find((p) => p.role === 'authority')?.amountFen).toBe(15);
  });
  it('takes the period in China Standard Time', () => {
    expect(periodOf('2026-11-30T16:30:00Z')).toBe('2026-12');
  });
});

const onNotice = (over: Partial<Product> = {}): Product => ({
  id: 'pd_0000000000abc',
  status: 'on-notice',
  operatorOrg: 'OPA',
  operatorName: '运营',
  grantId: 'gr_1',
  grantorOrg: 'AUTH',
  authorityOrg: 'AUTH',
  pending: {
    number: 1,
    stage: 'on-notice',
    content: {} as ProductContent,
    submittedAt: '2026-12-01T00:00:00Z',
    submittedBy: 'o-1',
    noticeStartsAt: '2026-12-01T00:00:00Z',
    noticeEndsAt: '2026-12-15T16:00:00.000Z',
  },
  subscriptionNeedsAuthority: false,
  grantVersion: 3,
  version: 4,
  createdAt: '2026-12-01T00:00:00Z',
  updatedAt: '2026-12-01T00:00:00Z',
  ...over,
});

describe('public notice, objections and the grant (Art. 11.2, 14)', () => {
  it('registers only after the notice and with every objection handled', () => {
    const p = onNotice();
    expect(completeNotice(p, 0, new Date('2026-12-15T15:59:59Z'))).toBeUndefined();
    expect(completeNotice(p, 1, new Date('2026-12-16T00:00:00Z'))).toBeUndefined();
    const r = completeNotice(p, 0, new Date('2026-12-16T00:00:00Z'));
    expect(r?.status).toBe('registered');
    expect(r?.registrationCode).toBe(registrationCodeFor(p.id, new Date('2026-12-16T00:00:00Z')));
  });
  it('an upheld objection rejects the version with its reasons', () => {
    const p = onNotice();
    const o = fileObjection(p, {
      id: 'ob_1',
      reasons: '含个人信息',
      objector: {},
      now: new Date('2026-12-02T00:00:00Z'),
    });
    const out = handleObjection(
      p,
      o,
      authority,
      { decision: 'uphold', response: '属实' },
      new Date('2026-12-03T00:00:00Z'),
    );
    expect(out.product?.status).toBe('rejected');
    expect(out.product?.pending?.rejection?.reason).toContain('含个人信息');
    expect(() => handleObjection(p, o, operator, { decision: 'dismiss', response: 'x' }, new Date())).toThrow(
      /authority/,
    );
    expect(() =>
      fileObjection(p, { id: 'ob_2', reasons: 'x', objector: {}, now: new Date('2026-12-16T00:00:00Z') }),
    ).toThrow(/not on public notice/);
  });
  it('follows grant events once, ignoring older versions', () => {
    const p = { ...onNotice(), current: { ...onNotice().pending!, stage: 'registered' as const } };
    const registered = { ...p, status: statusOf(p) };
    const suspended = followGrant(registered, 'GrantSuspended', 4, 'x', new Date());
    expect(suspended?.status).toBe('suspended');
    expect(followGrant(suspended!, 'GrantSuspended', 4, 'x', new Date())).toBeUndefined();
    expect(followGrant(suspended!, 'GrantReinstated', 5, 'x', new Date())?.status).toBe('registered');
    expect(followGrant(suspended!, 'GrantTerminated', 6, 'x', new Date())?.status).toBe('delisted');
  });
});

describe('platform-cost statements (Art. 17)', () => {
  it('rates meters by the tariff, shows unrated ones at zero, and closes the month in CST', () => {
    const s = buildStatement(
      'OPA',
      '2026-11',
      [
        { operatorOrg: 'OPA', month: '2026-11', resource: 'api-call', unit: 'call', quantity: 123_456 },
        { operatorOrg: 'OPA', month: '2026-11', resource: 'gpu', unit: 'hour', quantity: 2 },
        { operatorOrg: 'OPB', month: '2026-11', resource: 'api-call', unit: 'call', quantity: 9 },
      ],
      STANDARD_TARIFF,
      new Date('2026-12-01T02:00:00Z'),
    );
    expect(s.lines).toEqual([
      expect.objectContaining({ resource: 'api-call', amountFen: 1235 }),
      expect.objectContaining({ resource: 'gpu', amountFen: 0, unrated: true }),
    ]);
    expect(s.totalFen).toBe(1235);
    expect(monthOf('2026-11-30T16:00:00Z')).toBe('2026-12');
    expect(previousMonth('2027-01')).toBe('2026-12');
  });
  it('disputes, adjusts downwards only, and settles for the amount due', () => {
    const s = buildStatement(
      'OPA',
      '2026-11',
      [{ operatorOrg: 'OPA', month: '2026-11', resource: 'job', unit: 'ms', quantity: 1e6 }],
      STANDARD_TARIFF,
      new Date(),
    );
    const d = disputeStatement(s, operator, '重复计量', undefined, new Date());
    expect(() =>
      decideDispute(
        d,
        authority,
        { decision: 'adjust', adjustedTotalFen: s.totalFen + 1, response: 'x' },
        undefined,
        new Date(),
      ),
    ).toThrow(/cannot raise/);
    const a = decideDispute(
      d,
      authority,
      { decision: 'adjust', adjustedTotalFen: 100, response: 'x' },
      undefined,
      new Date(),
    );
    expect(amountDue(a)).toBe(100);
    expect(() => settleStatement(a, authority, 'T', s.totalFen, undefined, new Date())).toThrow(/amount due/);
    expect(settleStatement(a, authority, 'T', 100, undefined, new Date()).status).toBe('settled');
  });
});

describe('code lists of GET /meta/codes', () => {
  it('label exactly the product forms, purposes and billing units the API accepts', () => {
    expect(codes.PRODUCT_FORMS.map((c) => c.code)).toEqual([...PRODUCT_FORMS]);
    expect(codes.SUBSCRIPTION_PURPOSES.map((c) => c.code)).toEqual([...PURPOSES]);
    expect(codes.BILLING_UNITS.map((c) => c.code)).toEqual([...BILLING_UNITS]);
  });
  it('label the incident severities and are served for reports and incidents', () => {
    expect(codes.INCIDENT_SEVERITIES.map((c) => c.code)).toEqual([...SEVERITIES]);
    for (const name of ['reportStatuses', 'incidentStatuses', 'incidentSeverities', 'incidentKinds'])
      expect(codes.CODE_LISTS[name]?.length, name).toBeGreaterThan(0);
  });
});
