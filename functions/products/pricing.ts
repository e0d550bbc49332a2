/**
 * Prices, price caps, charges and the distribution of revenue (Art. 11.2, 12.3) as plain rules: no
 * AWS, no I/O. Money is integer fen (分, 1/100 yuan) everywhere; quantities are non-negative numbers
 * of a billing unit. A charge is never negative and never fractional: each tier's amount is rounded
 * half up to the fen.
 */
import { ConflictError } from '../shared/errors.js';

/** How a product is billed: per call, per volume (record, megabyte) or per period (month, report). */
export const BILLING_UNITS = ['call', 'record', 'megabyte', 'month', 'report'] as const;
export type BillingUnit = (typeof BILLING_UNITS)[number];

export const PRODUCT_FORMS = [
  'data-component',
  'data-model',
  'data-verification',
  'data-service',
  'data-report',
] as const;
export type ProductForm = (typeof PRODUCT_FORMS)[number];

/**
 * One tier of a graduated price: units up to `upTo` (inclusive, cumulative over the period; `null` =
 * no upper bound, only on the last tier) cost `unitPriceFen` each.
 */
export interface PriceTier {
  readonly upTo: number | null;
  readonly unitPriceFen: number;
}

/** The price of a product in one billing unit. */
export interface Price {
  readonly unit: BillingUnit;
  readonly tiers: readonly PriceTier[];
}

/**
 * A price cap set by the authority (government-guided price, Art. 12.3): the highest unit price, in
 * fen, any tier may have. Either for one product, or for a form and billing unit (every product of
 * that form); a product's own cap takes precedence.
 */
export interface PriceCap {
  readonly key: string;
  readonly productId?: string;
  readonly form?: ProductForm;
  readonly unit: BillingUnit;
  readonly maxUnitPriceFen: number;
  readonly setBy: string;
  readonly setAt: string;
  readonly basis?: string;
}

export const capKey = (c: {
  productId?: string | undefined;
  form?: string | undefined;
  unit: string;
}): string => (c.productId ? `product#${c.productId}#${c.unit}` : `form#${c.form}#${c.unit}`);

/** The cap in force for a product's price in one unit: the product's own, else its form's, else none. */
export const capFor = (
  caps: readonly PriceCap[],
  product: { id?: string; form: ProductForm },
  unit: BillingUnit,
): PriceCap | undefined =>
  (product.id ? caps.find((c) => c.productId === product.id && c.unit === unit) : undefined) ??
  caps.find((c) => !c.productId && c.form === product.form && c.unit === unit);

/** Art. 12.3: refuses (409 naming the unit and tier) a price above the cap in force. */
export const assertWithinCaps = (
  prices: readonly Price[],
  product: { id?: string; form: ProductForm },
  caps: readonly PriceCap[],
): void => {
  for (const price of prices) {
    const cap = capFor(caps, product, price.unit);
    if (!cap) continue;
    price.tiers.forEach((tier, i) => {
      if (tier.unitPriceFen > cap.maxUnitPriceFen) {
        throw new ConflictError(
          `The price per ${price.unit} (tier ${i + 1}: ${tier.unitPriceFen} fen) is above the price cap of ${cap.maxUnitPriceFen} fen`,
          'price_above_cap',
          {
            unit: price.unit,
            tier: i,
            unitPriceFen: tier.unitPriceFen,
            maxUnitPriceFen: cap.maxUnitPriceFen,
          },
        );
      }
    });
  }
};

/**
 * The amount in fen for `quantity` units over one period under graduated tiers: the first `upTo`
 * units at the first tier's price, the next ones at the second's, and so on.
 */
export const amountFor = (tiers: readonly PriceTier[], quantity: number): number => {
  let remaining = quantity;
  let floor = 0;
  let fen = 0;
  for (const tier of tiers) {
    if (remaining <= 0) break;
    const width = tier.upTo === null ? remaining : Math.max(0, tier.upTo - floor);
    const n = Math.min(remaining, width);
    fen += n * tier.unitPriceFen;
    remaining -= n;
    if (tier.upTo !== null) floor = tier.upTo;
  }
  return Math.round(fen);
};

