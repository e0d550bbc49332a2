/**
 * The public data catalog (Art. 6-8) as plain rules: no AWS, no I/O. Every function takes the
 * current entry and returns the next one, or throws the error the caller should see.
 */

import { CatalogEntryPublished, CatalogEntryWithdrawn } from '../../events/catalog.js';
import type { Role } from '../../infra/system.js';
import type { Principal } from '../shared/auth.js';
import type { DomainEvent } from '../shared/deps.js';
import { assertVersion, ConflictError, ConflictOfInterestError, ForbiddenError } from '../shared/errors.js';
import type { CatalogContent, CatalogPatch } from './schemas.js';

export type CatalogStatus = 'draft' | 'submitted' | 'approved' | 'rejected';

/** Who decided (Art. 18: attributable to a person, an organisation and the role they acted in). */
export interface Decider {
  readonly userId: string;
  readonly org: string;
  readonly role: string;
}
export const deciderOf = (p: Pick<Principal, 'userId' | 'org' | 'role'>): Decider => ({
  userId: p.userId,
  org: p.org,
  role: p.role,
});

export interface Revision {
  readonly revision: number;
  readonly status: CatalogStatus;
  readonly content: CatalogContent;
  readonly createdAt: string;
  readonly submittedAt?: string;
  readonly reviewedAt?: string;
  readonly reviewedBy?: string;
  /** The reviewer as user, organisation and role (revisions decided before this field: `reviewedBy` only). */
  readonly decidedBy?: Decider;
  readonly reason?: string;
  /** Users who wrote or submitted this revision: none of them may decide on it (four eyes, Art. 18). */
  readonly authors?: readonly string[];
}

/** Withdrawal from the catalog (by its provider or the authority): never public nor authorizable again. */
export interface Withdrawal {
  readonly at: string;
  readonly by: Decider;
  readonly reason: string;
}

export interface PublishedVersion {
  readonly revision: number;
  readonly content: CatalogContent;
  readonly approvedAt: string;
  readonly approvedBy: string;
  readonly decidedBy?: Decider;
}

