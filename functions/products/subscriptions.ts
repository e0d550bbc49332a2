/**
 * Subscriptions and usage (Art. 18: 谁使用谁负责) as plain rules: no AWS, no I/O.
 *
 * A consumer organisation (数据产品使用单位), through its principal responsible person, subscribes to
 * a registered product, declaring its purpose: public governance or public welfare (free, on the
 * product's public-interest terms) or industry / commercial use (paid at the registered price). The
 * operator approves, then the authority too when the product's data requires it. Usage records of an
 * active subscription are the basis of charges; re-providing or re-developing the delivered product
 * is allowed only when the product's terms allow it (refused and recorded otherwise).
 */
import type { Principal } from '../shared/auth.js';
import { assertVersion, ConflictError, ForbiddenError } from '../shared/errors.js';
import type { Product } from './domain.js';
import {
  type BillingUnit,
  DEFAULT_REVENUE_SHARES,
  isPublicInterest,
  type Price,
  type Purpose,
  periodOf,
  type RevenueShares,
} from './pricing.js';

export type SubscriptionStatus =
  | 'awaiting-operator'
  | 'awaiting-authority'
  | 'active'
  | 'rejected'
  | 'cancelled';

export interface Approval {
  readonly by: string;
  readonly org: string;
  readonly at: string;
  readonly comment?: string;
}

