/**
 * Data products (公共数据产品, Art. 4, 11.2) and their registration with public notice (公示) and
 * objections, as plain rules: no AWS, no I/O. Each transition takes the current record and returns
 * the next one, or throws the error the caller should see.
 *
 * A product is registered in versions: the operator submits a version (the first one, or a change),
 * the authority reviews it, an approved version is on public notice for N working days during which
 * anyone may object, and after the notice without an upheld objection (and with every objection
 * handled) it becomes the registered version, with the product's registration code. The registered
 * version stays public while a change goes through the same steps.
 */
import type { CatalogEntry } from '../catalog/domain.js';
import { type Entitlement, isEffective } from '../entitlements/domain.js';
import { type Grant, inEffect } from '../grants/domain.js';
import type { Principal } from '../shared/auth.js';
import { assertVersion, ConflictError, ForbiddenError } from '../shared/errors.js';
import { assertWithinCaps, type Price, type PriceCap, type ProductForm } from './pricing.js';
import { addWorkingDays, type WorkingCalendar } from './working-days.js';

/** The default length of the public notice (公示期), in working days; the authority may set another. */
export const DEFAULT_NOTICE_WORKING_DAYS = 10;

export type VersionStage = 'under-review' | 'on-notice' | 'rejected' | 'registered';
export type ProductStatus =
  | 'under-review'
  | 'on-notice'
  | 'rejected'
  | 'registered'
  | 'suspended'
  | 'delisted'
  | 'withdrawn';

/** What an operator declares about a product (one version). */
export interface ProductContent {
  readonly name: string;
  readonly form: ProductForm;
  readonly description: string;
  /** The operator's own active entitlements the product is built on (Art. 16). */
  readonly entitlementIds: readonly string[];
  readonly intendedUsers: string;
  readonly intendedUses: string;
  readonly delivery: string;
  readonly securityMeasures: string;
  /** Prices for industry and commercial use; one per billing unit. */
  readonly prices: readonly Price[];
  /** The conditions of free use for public governance and public welfare. */
  readonly publicInterestTerms: string;
  /** Art. 18: whether a consumer may re-provide the delivered product to others, or re-develop it. */
  readonly reuse: { readonly reprovision: boolean; readonly redevelopment: boolean };
}

export interface ProductVersion {
  readonly number: number;
  readonly stage: VersionStage;
  readonly content: ProductContent;
  readonly submittedAt: string;
  readonly submittedBy: string;
  readonly reviewedAt?: string;
  readonly reviewedBy?: string;
  readonly noticeStartsAt?: string;
  readonly noticeEndsAt?: string;
  readonly noticeWorkingDays?: number;
  readonly registeredAt?: string;
  /** Why it was rejected: the authority's reason, or the upheld objection. */
  readonly rejection?: { readonly reason: string; readonly objectionId?: string; readonly at: string };
}

export interface Suspension {
  /** `entitlement-ended`: an entitlement it is built on ended (Art. 8: its entry withdrawn or restricted). */
  readonly cause: 'grant-suspended' | 'entitlement-ended';
  readonly reason: string;
  readonly at: string;
}

export interface Ending {
  readonly kind: 'withdrawn' | 'delisted';
  readonly reason: string;
  readonly at: string;
  readonly by: string;
}