export interface CatalogEntry {
  readonly id: string;
  readonly providerOrg: string;
  readonly providerName?: string;
  /** The working revision: the one being edited or reviewed; equals the published one when nothing is pending. */
  readonly working: Revision;
  /** The approved version the public sees; stays public while a later revision is under review. */
  readonly published?: PublishedVersion;
  /** Set once the entry is withdrawn (final). */
  readonly withdrawn?: Withdrawal;
  /** Optimistic-lock counter, bumped by every change. */
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** Art. 8: catalogued, but never authorizable. */
export const restricted = (c: CatalogContent): boolean =>
  c.restrictions.stateSecret || c.restrictions.publicSafety || c.restrictions.closedByLaw;

/**
 * Only approved, not withdrawn entries without an Art. 8 flag can be authorized (Art. 6, 8); later
 * duties rely on this, at every moment (entitlements end when it stops holding).
 */
export const isAuthorizable = (e: Pick<CatalogEntry, 'published' | 'withdrawn'>): boolean =>
  !!e.published && !e.withdrawn && !restricted(e.published.content);

/**
 * Art. 8: a state secret is never shown to the public, only to its provider, the authority and
 * regulators; a withdrawn entry leaves the public catalog.
 */
export const isPublic = (e: Pick<CatalogEntry, 'published' | 'withdrawn'>): boolean =>
  !!e.published && !e.withdrawn && !e.published.content.restrictions.stateSecret;

/** A withdrawn entry is final: no edit, submission or review. */
const assertNotWithdrawn = (e: CatalogEntry): void => {
  if (e.withdrawn) throw new ConflictError('The entry was withdrawn from the catalog', 'entry_withdrawn');
};

const PRIVILEGED: readonly Role[] = ['authority', 'regulator'];

/** Who may see the working (unpublished) side of an entry. */
export const canSeeWorking = (e: CatalogEntry, p: Principal | undefined): boolean =>
  !!p && (PRIVILEGED.includes(p.role) || (p.role === 'provider' && p.org === e.providerOrg));

const assertOwner = (e: CatalogEntry, p: Principal): void => {
  // Art. 6: each provider compiles its own catalog, nobody else's.
  if (p.role !== 'provider' || p.org !== e.providerOrg) {
    throw new ForbiddenError('Only the providing organisation may change its catalog entry');
  }
};

export const createEntry = (args: {
  id: string;
  principal: Principal;
  content: CatalogContent;
  providerName?: string;
  now: Date;
}): CatalogEntry => {
  const at = args.now.toISOString();
  return {
    id: args.id,
    providerOrg: args.principal.org,
    ...(args.providerName ? { providerName: args.providerName } : {}),
    working: {
      revision: 1,
      status: 'draft',
      content: args.content,
      createdAt: at,
      authors: [args.principal.userId],
    },
    version: 1,
    createdAt: at,
    updatedAt: at,
  };
};

/**
 * Draft and rejected revisions are edited in place (a rejected one returns to draft). Changing an
 * approved entry opens the next revision directly under review, while the approved version stays
 * public until the new one is approved.
 */
export const updateEntry = (
  e: CatalogEntry,
  p: Principal,
  patch: CatalogPatch,
  expectedVersion: number | undefined,
  now: Date,
): CatalogEntry => {
  assertOwner(e, p);
  assertNotWithdrawn(e);
  assertVersion(e, expectedVersion);
  const at = now.toISOString();
  const { restrictions, ...fields } = patch;
  const defined = stripUndefined(fields);
  const content: CatalogContent = {
    ...e.working.content,
    ...defined,
    // Art. 8 flags change only when named: an edit of other fields keeps them.
    restrictions: { ...e.working.content.restrictions, ...stripUndefined(restrictions ?? {}) },
  };
  switch (e.working.status) {
    case 'draft':
    case 'rejected':
      return {
        ...e,
        working: {
          revision: e.working.revision,
          status: 'draft',
          content,
          createdAt: e.working.createdAt,
          authors: withAuthor(e.working.authors, p.userId),
        },
        version: e.version + 1,
        updatedAt: at,
      };
    case 'approved':
      return {
        ...e,
        working: {
          revision: e.working.revision + 1,
          status: 'submitted',
          content,
          createdAt: at,
          submittedAt: at,
          authors: [p.userId],
        },
        version: e.version + 1,
        updatedAt: at,
      };
    case 'submitted':
      throw new ConflictError(
        'The entry is under review and cannot be changed until it is decided',
        'invalid_state',
      );
  }
};

export const submitEntry = (
  e: CatalogEntry,
  p: Principal,
  expectedVersion: number | undefined,
  now: Date,
): CatalogEntry => {
  assertOwner(e, p);
  assertNotWithdrawn(e);
  assertVersion(e, expectedVersion);
  if (e.working.status !== 'draft' && e.working.status !== 'rejected') {
    throw new ConflictError(`A ${e.working.status} entry cannot be submitted`, 'invalid_state');
  }
  const at = now.toISOString();
  return {
    ...e,
    working: {
      ...stripDecision(e.working),
      status: 'submitted',
      submittedAt: at,
      authors: withAuthor(e.working.authors, p.userId),
    },
    version: e.version + 1,
    updatedAt: at,
  };
};

const stripUndefined = <T extends object>(o: T): Partial<T> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

const stripDecision = (r: Revision): Revision => ({
  revision: r.revision,
  status: r.status,
  content: r.content,
  createdAt: r.createdAt,
  ...(r.submittedAt ? { submittedAt: r.submittedAt } : {}),
  ...(r.authors ? { authors: r.authors } : {}),
});

const withAuthor = (authors: readonly string[] | undefined, userId: string): string[] => [
  ...new Set([...(authors ?? []), userId]),
];

/**
 * Four eyes (Art. 6, 18): nobody decides on a revision they wrote or submitted, whatever roles they hold
 * — in particular where the authority's own organisation provides the entry, another of its users
 * reviews it. Returns why, or undefined.
 */
export const selfReview = (e: CatalogEntry, p: Pick<Principal, 'userId'>): string | undefined =>
  e.working.authors?.includes(p.userId)
    ? 'The user who wrote or submitted this revision never reviews it: another user of the authority decides'
    : undefined;

export type ReviewDecision =
  | { decision: 'approve'; comment?: string }
  | { decision: 'reject'; reason: string };

/** Art. 6: the authority reviews each provider's catalog before it enters the city master catalog. */
export const reviewEntry = (
  e: CatalogEntry,
  p: Principal,
  d: ReviewDecision,
  expectedVersion: number | undefined,
  now: Date,
): CatalogEntry => {
  if (p.role !== 'authority')
    throw new ForbiddenError('Only the public data authority reviews catalog entries');
  const self = selfReview(e, p);
  if (self)
    throw new ConflictOfInterestError(self, { resource: `catalog-entry/${e.id}`, action: 'catalog.review' });
  assertNotWithdrawn(e);
  assertVersion(e, expectedVersion);
  if (e.working.status !== 'submitted') {
    throw new ConflictError(
      `Only a submitted entry can be reviewed; this one is ${e.working.status}`,
      'invalid_state',
    );
  }
  const at = now.toISOString();
  const decided = { reviewedAt: at, reviewedBy: p.userId, decidedBy: deciderOf(p) };
  if (d.decision === 'reject') {
    return {
      ...e,
      working: { ...e.working, status: 'rejected', ...decided, reason: d.reason },
      version: e.version + 1,
      updatedAt: at,
    };
  }
  return {
    ...e,
    working: { ...e.working, status: 'approved', ...decided, ...(d.comment ? { reason: d.comment } : {}) },
    published: {
      revision: e.working.revision,
      content: e.working.content,
      approvedAt: at,
      approvedBy: p.userId,
      decidedBy: deciderOf(p),
    },
    version: e.version + 1,
    updatedAt: at,
  };
};

/**
 * Withdraws an entry from the catalog (its provider, or the authority, with a reason): it leaves the
 * public listing and is never authorizable again (Art. 8 at every moment: the entitlements to it end
 * through `CatalogEntryWithdrawn`).
 */
export const withdrawEntry = (
  e: CatalogEntry,
  p: Principal,
  reason: string,
  expectedVersion: number | undefined,
  now: Date,
): CatalogEntry => {
  const owner = p.role === 'provider' && p.org === e.providerOrg;
  if (!owner && p.role !== 'authority')
    throw new ForbiddenError('Only the providing organisation or the authority withdraws an entry');
  assertNotWithdrawn(e);
  assertVersion(e, expectedVersion);
  const at = now.toISOString();
  return { ...e, withdrawn: { at, by: deciderOf(p), reason }, version: e.version + 1, updatedAt: at };
};

/** Who decided a revision, as a reader may see it: the public sees the organisation and role only. */
export const deciderView = (r: Pick<Revision, 'decidedBy' | 'reviewedBy'>, insider: boolean) => {
  const d = r.decidedBy;
  if (!d) return r.reviewedBy && insider ? { userId: r.reviewedBy, org: null, role: null } : null;
  return insider ? d : { org: d.org, role: d.role };
};

/** What a caller sees of an entry: the public view is the published version only. */
export const viewOf = (e: CatalogEntry, p: Principal | undefined) => {
  const base = {
    id: e.id,
    providerOrg: e.providerOrg,
    providerName: e.providerName ?? null,
    authorizable: isAuthorizable(e),
  };
  const insider = canSeeWorking(e, p);
  const published = e.published
    ? {
        revision: e.published.revision,
        approvedAt: e.published.approvedAt,
        approvedBy: deciderView(e.published, insider),
        ...e.published.content,
      }
    : null;
  const withdrawn = e.withdrawn
    ? {
        at: e.withdrawn.at,
        reason: e.withdrawn.reason,
        by: insider ? e.withdrawn.by : { org: e.withdrawn.by.org, role: e.withdrawn.by.role },
      }
    : null;
  if (!insider) return { ...base, published, withdrawn };
  return {
    ...base,
    status: e.working.status,
    version: e.version,
    working: {
      revision: e.working.revision,
      status: e.working.status,
      ...e.working.content,
      ...(e.working.reason ? { reason: e.working.reason } : {}),
    },
    published,
    withdrawn,
    createdAt: e.createdAt,
    updatedAt: e.updatedAt,
  };
};

/** Audit snapshot: the state and version of an entry before and after a change. */
export const auditState = (e: CatalogEntry | undefined) =>
  e
    ? {
        status: e.working.status,
        revision: e.working.revision,
        version: e.version,
        published: e.published?.revision ?? null,
        withdrawn: e.withdrawn ? { reason: e.withdrawn.reason } : null,
      }
    : null;

/**
 * The domain events of a change from `before` to `after`: a newly approved version is published
 * (search and entitlements follow it, Art. 8).
 */
export const eventsOf = (before: CatalogEntry, after: CatalogEntry): DomainEvent[] => {
  if (after.withdrawn && !before.withdrawn) {
    return [
      CatalogEntryWithdrawn.make({
        entryId: after.id,
        version: after.version,
        providerOrg: after.providerOrg,
        providerName: after.providerName ?? null,
        at: after.withdrawn.at,
        reason: after.withdrawn.reason,
      }),
    ];
  }
  const p = after.published;
  if (!p || before.published?.revision === p.revision) return [];
  return [
    CatalogEntryPublished.make({
      entryId: after.id,
      version: after.version,
      providerOrg: after.providerOrg,
      providerName: after.providerName ?? null,
      at: after.updatedAt,
      published: { revision: p.revision, approvedAt: p.approvedAt, ...p.content },
      public: isPublic(after),
      authorizable: isAuthorizable(after),
    }),
  ];
};
