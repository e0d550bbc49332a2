/**
 * Platform costs (Art. 17: 运营单位在平台内开展数据加工处理所需的基础设施资源和加工处理服务, 由运营单位
 * 承担) as plain rules: no AWS, no I/O. Every resource an operator consumes is metered (ResourceUsed,
 * events/metering.ts); a tariff per stage rates it; a monthly statement per operator sums the month,
 * can be disputed by the operator, decided by the authority, and settled.
 *
 * Money is integer fen; tariff rates are milli-fen (1/1000 fen) per unit so that cheap resources (an
 * API call) can be priced below a fen. Each statement line is rounded half up to the fen once.
 */
import type { Principal } from '../shared/auth.js';
import { assertVersion, ConflictError, ForbiddenError } from '../shared/errors.js';

/** A rate of the tariff: milli-fen per unit of one resource. */
export interface Rate {
  readonly resource: string;
  readonly unit: string;
  readonly milliFenPerUnit: number;
  readonly zh: string;
}

export interface Tariff {
  readonly id: string;
  readonly rates: readonly Rate[];
}

/** The standard tariff (every stage unless one is declared for it). */
export const STANDARD_TARIFF: Tariff = {
  id: 'standard-2026',
  rates: [
    // 1 yuan per 10,000 API calls
    { resource: 'api-call', unit: 'call', milliFenPerUnit: 10, zh: '接口调用' },
    // About 0.1 yuan per GB-month: 0.34 fen per GB held for a day (measured daily, functions/processing/jobs.ts)
    { resource: 'storage', unit: 'gb-day', milliFenPerUnit: 340, zh: '存储' },
    // 0.5 fen per job-second
    { resource: 'job', unit: 'ms', milliFenPerUnit: 5, zh: '加工作业' },
    // 3.5 fen per GB scanned by a job (3.5e-6 milli-fen per byte)
    { resource: 'job', unit: 'byte', milliFenPerUnit: 0.0000035, zh: '加工作业扫描量' },
    // 1 fen per 1,000 output rows
    { resource: 'job', unit: 'row', milliFenPerUnit: 1, zh: '加工作业输出行' },
    { resource: 'verification-call', unit: 'call', milliFenPerUnit: 20, zh: '核验调用' },
  ],
};

/** Tariffs per stage: a stage not listed uses the standard tariff. */
export const TARIFFS: Readonly<Record<string, Tariff>> = {
  // Test and development stages are not charged for storage.
  dev: {
    id: 'dev-2026',
    rates: STANDARD_TARIFF.rates.map((r) => (r.resource === 'storage' ? { ...r, milliFenPerUnit: 0 } : r)),
  },
};

export const tariffFor = (stage: string | undefined): Tariff => (stage && TARIFFS[stage]) || STANDARD_TARIFF;

const CST_OFFSET_MS = 8 * 3_600_000;
/** The statement month (`YYYY-MM`, China Standard Time) of an instant. */
export const monthOf = (at: Date | string): string =>
  new Date(new Date(at).getTime() + CST_OFFSET_MS).toISOString().slice(0, 7);

/** The month before `month` (`YYYY-MM`). */
export const previousMonth = (month: string): string => {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
};

/** The month a use is booked in: its own, unless that month's statement is already issued (then now's). */
export const bookingMonth = (at: string, statementIssued: boolean, now: Date): string =>
  statementIssued ? monthOf(now) : monthOf(at);

/** One metered quantity of an operator in a month (sum of its usage records). */
export interface Meter {
  readonly operatorOrg: string;
  readonly month: string;
  readonly resource: string;
  readonly unit: string;
  readonly quantity: number;
}

/**
 * The meters of an operator's month with its API calls (counted apart, functions/shared/metering.ts)
 * added to the `api-call` / `call` meter: one line per resource and unit.
 */
export const withApiCalls = (
  meters: readonly Meter[],
  operatorOrg: string,
  month: string,
  apiCalls: number,
): Meter[] => {
  if (apiCalls <= 0) return [...meters];
  const i = meters.findIndex((m) => m.resource === 'api-call' && m.unit === 'call');
  const existing = i >= 0 ? meters[i] : undefined;
  const merged: Meter = existing
    ? { ...existing, quantity: existing.quantity + apiCalls }
    : { operatorOrg, month, resource: 'api-call', unit: 'call', quantity: apiCalls };
  return i >= 0 ? meters.map((m, j) => (j === i ? merged : m)) : [...meters, merged];
};

export interface StatementLine {
  readonly resource: string;
  readonly unit: string;
  readonly quantity: number;
  readonly milliFenPerUnit: number;
  readonly amountFen: number;
  /** Metered but not in the tariff: shown at zero so nothing is dropped silently. */
  readonly unrated: boolean;
}

export type StatementStatus = 'issued' | 'disputed' | 'settled';

