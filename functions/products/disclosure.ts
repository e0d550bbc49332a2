/**
 * The annual disclosure (年度公开, 2025 national rules; Art. 15 supervision through the platform):
 * the grants of a year (grantee, scope, term, mode, grantor), the price caps in force at its end,
 * each operator's authorized data, product list and actual fees, and the evaluations' results.
 *
 * Generated from the records, never stored: every fact is selected by the dates the records carry
 * (a grant's term, an entitlement's validity, a product's registration and ending, the period of each
 * usage counter, an evaluation's decision, the history of caps), and every list is sorted, so the
 * disclosure of a past year is the same document whenever it is asked.
 */

import { entitlementsRepository } from '../entitlements/repository.js';
import { evaluationsRepository } from '../evaluations/repository.js';
import { grantsRepository } from '../grants/repository.js';
import type { Deps } from '../shared/deps.js';
import type { Page } from '../shared/query.js';
import type { Product } from './domain.js';
import { revenueTotals } from './pricing.js';
import { productsRepository } from './repository.js';

const CST_OFFSET_MS = 8 * 3_600_000;
/** The year's bounds in China Standard Time, as ISO instants: [start, end). */
export const yearBounds = (year: number) => ({
  start: new Date(Date.UTC(year, 0, 1) - CST_OFFSET_MS).toISOString(),
  end: new Date(Date.UTC(year + 1, 0, 1) - CST_OFFSET_MS).toISOString(),
});

const overlaps = (
  from: string | null | undefined,
  to: string | null | undefined,
  y: { start: string; end: string },
) => !!from && from < y.end && (!to || to > y.start);

const allPages = async <T>(page: (cursor: string | undefined) => Promise<Page<T>>): Promise<T[]> => {
  const out: T[] = [];
  let cursor: string | undefined;
  do {
    const p = await page(cursor);
    out.push(...p.items);
    cursor = p.nextCursor ?? undefined;
  } while (cursor);
  return out;
};

const byKey =
  <T>(key: (t: T) => string) =>
  (a: T, b: T) =>
    key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;

/** A product's state at the end of the year: registered by then, and not yet ended then. */
const asOf = (p: Product, end: string) => {
  const registeredAt = p.current?.registeredAt;
  if (!registeredAt || registeredAt >= end) return undefined;
  const ended = p.ending && p.ending.at < end ? p.ending.kind : undefined;
  return ended ?? 'registered';
};

export const buildDisclosure = async (deps: Deps, year: number, now: Date) => {
  const y = yearBounds(year);
  const periods = Array.from({ length: 12 }, (_, i) => `${year}-${String(i + 1).padStart(2, '0')}`);
  const [grants, entitlements, products, caps, evaluations, counters] = await Promise.all([
    allPages((cursor) => grantsRepository(deps).list({ all: true }, { limit: 100, cursor })),
    allPages((cursor) =>
      entitlementsRepository(deps).listEntitlements({ all: true }, { limit: 100, cursor }),
    ),
    productsRepository(deps).all(),
    // The caps in force at the end of the year (or now, for the current year).
    productsRepository(deps).capsAsOf([y.end, now.toISOString()].sort()[0] as string),
    allPages((cursor) => evaluationsRepository(deps).list({ all: true }, { limit: 100, cursor })),
    Promise.all(periods.map((p) => productsRepository(deps).countersOfPeriod(p))).then((xs) => xs.flat()),
  ]);
  const fees = revenueTotals(counters);
  const feesOf = new Map(fees.products.map((f) => [f.productId, f]));
  const listed = products
    .map((p) => ({ p, state: asOf(p, y.end) }))
    .filter((x): x is { p: Product; state: 'registered' | 'withdrawn' | 'delisted' } => !!x.state);
  const operators = new Set<string>([
    ...entitlements
      .filter((e) => overlaps(e.validFrom, e.endedAt ?? e.validUntil, y))
      .map((e) => e.operatorOrg),
    ...listed.map((x) => x.p.operatorOrg),
  ]);

  return {
    year,
    basis: 'Generated from the platform records; amounts in fen (1/100 CNY)',
    grants: grants
      .filter((g) => overlaps(g.effectiveFrom, g.termination?.at ?? g.expiresAt, y))
      .map((g) => ({
        grantId: g.id,
        grantee: { org: g.operatorOrg, name: g.operatorName },
        grantor: { org: g.grantorOrg, role: g.grantorRole, name: g.grantorName ?? null },
        mode: g.mode,
        domain: g.domain ?? null,
        scope: [...g.scope].sort(),
        term: { from: g.effectiveFrom, to: g.expiresAt },
        terminatedAt: g.termination && g.termination.at < y.end ? g.termination.at : null,
      }))
      .sort(byKey((g) => `${g.term.from}#${g.grantId}`)),
    priceCaps: caps.map((c) => ({
      productId: c.productId ?? null,
      form: c.form ?? null,
      unit: c.unit,
      maxUnitPriceFen: c.maxUnitPriceFen,
      setAt: c.setAt,
    })),
    operators: [...operators].sort().map((org) => ({
      org,
      authorizedData: entitlements
        .filter((e) => e.operatorOrg === org && overlaps(e.validFrom, e.endedAt ?? e.validUntil, y))
        .map((e) => ({
          entryId: e.entryId,
          providerOrg: e.providerOrg,
          grantId: e.grantId,
          validFrom: e.validFrom,
          validUntil: e.validUntil,
        }))
        .sort(byKey((e) => `${e.entryId}#${e.grantId}#${e.validFrom}`)),
      products: listed
        .filter((x) => x.p.operatorOrg === org)
        .map(({ p, state }) => ({
          productId: p.id,
          registrationCode: p.registrationCode ?? null,
          name: p.current?.content.name ?? null,
          form: p.current?.content.form ?? null,
          registeredAt: p.current?.registeredAt ?? null,
          statusAtYearEnd: state,
          feesFen: feesOf.get(p.id)?.amountFen ?? 0,
        }))
        .sort(byKey((x) => x.productId)),
      feesFen: fees.products.filter((f) => f.operatorOrg === org).reduce((s, f) => s + f.amountFen, 0),
    })),
    fees: { grossFen: fees.grossFen, parties: fees.parties },
    evaluations: evaluations
      .filter((e) => e.result && e.result.decidedAt >= y.start && e.result.decidedAt < y.end)
      .map((e) => ({
        evaluationId: e.id,
        grantId: e.grantId,
        operatorOrg: e.operatorOrg,
        period: e.period,
        outcome: e.result?.outcome ?? null,
        decidedAt: e.result?.decidedAt ?? null,
      }))
      .sort(byKey((e) => `${e.decidedAt}#${e.evaluationId}`)),
  };
};
