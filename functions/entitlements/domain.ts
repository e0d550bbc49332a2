/**
 * Data demands and entitlements (Art. 16) as plain rules: no AWS, no I/O.
 *
 * An operator with a grant in force requests catalog entries of its grant's scope for a named
 * application scenario; the authority and each providing unit review it; approval creates one
 * entitlement per entry, valid until the grant's end and effective only while the grant is active.
 */
import type { Role } from '../../infra/system.js';
import type { CatalogEntry } from '../catalog/domain.js';
import { isAuthorizable } from '../catalog/domain.js';
import { type Grant, inEffect } from '../grants/domain.js';
import type { Principal } from '../shared/auth.js';
import { ConflictError, ForbiddenError } from '../shared/errors.js';
import type { Scenario } from './schemas.js';

export type DemandStatus = 'under-review' | 'approved' | 'rejected';
export type EntitlementStatus = 'active' | 'inactive' | 'ended';
export type EndCause = 'grant-expired' | 'grant-terminated' | 'entry-withdrawn' | 'entry-restricted';

/** A reviewer of a demand: the authority (any authority account when its org is not known) or a provider. */
export interface Reviewer {
  readonly role: 'authority' | 'provider';
  readonly org?: string;
}

export interface Review {
  readonly reviewer: Reviewer;
  readonly taskId: string;
  readonly decision: 'approve' | 'reject';
  readonly reason?: string;
  readonly decidedBy: { readonly userId: string; readonly role: string; readonly org: string };
}

export interface DemandEntry {
  readonly entryId: string;
  readonly providerOrg: string;
  readonly title: string;
  /** The entry's data domain when the demand was filed (DOMAINS of shared/codes.ts). */
  readonly domain?: string;
}