export interface Statement {
  readonly id: string;
  readonly operatorOrg: string;
  readonly month: string;
  readonly tariffId: string;
  readonly lines: readonly StatementLine[];
  readonly totalFen: number;
  /** Set when a dispute was decided with an adjustment. */
  readonly adjustedTotalFen?: number;
  readonly status: StatementStatus;
  readonly issuedAt: string;
  readonly dueAt: string;
  readonly dispute?: { readonly reason: string; readonly by: string; readonly at: string };
  readonly disputeDecision?: {
    readonly decision: 'adjust' | 'reject';
    readonly response: string;
    readonly by: string;
    readonly at: string;
  };
  readonly settlement?: {
    readonly reference: string;
    readonly amountFen: number;
    readonly by: string;
    readonly at: string;
  };
  readonly version: number;
}

/** Payment is due 30 days after the statement is issued. */
export const PAYMENT_DAYS = 30;

export const statementId = (operatorOrg: string, month: string) =>
  `st-${month.replace('-', '')}-${operatorOrg}`;

/** The statement of one operator's month: each meter rated by the tariff, sorted. */
export const buildStatement = (
  operatorOrg: string,
  month: string,
  meters: readonly Meter[],
  tariff: Tariff,
  now: Date,
): Statement => {
  const lines = meters
    .filter((m) => m.operatorOrg === operatorOrg && m.month === month)
    .map((m): StatementLine => {
      const rate = tariff.rates.find((r) => r.resource === m.resource && r.unit === m.unit);
      const milliFenPerUnit = rate?.milliFenPerUnit ?? 0;
      return {
        resource: m.resource,
        unit: m.unit,
        quantity: m.quantity,
        milliFenPerUnit,
        amountFen: Math.round((m.quantity * milliFenPerUnit) / 1000),
        unrated: !rate,
      };
    })
    .sort((a, b) => (`${a.resource}#${a.unit}` < `${b.resource}#${b.unit}` ? -1 : 1));
  return {
    id: statementId(operatorOrg, month),
    operatorOrg,
    month,
    tariffId: tariff.id,
    lines,
    totalFen: lines.reduce((s, l) => s + l.amountFen, 0),
    status: 'issued',
    issuedAt: now.toISOString(),
    dueAt: new Date(now.getTime() + PAYMENT_DAYS * 86_400_000).toISOString(),
    version: 1,
  };
};

/** The amount due: the adjusted total after an upheld dispute, else the total. */
export const amountDue = (s: Statement): number => s.adjustedTotalFen ?? s.totalFen;

export const canViewStatement = (s: Statement, p: Principal): boolean =>
  p.role === 'authority' || p.role === 'regulator' || (p.role === 'operator' && p.org === s.operatorOrg);

/** The operator disputes its statement, with reasons, before it is settled. */
export const disputeStatement = (
  s: Statement,
  who: Principal,
  reason: string,
  expected: number | undefined,
  now: Date,
): Statement => {
  if (who.role !== 'operator' || who.org !== s.operatorOrg)
    throw new ForbiddenError('Only the operator billed may dispute its statement');
  assertVersion(s, expected);
  if (s.status !== 'issued') throw new ConflictError(`The statement is ${s.status}`, 'statement_not_open');
  if (s.disputeDecision)
    throw new ConflictError('A dispute of this statement was already decided', 'statement_dispute_decided');
  return {
    ...s,
    status: 'disputed',
    dispute: { reason, by: who.userId, at: now.toISOString() },
    version: s.version + 1,
  };
};

/** The authority decides a dispute: an adjusted amount, or the statement stands. */
export const decideDispute = (
  s: Statement,
  who: Principal,
  d:
    | { decision: 'adjust'; adjustedTotalFen: number; response: string }
    | { decision: 'reject'; response: string },
  expected: number | undefined,
  now: Date,
): Statement => {
  if (who.role !== 'authority') throw new ForbiddenError('Only the authority decides disputes');
  assertVersion(s, expected);
  if (s.status !== 'disputed')
    throw new ConflictError('The statement is not disputed', 'statement_not_disputed');
  if (d.decision === 'adjust' && d.adjustedTotalFen > s.totalFen)
    throw new ConflictError('An adjustment cannot raise the amount', 'adjustment_above_total');
  return {
    ...s,
    status: 'issued',
    ...(d.decision === 'adjust' ? { adjustedTotalFen: d.adjustedTotalFen } : {}),
    disputeDecision: { decision: d.decision, response: d.response, by: who.userId, at: now.toISOString() },
    version: s.version + 1,
  };
};

/** The authority records the payment of an issued (undisputed, or decided) statement, in full. */
export const settleStatement = (
  s: Statement,
  who: Principal,
  reference: string,
  amountFen: number,
  expected: number | undefined,
  now: Date,
): Statement => {
  if (who.role !== 'authority') throw new ForbiddenError('Only the authority records settlements');
  assertVersion(s, expected);
  if (s.status !== 'issued') throw new ConflictError(`The statement is ${s.status}`, 'statement_not_open');
  if (amountFen !== amountDue(s))
    throw new ConflictError(`The amount due is ${amountDue(s)} fen`, 'settlement_amount', {
      amountDueFen: amountDue(s),
    });
  return {
    ...s,
    status: 'settled',
    settlement: { reference, amountFen, by: who.userId, at: now.toISOString() },
    version: s.version + 1,
  };
};