export interface Product {
  readonly id: string;
  readonly status: ProductStatus;
  readonly operatorOrg: string;
  readonly operatorName: string;
  /** The grant all its entitlements are under; the product follows this grant's events. */
  readonly grantId: string;
  readonly grantorOrg: string;
  readonly authorityOrg: string;
  /** Given at first registration (e.g. `SYDP-2026-4F7K2Q9M`), kept by later versions. */
  readonly registrationCode?: string;
  /** The registered version the public sees. */
  readonly current?: ProductVersion;
  /** The version under review or on notice (or the last rejected one). */
  readonly pending?: ProductVersion;
  /** Subscriptions need the authority's approval too (the data it is built on is important, core or personal). */
  readonly subscriptionNeedsAuthority: boolean;
  readonly suspension?: Suspension;
  readonly ending?: Ending;
  /** The grant version last applied (bus events are unordered: older ones are ignored). */
  readonly grantVersion: number;
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** The status follows from the record: an ending, a suspension, a registered version, or the pending stage. */
export const statusOf = (p: Omit<Product, 'status'>): ProductStatus =>
  p.ending?.kind ??
  (p.suspension
    ? 'suspended'
    : p.current
      ? 'registered'
      : ((p.pending?.stage as ProductStatus) ?? 'under-review'));

const touch = (p: Omit<Product, 'status'>, now: Date): Product => ({
  ...p,
  status: statusOf(p),
  version: p.version + 1,
  updatedAt: now.toISOString(),
});

const assertOperator = (p: Product, who: Principal): void => {
  if (who.role !== 'operator' || who.org !== p.operatorOrg)
    throw new ForbiddenError('Only the operator that registered the product may change it');
};

const assertNotEnded = (p: Product): void => {
  if (p.ending)
    throw new ConflictError(`The product is ${p.ending.kind}`, 'product_ended', { status: p.status });
};

// ---------------------------------------------------------------------------------------------------
// What a product may be built on (Art. 4, 16)

/**
 * Art. 4, 16: a product is built on the operator's own grant in force and on its own entitlements
 * under that grant that are in effect now. Anything else is a 409 naming the grant or entitlement.
 * Returns whether subscriptions need the authority's approval too (important or core data, or
 * personal information, among the entries).
 */
export const checkFoundation = (args: {
  operatorOrg: string;
  grant: Grant | undefined;
  entitlementIds: readonly string[];
  /** The operator's entitlements, by id. */
  entitlements: ReadonlyMap<string, Entitlement>;
  catalog: ReadonlyMap<string, CatalogEntry>;
  now: Date;
}): { subscriptionNeedsAuthority: boolean } => {
  const { grant, now } = args;
  if (!grant || grant.operatorOrg !== args.operatorOrg)
    throw new ForbiddenError('The grant is not one of your organisation’s grants');
  if (!inEffect(grant, now)) {
    throw new ConflictError(`Grant ${grant.id} is ${grant.status} and not in force`, 'grant_not_in_force', {
      grantId: grant.id,
      status: grant.status,
    });
  }
  let needsAuthority = false;
  for (const id of args.entitlementIds) {
    const e = args.entitlements.get(id);
    if (!e || e.operatorOrg !== args.operatorOrg) {
      throw new ConflictError(
        `Entitlement ${id} is not one of your entitlements`,
        'entitlement_not_granted',
        {
          entitlementId: id,
        },
      );
    }
    if (e.grantId !== grant.id) {
      throw new ConflictError(`Entitlement ${id} is not under grant ${grant.id}`, 'entitlement_not_granted', {
        entitlementId: id,
      });
    }
    if (!isEffective(e, now)) {
      throw new ConflictError(`Entitlement ${id} is ${e.status} and not in effect`, 'entitlement_inactive', {
        entitlementId: id,
        status: e.status,
      });
    }
    const content = args.catalog.get(e.entryId)?.published?.content;
    if (
      content &&
      (content.classification !== 'general' || content.dataItems.some((d) => d.personalInformation))
    )
      needsAuthority = true;
  }
  return { subscriptionNeedsAuthority: needsAuthority };
};

// ---------------------------------------------------------------------------------------------------
// Registration (Art. 11.2) and public notice

/** Art. 11.2: an operator submits a new product; its first version goes to the authority's review. */
export const submitProduct = (args: {
  id: string;
  principal: Principal;
  operatorName: string;
  grant: Grant;
  content: ProductContent;
  caps: readonly PriceCap[];
  subscriptionNeedsAuthority: boolean;
  now: Date;
}): Product => {
  const { principal, grant, now } = args;
  if (principal.role !== 'operator') throw new ForbiddenError('Only operators register products');
  assertWithinCaps(args.content.prices, { id: args.id, form: args.content.form }, args.caps);
  const at = now.toISOString();
  const p = {
    id: args.id,
    operatorOrg: principal.org,
    operatorName: args.operatorName,
    grantId: grant.id,
    grantorOrg: grant.grantorOrg,
    authorityOrg: grant.authorityOrg ?? grant.grantorOrg,
    pending: {
      number: 1,
      stage: 'under-review' as const,
      content: args.content,
      submittedAt: at,
      submittedBy: principal.userId,
    },
    subscriptionNeedsAuthority: args.subscriptionNeedsAuthority,
    grantVersion: grant.version,
    version: 1,
    createdAt: at,
    updatedAt: at,
  };
  return { ...p, status: statusOf(p) };
};

/** A change: a new version through the same review and notice; the registered version stays public. */
export const submitChange = (
  p: Product,
  who: Principal,
  content: ProductContent,
  caps: readonly PriceCap[],
  subscriptionNeedsAuthority: boolean,
  expected: number | undefined,
  now: Date,
): Product => {
  assertOperator(p, who);
  assertVersion(p, expected);
  assertNotEnded(p);
  if (p.suspension) throw new ConflictError('The product is suspended', 'product_suspended');
  if (p.pending && (p.pending.stage === 'under-review' || p.pending.stage === 'on-notice'))
    throw new ConflictError(`Version ${p.pending.number} is still ${p.pending.stage}`, 'version_pending');
  assertWithinCaps(content.prices, { id: p.id, form: content.form }, caps);
  const number = Math.max(p.current?.number ?? 0, p.pending?.number ?? 0) + 1;
  return touch(
    {
      ...p,
      pending: {
        number,
        stage: 'under-review',
        content,
        submittedAt: now.toISOString(),
        submittedBy: who.userId,
      },
      subscriptionNeedsAuthority,
    },
    now,
  );
};

/**
 * The authority reviews a version. Approval puts it on public notice for `noticeWorkingDays` working
 * days (prices are checked against the caps in force again); rejection needs a reason.
 */
export const reviewVersion = (
  p: Product,
  who: Principal,
  decision:
    | { decision: 'approve'; noticeWorkingDays?: number | undefined }
    | { decision: 'reject'; reason: string },
  caps: readonly PriceCap[],
  calendar: WorkingCalendar,
  expected: number | undefined,
  now: Date,
): Product => {
  if (who.role !== 'authority') throw new ForbiddenError('Only the authority reviews products');
  assertVersion(p, expected);
  assertNotEnded(p);
  const v = p.pending;
  if (v?.stage !== 'under-review')
    throw new ConflictError('No version of this product awaits review', 'not_under_review');
  if (p.suspension) throw new ConflictError('The product is suspended with its grant', 'product_suspended');
  const at = now.toISOString();
  if (decision.decision === 'reject') {
    return touch(
      {
        ...p,
        pending: {
          ...v,
          stage: 'rejected',
          reviewedAt: at,
          reviewedBy: who.userId,
          rejection: { reason: decision.reason, at },
        },
      },
      now,
    );
  }
  assertWithinCaps(v.content.prices, { id: p.id, form: v.content.form }, caps);
  const days = decision.noticeWorkingDays ?? DEFAULT_NOTICE_WORKING_DAYS;
  return touch(
    {
      ...p,
      pending: {
        ...v,
        stage: 'on-notice',
        reviewedAt: at,
        reviewedBy: who.userId,
        noticeStartsAt: at,
        noticeEndsAt: addWorkingDays(now, days, calendar).toISOString(),
        noticeWorkingDays: days,
      },
    },
    now,
  );
};

/** Whether objections may be filed now: a version is on notice and its period has not ended. */
export const openForObjections = (p: Product, now: Date): boolean =>
  !p.ending &&
  p.pending?.stage === 'on-notice' &&
  !!p.pending.noticeEndsAt &&
  now.toISOString() < p.pending.noticeEndsAt;

/** The registration code: stable for the product, readable, and checked unique when first given. */
export const registrationCodeFor = (id: string, now: Date): string => {
  let h = 0x811c9dc5;
  for (const ch of id) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return `SYDP-${now.toISOString().slice(0, 4)}-${h.toString(36).toUpperCase().padStart(7, '0')}`;
};

/**
 * After the notice period, with no objection upheld and none still open, the version becomes the
 * registered one (the first registration gives the code). Returns undefined when not (yet) due.
 */
export const completeNotice = (p: Product, openObjections: number, now: Date): Product | undefined => {
  const v = p.pending;
  if (p.ending || p.suspension || !v || v.stage !== 'on-notice' || !v.noticeEndsAt) return undefined;
  if (now.toISOString() < v.noticeEndsAt || openObjections > 0) return undefined;
  const at = now.toISOString();
  const registered: ProductVersion = { ...v, stage: 'registered', registeredAt: at };
  const { pending: _done, ...rest } = p;
  return touch(
    { ...rest, current: registered, registrationCode: p.registrationCode ?? registrationCodeFor(p.id, now) },
    now,
  );
};

/** Art. 11.2: the operator withdraws (注销) its product; subscriptions can no longer record usage. */
export const withdrawProduct = (
  p: Product,
  who: Principal,
  reason: string,
  expected: number | undefined,
  now: Date,
): Product => {
  assertOperator(p, who);
  assertVersion(p, expected);
  assertNotEnded(p);
  return touch({ ...p, ending: { kind: 'withdrawn', reason, at: now.toISOString(), by: who.userId } }, now);
};

export type GrantChange = 'GrantSuspended' | 'GrantReinstated' | 'GrantTerminated' | 'GrantExpired';

/**
 * A product follows its grant: suspended with it (Art. 14), resumed when it is reinstated, delisted
 * when it ends. Returns undefined when nothing changes (an older or repeated event).
 */
export const followGrant = (
  p: Product,
  change: GrantChange,
  grantVersion: number,
  reason: string,
  now: Date,
): Product | undefined => {
  if (grantVersion <= p.grantVersion || p.ending) return undefined;
  const at = now.toISOString();
  const base = { ...p, grantVersion };
  switch (change) {
    case 'GrantSuspended':
      // An ended entitlement's suspension outlasts the grant's (its reinstatement must not lift it).
      if (base.suspension?.cause === 'entitlement-ended') return touch(base, now);
      return touch({ ...base, suspension: { cause: 'grant-suspended', reason, at } }, now);
    case 'GrantReinstated': {
      // A reinstated grant does not bring back an entitlement that ended.
      if (base.suspension?.cause !== 'grant-suspended') return touch(base, now);
      const { suspension: _lifted, ...rest } = base;
      return touch(rest, now);
    }
    case 'GrantTerminated':
    case 'GrantExpired':
      return touch(
        {
          ...base,
          ending: {
            kind: 'delisted',
            reason: change === 'GrantTerminated' ? `Grant terminated: ${reason}` : 'Grant expired',
            at,
            by: 'platform',
          },
        },
        now,
      );
  }
};

/**
 * A product built on an entitlement that ended (its entry withdrawn or made non-authorizable, Art. 8)
 * is suspended: it may no longer be offered on that data. Returns undefined when the product is not
 * built on any of `ended`, has ended, or is already suspended for that cause (a repeated event).
 */
export const followEntitlementsEnded = (
  p: Product,
  ended: readonly string[],
  reason: string,
  now: Date,
): Product | undefined => {
  if (p.ending || p.suspension?.cause === 'entitlement-ended') return undefined;
  const builtOn = [
    ...(p.current?.content.entitlementIds ?? []),
    ...(p.pending?.content.entitlementIds ?? []),
  ];
  if (!builtOn.some((id) => ended.includes(id))) return undefined;
  return touch({ ...p, suspension: { cause: 'entitlement-ended', reason, at: now.toISOString() } }, now);
};

// ---------------------------------------------------------------------------------------------------
// Objections (公示异议)

export type ObjectionStatus = 'open' | 'upheld' | 'dismissed';

export interface Objection {
  readonly id: string;
  readonly productId: string;
  readonly versionNumber: number;
  readonly status: ObjectionStatus;
  readonly reasons: string;
  /** Who objected: an account, or an anonymous member of the public with optional contact details. */
  readonly objector: {
    readonly userId?: string;
    readonly org?: string;
    readonly name?: string;
    readonly contact?: string;
  };
  readonly filedAt: string;
  readonly handledAt?: string;
  readonly handledBy?: string;
  readonly response?: string;
  readonly version: number;
}

/** Anyone may object, with reasons, while a version is on notice. */
export const fileObjection = (
  p: Product,
  args: { id: string; reasons: string; objector: Objection['objector']; now: Date },
): Objection => {
  if (!openForObjections(p, args.now))
    throw new ConflictError('The product is not on public notice', 'not_on_notice');
  return {
    id: args.id,
    productId: p.id,
    versionNumber: p.pending?.number ?? 0,
    status: 'open',
    reasons: args.reasons,
    objector: args.objector,
    filedAt: args.now.toISOString(),
    version: 1,
  };
};

/**
 * The authority handles an objection. Upheld: the version on notice is rejected with the objection's
 * reasons and the authority's response. Dismissed: the notice goes on (registration waits for every
 * objection to be handled).
 */
export const handleObjection = (
  p: Product,
  o: Objection,
  who: Principal,
  decision: { decision: 'uphold' | 'dismiss'; response: string },
  now: Date,
): { product: Product | undefined; objection: Objection } => {
  if (who.role !== 'authority') throw new ForbiddenError('Only the authority handles objections');
  if (o.status !== 'open')
    throw new ConflictError(`The objection is already ${o.status}`, 'objection_handled');
  const at = now.toISOString();
  const objection: Objection = {
    ...o,
    status: decision.decision === 'uphold' ? 'upheld' : 'dismissed',
    handledAt: at,
    handledBy: who.userId,
    response: decision.response,
    version: o.version + 1,
  };
  if (decision.decision === 'dismiss') return { product: undefined, objection };
  const v = p.pending;
  if (v?.stage !== 'on-notice' || v.number !== o.versionNumber)
    throw new ConflictError('The version objected to is no longer on notice', 'not_on_notice');
  const product = touch(
    {
      ...p,
      pending: {
        ...v,
        stage: 'rejected',
        rejection: { reason: `Objection upheld: ${o.reasons} — ${decision.response}`, objectionId: o.id, at },
      },
    },
    now,
  );
  return { product, objection };
};

// ---------------------------------------------------------------------------------------------------
// Views

/** The public view: the registered version (or the one on notice), never reviewers or internal fields. */
export const publicView = (p: Product) => {
  const shown = p.current ?? (p.pending?.stage === 'on-notice' ? p.pending : undefined);
  const c = shown?.content;
  return {
    id: p.id,
    status: p.status,
    registrationCode: p.registrationCode ?? null,
    operator: { org: p.operatorOrg, name: p.operatorName },
    name: c?.name ?? null,
    form: c?.form ?? null,
    description: c?.description ?? null,
    intendedUsers: c?.intendedUsers ?? null,
    intendedUses: c?.intendedUses ?? null,
    delivery: c?.delivery ?? null,
    prices: c?.prices ?? [],
    publicInterestTerms: c?.publicInterestTerms ?? null,
    reuse: c?.reuse ?? null,
    version: shown?.number ?? null,
    registeredAt: p.current?.registeredAt ?? null,
    notice:
      p.pending?.stage === 'on-notice'
        ? {
            version: p.pending.number,
            startsAt: p.pending.noticeStartsAt,
            endsAt: p.pending.noticeEndsAt,
            content: p.pending.content,
          }
        : null,
    endedAt: p.ending?.at ?? null,
  };
};

/** The full view for the operator, the authority and regulators. */
export const fullView = (p: Product) => ({ ...publicView(p), ...p });

/** Listed publicly: on notice, registered or suspended (a suspension is public too). */
export const isListed = (p: Product): boolean =>
  !p.ending && (!!p.current || p.pending?.stage === 'on-notice');

export const auditState = (p: Product) => ({
  status: p.status,
  version: p.version,
  pendingVersion: p.pending?.number ?? null,
  pendingStage: p.pending?.stage ?? null,
  registeredVersion: p.current?.number ?? null,
  registrationCode: p.registrationCode ?? null,
});