export interface Subscription {
  readonly id: string;
  readonly productId: string;
  readonly productName: string;
  readonly operatorOrg: string;
  readonly grantorOrg: string;
  readonly authorityOrg: string;
  readonly consumerOrg: string;
  readonly consumerName: string;
  /** Art. 18: the consumer's principal responsible person, first responsible for data security. */
  readonly principal: { readonly name: string; readonly title?: string; readonly contact?: string };
  readonly purpose: Purpose;
  readonly useDescription: string;
  /** Free (public interest) or paid at `prices`, the registered prices when it was approved. */
  readonly paid: boolean;
  readonly prices: readonly Price[];
  readonly shares: RevenueShares;
  readonly needsAuthority: boolean;
  readonly status: SubscriptionStatus;
  readonly approvals: { readonly operator?: Approval; readonly authority?: Approval };
  readonly rejection?: {
    readonly reason: string;
    readonly by: string;
    readonly role: string;
    readonly at: string;
  };
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** A consumer subscribes to a registered product (not to one on notice, suspended or ended). */
export const subscribe = (args: {
  id: string;
  product: Product;
  principal: Principal;
  consumerName: string;
  responsible: Subscription['principal'];
  purpose: Purpose;
  useDescription: string;
  shares: RevenueShares | undefined;
  now: Date;
}): Subscription => {
  const { product: p, principal, now } = args;
  if (principal.role !== 'consumer') throw new ForbiddenError('Only consumer organisations subscribe');
  if (p.status !== 'registered' || !p.current)
    throw new ConflictError(
      `The product is ${p.status}: only registered products take subscriptions`,
      'product_not_available',
      {
        status: p.status,
      },
    );
  const paid = !isPublicInterest(args.purpose);
  const at = now.toISOString();
  return {
    id: args.id,
    productId: p.id,
    productName: p.current.content.name,
    operatorOrg: p.operatorOrg,
    grantorOrg: p.grantorOrg,
    authorityOrg: p.authorityOrg,
    consumerOrg: principal.org,
    consumerName: args.consumerName,
    principal: args.responsible,
    purpose: args.purpose,
    useDescription: args.useDescription,
    paid,
    prices: paid ? p.current.content.prices : [],
    shares: args.shares ?? DEFAULT_REVENUE_SHARES,
    needsAuthority: p.subscriptionNeedsAuthority,
    status: 'awaiting-operator',
    approvals: {},
    version: 1,
    createdAt: at,
    updatedAt: at,
  };
};

/** The operator decides first; the authority second when the product requires it. Nobody else. */
export const decideSubscription = (
  s: Subscription,
  who: Principal,
  decision: { decision: 'approve'; comment?: string | undefined } | { decision: 'reject'; reason: string },
  expected: number | undefined,
  now: Date,
): Subscription => {
  assertVersion(s, expected);
  const step =
    s.status === 'awaiting-operator'
      ? 'operator'
      : s.status === 'awaiting-authority'
        ? 'authority'
        : undefined;
  if (!step) throw new ConflictError(`The subscription is ${s.status}`, 'subscription_decided');
  const allowed =
    step === 'operator' ? who.role === 'operator' && who.org === s.operatorOrg : who.role === 'authority';
  if (!allowed) throw new ForbiddenError(`The subscription awaits the ${step}'s decision`);
  const at = now.toISOString();
  const base = { ...s, version: s.version + 1, updatedAt: at };
  if (decision.decision === 'reject')
    return {
      ...base,
      status: 'rejected',
      rejection: { reason: decision.reason, by: who.userId, role: who.role, at },
    };
  const approval: Approval = {
    by: who.userId,
    org: who.org,
    at,
    ...(decision.comment ? { comment: decision.comment } : {}),
  };
  const approvals = { ...s.approvals, [step]: approval };
  const next: SubscriptionStatus = step === 'operator' && s.needsAuthority ? 'awaiting-authority' : 'active';
  return { ...base, approvals, status: next };
};

export const cancelSubscription = (
  s: Subscription,
  who: Principal,
  expected: number | undefined,
  now: Date,
): Subscription => {
  if (who.role !== 'consumer' || who.org !== s.consumerOrg)
    throw new ForbiddenError('Only the subscribing organisation may cancel its subscription');
  assertVersion(s, expected);
  if (s.status === 'cancelled' || s.status === 'rejected')
    throw new ConflictError(`The subscription is ${s.status}`, 'subscription_closed');
  return { ...s, status: 'cancelled', version: s.version + 1, updatedAt: now.toISOString() };
};

/** Who may see a subscription: its consumer, the product's operator, the authority and regulators. */
export const canViewSubscription = (s: Subscription, p: Principal): boolean =>
  p.role === 'authority' ||
  p.role === 'regulator' ||
  (p.role === 'consumer' && p.org === s.consumerOrg) ||
  (p.role === 'operator' && p.org === s.operatorOrg);

// ---------------------------------------------------------------------------------------------------
// Usage (Art. 18)

export type UsageKind = 'delivery' | 'reprovision' | 'redevelopment';

export interface UsageInput {
  readonly usageId: string;
  readonly kind: UsageKind;
  readonly unit: BillingUnit;
  readonly quantity: number;
  readonly at: string;
  readonly note?: string | undefined;
}

export interface UsageRecord extends UsageInput {
  readonly subscriptionId: string;
  readonly productId: string;
  readonly period: string;
  readonly recordedAt: string;
  readonly recordedBy: string;
}

/** A refused use, kept as evidence (Art. 18: whoever uses is responsible). */
export interface UsageRefusal extends UsageInput {
  readonly subscriptionId: string;
  readonly reason: string;
  readonly refusedAt: string;
}

export type UsageOutcome =
  | { readonly ok: true; readonly record: UsageRecord }
  | { readonly ok: false; readonly refusal: UsageRefusal };

/**
 * The operator's delivery system reports one use. Refused with a thrown 403/409 when the caller is not
 * the operator, the subscription is not active, the product is not registered at the time of use, or
 * the unit is not one the subscription is billed in. A re-provision or re-development the product's
 * terms do not allow is refused and recorded (`ok: false`).
 */
export const recordUsage = (
  s: Subscription,
  product: Product,
  who: Principal,
  input: UsageInput,
  now: Date,
): UsageOutcome => {
  if (who.role !== 'operator' || who.org !== s.operatorOrg)
    throw new ForbiddenError('Only the product’s operator records usage of its subscriptions');
  if (s.status !== 'active')
    throw new ConflictError(`The subscription is ${s.status}`, 'subscription_not_active');
  if (input.at > now.toISOString())
    throw new ConflictError('Usage cannot be recorded ahead of time', 'usage_in_future');
  if (input.at < s.createdAt)
    throw new ConflictError('Usage before the subscription', 'usage_before_subscription');
  if (product.status !== 'registered')
    throw new ConflictError(
      `The product is ${product.status}: no delivery is allowed`,
      'product_not_available',
      {
        status: product.status,
      },
    );
  if (s.paid && !s.prices.some((p) => p.unit === input.unit))
    throw new ConflictError(`The subscription is not billed per ${input.unit}`, 'unit_not_priced', {
      units: s.prices.map((p) => p.unit),
    });
  const reuse = product.current?.content.reuse;
  if (input.kind !== 'delivery' && !reuse?.[input.kind]) {
    return {
      ok: false,
      refusal: {
        ...input,
        subscriptionId: s.id,
        reason: `The product's terms do not allow ${input.kind === 'reprovision' ? 're-provision (再提供)' : 're-development (再开发)'}`,
        refusedAt: now.toISOString(),
      },
    };
  }
  return {
    ok: true,
    record: {
      ...input,
      subscriptionId: s.id,
      productId: s.productId,
      period: periodOf(input.at),
      recordedAt: now.toISOString(),
      recordedBy: who.userId,
    },
  };
};

/** The tiers a counter is charged at: the subscription's price in that unit, none when free. */
export const tiersFor = (s: Subscription, unit: BillingUnit) =>
  s.paid ? (s.prices.find((p) => p.unit === unit)?.tiers ?? []) : [];