/** Subscription purposes (2025 national rules): public governance and welfare are free. */
export const PURPOSES = ['public-governance', 'public-welfare', 'industry', 'commercial'] as const;
export type Purpose = (typeof PURPOSES)[number];
export const isPublicInterest = (p: Purpose): boolean => p === 'public-governance' || p === 'public-welfare';

/** Revenue shares of the parties, in basis points (1/100 %), summing to 10,000. */
export interface RevenueShares {
  readonly operatorBp: number;
  readonly grantorBp: number;
  readonly authorityBp: number;
}

/**
 * Art. 12.3: used for grants whose agreement states no proportions (the agreement's annex governs when
 * it does): the operator keeps 85 %, the grantor 10 %, the authority 5 % (platform operation).
 */
export const DEFAULT_REVENUE_SHARES: RevenueShares = { operatorBp: 8500, grantorBp: 1000, authorityBp: 500 };

export interface Distribution {
  readonly operatorFen: number;
  readonly grantorFen: number;
  readonly authorityFen: number;
}

/** Splits an amount by the shares; rounding remainders go to the operator, so the parts always add up. */
export const distribute = (
  amountFen: number,
  shares: RevenueShares = DEFAULT_REVENUE_SHARES,
): Distribution => {
  const grantorFen = Math.floor((amountFen * shares.grantorBp) / 10_000);
  const authorityFen = Math.floor((amountFen * shares.authorityBp) / 10_000);
  return { operatorFen: amountFen - grantorFen - authorityFen, grantorFen, authorityFen };
};

export const validShares = (s: RevenueShares): boolean =>
  [s.operatorBp, s.grantorBp, s.authorityBp].every((x) => Number.isInteger(x) && x >= 0) &&
  s.operatorBp + s.grantorBp + s.authorityBp === 10_000;

/**
 * One usage counter of a subscription: what it used in one period and unit, with the price and the
 * parties fixed when the subscription was approved, so a charge is computed from the counter alone.
 */
export interface UsageCounter {
  readonly subscriptionId: string;
  readonly productId: string;
  readonly operatorOrg: string;
  readonly grantorOrg: string;
  readonly authorityOrg: string;
  readonly consumerOrg: string;
  /** `YYYY-MM` in China Standard Time. */
  readonly period: string;
  readonly unit: BillingUnit;
  readonly quantity: number;
  readonly purpose: Purpose;
  /** The tiers agreed for this unit; empty for public-interest use. */
  readonly tiers: readonly PriceTier[];
  readonly shares: RevenueShares;
}

export interface ChargeLine {
  readonly subscriptionId: string;
  readonly productId: string;
  readonly period: string;
  readonly unit: BillingUnit;
  readonly quantity: number;
  readonly amountFen: number;
  /** Public-interest use is charged nothing, whatever was used. */
  readonly free: boolean;
  readonly distribution: Distribution;
}

/** The charge of one counter: usage × price, zero for public governance and public welfare use. */
export const chargeOf = (c: UsageCounter): ChargeLine => {
  const free = isPublicInterest(c.purpose);
  const amountFen = free ? 0 : amountFor(c.tiers, c.quantity);
  return {
    subscriptionId: c.subscriptionId,
    productId: c.productId,
    period: c.period,
    unit: c.unit,
    quantity: c.quantity,
    amountFen,
    free,
    distribution: distribute(amountFen, c.shares),
  };
};

export interface PartyTotal {
  readonly org: string;
  readonly role: 'operator' | 'grantor' | 'authority';
  readonly amountFen: number;
}

/**
 * Totals of a set of counters: the gross amount, per product, and per party (operator, grantor,
 * authority). Sorted, so the same records always give the same document.
 */