export interface Demand {
  readonly id: string;
  readonly status: DemandStatus;
  readonly operatorOrg: string;
  readonly grantId: string;
  readonly entries: readonly DemandEntry[];
  readonly scenario: Scenario;
  readonly reviewers: readonly Reviewer[];
  readonly reviews: readonly Review[];
  readonly entitlementIds: readonly string[];
  readonly decidedAt?: string;
  readonly createdBy: string;
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface Entitlement {
  readonly id: string;
  readonly status: EntitlementStatus;
  readonly operatorOrg: string;
  readonly entryId: string;
  readonly providerOrg: string;
  /** The entry's data domain (absent on entitlements granted before it was recorded). */
  readonly domain?: string;
  readonly grantId: string;
  readonly demandId: string;
  readonly scenarioTitle: string;
  readonly validFrom: string;
  /** The scenario's requested duration from `validFrom`, capped by the grant's end (Art. 16). */
  readonly validUntil: string;
  /** The end the scenario asked for, before the cap (a renewal continues access up to it at most). */
  readonly requestedUntil?: string;
  /** The grant version last applied: older grant events are ignored (the bus does not order). */
  readonly grantVersion: number;
  /** The entitlement of the previous grant this one continues (renewal). */
  readonly continues?: string;
  readonly endedAt?: string;
  readonly endReason?: string;
  /** Why it ended: only one that ended with its grant's term may continue under a renewal. */
  readonly endCause?: EndCause;
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/**
 * Most entries one demand may request: one transaction writes the demand, its provider links, all its
 * entitlements, their audit events, the grant check and the decision's event (at most 31 + 30 + 31 + 1
 * + 1 of 100 items).
 */
export const MAX_DEMAND_ENTRIES = 30;

// ---------------------------------------------------------------------------------------------------
// Filing (Art. 16)

/**
 * Art. 16: only an operator with a grant in force files demands, and only for entries inside that
 * grant's scope that are approved and authorizable (Art. 8). The 409 names the offending entry.
 */
export const checkDemand = (
  grant: Grant | undefined,
  operatorOrg: string,
  requested: readonly string[],
  catalog: ReadonlyMap<string, CatalogEntry>,
  now: Date,
): DemandEntry[] => {
  if (!grant || grant.operatorOrg !== operatorOrg)
    throw new ForbiddenError('The grant is not one of your organisation’s grants');
  if (!inEffect(grant, now)) {
    throw new ConflictError(
      `The grant is ${grant.status} and not in force: data demands need a grant in force`,
      'grant_not_in_force',
      {
        grantId: grant.id,
        status: grant.status,
      },
    );
  }
  const inScope = new Set(grant.scope);
  return [...new Set(requested)].map((entryId) => {
    if (!inScope.has(entryId)) {
      throw new ConflictError(
        `Catalog entry ${entryId} is outside the scope of grant ${grant.id}`,
        'entry_outside_scope',
        { entryId },
      );
    }
    const entry = catalog.get(entryId);
    if (!entry || !isAuthorizable(entry) || !entry.published) {
      throw new ConflictError(
        `Catalog entry ${entryId} is not approved for authorization`,
        'entry_not_authorizable',
        { entryId },
      );
    }
    return {
      entryId,
      providerOrg: entry.providerOrg,
      title: entry.published.content.title,
      domain: entry.published.content.domain,
    };
  });
};

/** Art. 16: the authority reviews together with every providing unit of the requested data. */
export const reviewersFor = (
  grant: Pick<Grant, 'authorityOrg'>,
  entries: readonly DemandEntry[],
): Reviewer[] => [
  { role: 'authority', ...(grant.authorityOrg ? { org: grant.authorityOrg } : {}) },
  ...[...new Set(entries.map((e) => e.providerOrg))]
    .sort()
    .map((org) => ({ role: 'provider' as const, org })),
];

export const fileDemand = (a: {
  id: string;
  principal: Principal;
  grant: Grant;
  entries: readonly DemandEntry[];
  scenario: Scenario;
  now: Date;
}): Demand => {
  const at = a.now.toISOString();
  return {
    id: a.id,
    status: 'under-review',
    operatorOrg: a.principal.org,
    grantId: a.grant.id,
    entries: a.entries,
    scenario: a.scenario,
    reviewers: reviewersFor(a.grant, a.entries),
    reviews: [],
    entitlementIds: [],
    createdBy: a.principal.userId,
    version: 1,
    createdAt: at,
    updatedAt: at,
  };
};

// ---------------------------------------------------------------------------------------------------
// Decision

/** All reviewers must approve; a rejection carries the reasons of every rejecting reviewer. */
export const decideDemand = (
  d: Demand,
  reviews: readonly Review[],
  entitlementIds: readonly string[],
  now: Date,
): Demand => {
  if (d.status !== 'under-review')
    throw new ConflictError(`The demand is already ${d.status}`, 'invalid_state');
  const approved = reviews.length === d.reviewers.length && reviews.every((r) => r.decision === 'approve');
  const at = now.toISOString();
  return {
    ...d,
    status: approved ? 'approved' : 'rejected',
    reviews,
    entitlementIds: approved ? entitlementIds : [],
    decidedAt: at,
    version: d.version + 1,
    updatedAt: at,
  };
};

export const rejectionReasons = (d: Pick<Demand, 'reviews'>) =>
  d.reviews
    .filter((r) => r.decision === 'reject')
    .map((r) => ({
      reviewer: `${r.reviewer.role}${r.reviewer.org ? `:${r.reviewer.org}` : ''}`,
      reason: r.reason ?? '',
    }));

/**
 * Art. 16: access lasts for the scenario's requested duration (calendar months from its start, the
 * day clamped to the month's last), and never beyond the grant's end. ISO instants in, ISO out.
 */
export const entitlementEnd = (validFrom: string, durationMonths: number, grantEnd: string): string => {
  const from = new Date(validFrom);
  const target = new Date(from);
  const day = from.getUTCDate();
  target.setUTCDate(1);
  target.setUTCMonth(target.getUTCMonth() + durationMonths);
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(day, lastDay));
  const end = target.toISOString();
  return end < grantEnd ? end : grantEnd;
};

/** How an entitlement starts, given its grant's state now. */
const statusUnder = (g: Pick<Grant, 'status'>): EntitlementStatus =>
  g.status === 'active' ? 'active' : g.status === 'suspended' ? 'inactive' : 'ended';

export const grantEntitlements = (
  d: Demand,
  grant: Grant,
  idOf: (grantId: string, demandId: string, entryId: string) => string,
  now: Date,
): Entitlement[] => {
  const at = now.toISOString();
  const validFrom = grant.effectiveFrom && grant.effectiveFrom > at ? grant.effectiveFrom : at;
  const requestedUntil = entitlementEnd(validFrom, d.scenario.durationMonths, '9999-12-31T23:59:59.999Z');
  const validUntil = entitlementEnd(validFrom, d.scenario.durationMonths, grant.expiresAt ?? at);
  return d.entries.map((e) => ({
    id: idOf(grant.id, d.id, e.entryId),
    status: statusUnder(grant),
    operatorOrg: d.operatorOrg,
    entryId: e.entryId,
    providerOrg: e.providerOrg,
    ...(e.domain ? { domain: e.domain } : {}),
    grantId: grant.id,
    demandId: d.id,
    scenarioTitle: d.scenario.title,
    validFrom,
    validUntil,
    requestedUntil,
    grantVersion: grant.version,
    ...(grant.status === 'active' || grant.status === 'suspended'
      ? {}
      : {
          endedAt: at,
          endReason: `grant ${grant.status}`,
          endCause: grant.status === 'terminated' ? 'grant-terminated' : 'grant-expired',
        }),
    version: 1,
    createdAt: at,
    updatedAt: at,
  }));
};

// ---------------------------------------------------------------------------------------------------
// Effect and following the grant (Art. 14, 10.5)

/** Effective now: active (its grant is active) and inside its validity (never before the grant starts). */
export const isEffective = (
  e: Pick<Entitlement, 'status' | 'validFrom' | 'validUntil'>,
  now: Date,
): boolean => {
  const t = now.toISOString();
  return e.status === 'active' && e.validFrom <= t && t < e.validUntil;
};

export type GrantChange = 'GrantSuspended' | 'GrantReinstated' | 'GrantTerminated' | 'GrantExpired';

/**
 * The entitlement after its grant changed, or undefined when nothing changes (already applied, an
 * older event, or a transition that does not apply). Suspension makes it inactive, reinstatement
 * restores it, termination and expiry end it for good.
 */
export const followGrant = (
  e: Entitlement,
  change: GrantChange,
  grantVersion: number,
  reason: string | undefined,
  now: Date,
): Entitlement | undefined => {
  if (grantVersion <= e.grantVersion || e.status === 'ended') return undefined;
  const at = now.toISOString();
  const base = { grantVersion, version: e.version + 1, updatedAt: at };
  switch (change) {
    case 'GrantSuspended':
      return { ...e, ...base, status: 'inactive' };
    case 'GrantReinstated':
      return { ...e, ...base, status: 'active' };
    case 'GrantTerminated':
    case 'GrantExpired':
      return {
        ...e,
        ...base,
        status: 'ended',
        endedAt: at,
        endReason: reason ?? (change === 'GrantExpired' ? 'grant expired' : 'grant terminated'),
        endCause: change === 'GrantExpired' ? 'grant-expired' : 'grant-terminated',
      };
  }
};

/**
 * Art. 8 at every moment: an entitlement to an entry that is no longer authorizable (withdrawn from
 * the catalog, or an Art. 8 flag approved) ends for good. Undefined when it has already ended (a
 * redelivered event changes nothing).
 */
export const endForEntry = (
  e: Entitlement,
  cause: 'entry-withdrawn' | 'entry-restricted',
  reason: string,
  now: Date,
): Entitlement | undefined => {
  if (e.status === 'ended') return undefined;
  const at = now.toISOString();
  return {
    ...e,
    status: 'ended',
    endedAt: at,
    endReason: reason,
    endCause: cause,
    version: e.version + 1,
    updatedAt: at,
  };
};

/**
 * Renewal (Art. 10.5): the successor grant continues the entitlements of the old one to its end, from
 * its start (the old end: the terms are contiguous) or from its activation when that came later (a
 * renewal signed after the old end: its term is dated from the old end, but nothing is authorized
 * before it was active, so there is no access for that gap), for the entries that
 * - are still in the successor's scope,
 * - are still approved and authorizable now (Art. 6, 8: an entry restricted since the demand was
 *   approved is not carried over; the operator files a new demand if it becomes authorizable again),
 * - and whose old entitlement did not end for another reason than the end of the old term.
 */
export const continueUnder = (
  old: Entitlement,
  successor: {
    grantId: string;
    version: number;
    scope: readonly string[];
    effectiveFrom: string;
    expiresAt: string;
    /** The second signature (the `at` of GrantActivated): no access before it. */
    activatedAt: string;
  },
  catalog: ReadonlyMap<string, Pick<CatalogEntry, 'published'>>,
  idOf: (grantId: string, demandId: string, entryId: string) => string,
  now: Date,
): Entitlement | undefined => {
  if (old.status === 'ended' && old.endCause !== 'grant-expired') return undefined;
  if (!successor.scope.includes(old.entryId)) return undefined;
  const entry = catalog.get(old.entryId);
  // Art. 8: never authorizable once restricted.
  if (!entry || !isAuthorizable(entry)) return undefined;
  // Art. 16: access lasts as long as the scenario asked, whichever grant it runs under.
  if (old.requestedUntil && old.requestedUntil <= successor.effectiveFrom) return undefined;
  const at = now.toISOString();
  const { endedAt: _e, endReason: _r, endCause: _c, ...rest } = old;
  return {
    ...rest,
    id: idOf(successor.grantId, old.demandId, old.entryId),
    status: 'active',
    grantId: successor.grantId,
    // The later of the term's start and the activation (ISO instants).
    validFrom: new Date(
      Math.max(Date.parse(successor.effectiveFrom), Date.parse(successor.activatedAt)),
    ).toISOString(),
    validUntil:
      old.requestedUntil && old.requestedUntil < successor.expiresAt
        ? old.requestedUntil
        : successor.expiresAt,
    grantVersion: successor.version,
    continues: old.id,
    version: 1,
    createdAt: at,
    updatedAt: at,
  };
};

// ---------------------------------------------------------------------------------------------------
// Visibility

const OVERSEERS: readonly Role[] = ['authority', 'regulator'];

/** The operator that filed it, the providers reviewing it, the authority and regulators. */
export const canSeeDemand = (d: Demand, p: Principal): boolean =>
  OVERSEERS.includes(p.role) ||
  (p.role === 'operator' && p.org === d.operatorOrg) ||
  (p.role === 'provider' && d.entries.some((e) => e.providerOrg === p.org));

export const demandView = (d: Demand, p: Principal) => ({
  id: d.id,
  status: d.status,
  operatorOrg: d.operatorOrg,
  grantId: d.grantId,
  // A provider sees the whole demand (the scenario is one), but reviews are shown to all who see it.
  entries: d.entries,
  scenario: d.scenario,
  reviewers: d.reviewers,
  reviews: d.reviews,
  rejectionReasons: d.status === 'rejected' ? rejectionReasons(d) : [],
  entitlementIds: p.role === 'provider' ? [] : d.entitlementIds,
  decidedAt: d.decidedAt ?? null,
  version: d.version,
  createdAt: d.createdAt,
  updatedAt: d.updatedAt,
});

export const entitlementView = (e: Entitlement, now: Date) => ({
  id: e.id,
  status: e.status,
  effective: isEffective(e, now),
  operatorOrg: e.operatorOrg,
  entryId: e.entryId,
  providerOrg: e.providerOrg,
  domain: e.domain ?? null,
  grantId: e.grantId,
  demandId: e.demandId,
  scenarioTitle: e.scenarioTitle,
  validFrom: e.validFrom,
  validUntil: e.validUntil,
  continues: e.continues ?? null,
  endedAt: e.endedAt ?? null,
  endReason: e.endReason ?? null,
});

export const demandAudit = (d: Demand | undefined) =>
  d
    ? {
        status: d.status,
        version: d.version,
        entries: d.entries.map((e) => e.entryId),
        reviews: d.reviews.length,
      }
    : null;

export const entitlementAudit = (e: Entitlement | undefined) =>
  e
    ? {
        status: e.status,
        version: e.version,
        grantId: e.grantId,
        validFrom: e.validFrom,
        validUntil: e.validUntil,
      }
    : null;