export const revenueTotals = (counters: readonly UsageCounter[]) => {
  const lines = counters.map(chargeOf);
  const byProduct = new Map<
    string,
    { productId: string; operatorOrg: string; amountFen: number; quantity: number }
  >();
  const parties = new Map<string, PartyTotal>();
  const add = (org: string, role: PartyTotal['role'], fen: number) => {
    const k = `${role}#${org}`;
    parties.set(k, { org, role, amountFen: (parties.get(k)?.amountFen ?? 0) + fen });
  };
  lines.forEach((l, i) => {
    const c = counters[i] as UsageCounter;
    const p = byProduct.get(l.productId) ?? {
      productId: l.productId,
      operatorOrg: c.operatorOrg,
      amountFen: 0,
      quantity: 0,
    };
    byProduct.set(l.productId, {
      ...p,
      amountFen: p.amountFen + l.amountFen,
      quantity: p.quantity + l.quantity,
    });
    add(c.operatorOrg, 'operator', l.distribution.operatorFen);
    add(c.grantorOrg, 'grantor', l.distribution.grantorFen);
    add(c.authorityOrg, 'authority', l.distribution.authorityFen);
  });
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return {
    grossFen: lines.reduce((s, l) => s + l.amountFen, 0),
    products: [...byProduct.values()].sort((a, b) => cmp(a.productId, b.productId)),
    parties: [...parties.values()].sort((a, b) => cmp(`${a.role}#${a.org}`, `${b.role}#${b.org}`)),
  };
};

const CST_OFFSET_MS = 8 * 3_600_000;
/** The billing period (`YYYY-MM`, China Standard Time) of an instant. */
export const periodOf = (at: Date | string): string =>
  new Date(new Date(at).getTime() + CST_OFFSET_MS).toISOString().slice(0, 7);

/** The period before `period` (`YYYY-MM`). */
export const previousPeriod = (period: string): string => {
  const [y, m] = period.split('-').map(Number) as [number, number];
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
};

/** Art. 12.3: the charge of a subscription for a closed period, written once by the monthly close. */
export interface ClosedCharge {
  readonly subscriptionId: string;
  readonly period: string;
  readonly purpose: Purpose;
  readonly free: boolean;
  readonly lines: readonly ChargeLine[];
  readonly totalFen: number;
  readonly closedAt: string;
}

/** The charges of a period's counters, one per subscription (sorted by subscription). */
export const closedCharges = (counters: readonly UsageCounter[], closedAt: string): ClosedCharge[] => {
  const bySub = new Map<string, UsageCounter[]>();
  for (const c of counters) bySub.set(c.subscriptionId, [...(bySub.get(c.subscriptionId) ?? []), c]);
  return [...bySub.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([subscriptionId, cs]) => {
      const lines = cs.map(chargeOf).sort((a, b) => (a.unit < b.unit ? -1 : a.unit > b.unit ? 1 : 0));
      const first = cs[0] as UsageCounter;
      return {
        subscriptionId,
        period: first.period,
        purpose: first.purpose,
        free: isPublicInterest(first.purpose),
        lines,
        totalFen: lines.reduce((s, l) => s + l.amountFen, 0),
        closedAt,
      };
    });
};

/** Art. 12.3: the revenue of a closed period as one caller sees it (`all`, `operator#<org>`, `grantor#<org>`). */
export interface ClosedRevenue extends ReturnType<typeof revenueTotals> {
  readonly period: string;
  readonly view: string;
  readonly closedAt: string;
}

/** The views a caller may ask for: everything (authority), each operator's and each grantor's own. */
export const revenueViews = (
  period: string,
  counters: readonly UsageCounter[],
  closedAt: string,
): ClosedRevenue[] => {
  const views = new Map<string, UsageCounter[]>([['all', [...counters]]]);
  for (const c of counters) {
    for (const v of [`operator#${c.operatorOrg}`, `grantor#${c.grantorOrg}`])
      views.set(v, [...(views.get(v) ?? []), c]);
  }
  return [...views.entries()].map(([view, cs]) => ({ period, view, closedAt, ...revenueTotals(cs) }));
};
