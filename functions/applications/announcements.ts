/**
 * Announcements (Art. 5, 10.1) as plain rules: no AWS, no I/O. Each function takes the current record
 * and returns the next one, or throws the error the caller should see.
 */
import { SIGNATURE_DUE_DAYS } from '../grants/domain.js';
import type { Principal } from '../shared/auth.js';
import { assertVersion, ConflictError, ForbiddenError, ValidationError } from '../shared/errors.js';
import type { CreateAnnouncement, StepDeadlines, UpdateAnnouncement } from './schemas.js';
import { type Criterion, DEFAULT_CRITERIA, DEFAULT_PANEL_SIZE, DEFAULT_PASS_MARK } from './scoring.js';

export type Mode = 'comprehensive' | 'domain';

// ---------------------------------------------------------------------------------------------------
// Announcements (Art. 10.1)

export type AnnouncementStatus = 'draft' | 'published' | 'withdrawn';

export interface Announcement {
  readonly id: string;
  readonly year: number;
  readonly title: string;
  readonly mode: Mode;
  readonly domain?: string;
  readonly grantingProvider?: { readonly org: string; readonly name?: string };
  readonly scope: readonly string[];
  readonly conditions: {
    readonly text: string;
    readonly requiredDocuments: readonly { code: string; name: string; mandatory: boolean }[];
  };
  readonly window: { readonly opensAt: string; readonly closesAt: string };
  readonly criteria: readonly Criterion[];
  readonly passMark: number;
  readonly panelSize: number;
  readonly deadlines: StepDeadlines;
  readonly governmentOrg?: string;
  /** The authority that drafted it (reviews comprehensive applications, assigns experts, submits results). */
  readonly authorityOrg: string;
  readonly status: AnnouncementStatus;
  readonly publishedAt?: string;
  readonly publishedBy?: string;
  readonly withdrawal?: { readonly reason: string; readonly at: string; readonly by: string };
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly createdBy: string;
}

export const DEFAULT_DEADLINES: StepDeadlines = {
  qualificationReview: 10,
  expertPanel: 5,
  expertScore: 10,
  governmentApproval: 15,
  // Art. 10.4: both parties sign the agreement (the grants duty flags and escalates a late signature).
  signing: SIGNATURE_DUE_DAYS,
};

const assertAuthority = (p: Principal): void => {
  if (p.role !== 'authority')
    throw new ForbiddenError('Only the public data authority manages announcements');
};

const windowIssues = (w: { opensAt: string; closesAt: string }) =>
  new Date(w.closesAt).getTime() > new Date(w.opensAt).getTime()
    ? []
    : [{ path: 'body.window.closesAt', message: 'The window must close after it opens' }];

const modeIssues = (a: Pick<Announcement, 'mode' | 'domain' | 'grantingProvider'>) => {
  if (a.mode !== 'domain') return [];
  return [
    ...(a.domain ? [] : [{ path: 'body.domain', message: 'Domain mode names the domain (Art. 5)' }]),
    ...(a.grantingProvider
      ? []
      : [{ path: 'body.grantingProvider', message: 'Domain mode names the granting provider (Art. 5)' }]),
  ];
};

/** The keys of a partial object that are set (an explicit `undefined` never overwrites). */
const definedOf = <T extends object>(o: T | undefined): Partial<T> =>
  Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;

const fields = (b: UpdateAnnouncement, base: Partial<Announcement>) => {
  const merged = {
    ...base,
    ...Object.fromEntries(Object.entries(b).filter(([k, v]) => v !== undefined && k !== 'version')),
  } as Partial<Announcement> & Pick<Announcement, 'mode'>;
  // Comprehensive mode: the authority selects and grants; no granting provider (Art. 5).
  if (merged.mode === 'comprehensive') {
    const { domain: _d, grantingProvider: _g, ...rest } = merged;
    return rest;
  }
  return merged;
};

export const createAnnouncement = (args: {
  id: string;
  principal: Principal;
  body: CreateAnnouncement;
  now: Date;
}): Announcement => {
  assertAuthority(args.principal);
  const issues = windowIssues(args.body.window);
  if (issues.length) throw new ValidationError('The announcement is invalid', issues);
  const at = args.now.toISOString();
  const b = args.body;
  const base = fields(b, {}) as Partial<Announcement>;
  return {
    ...(base as object),
    id: args.id,
    year: b.year,
    title: b.title,
    mode: b.mode,
    scope: [...new Set(b.scope)],
    conditions: b.conditions,
    window: b.window,
    criteria: b.criteria ?? DEFAULT_CRITERIA,
    passMark: b.passMark ?? DEFAULT_PASS_MARK,
    panelSize: b.panelSize ?? DEFAULT_PANEL_SIZE,
    deadlines: { ...DEFAULT_DEADLINES, ...(b.deadlines ?? {}) },
    authorityOrg: args.principal.org,
    status: 'draft',
    version: 1,
    createdAt: at,
    updatedAt: at,
    createdBy: args.principal.userId,
  } as Announcement;
};

/** Only drafts are edited; a published announcement can only be withdrawn (Art. 10.1). */
export const updateAnnouncement = (
  a: Announcement,
  p: Principal,
  patch: UpdateAnnouncement,
  expectedVersion: number | undefined,
  now: Date,
): Announcement => {
  assertAuthority(p);
  assertVersion(a, expectedVersion);
  if (a.status !== 'draft') {
    throw new ConflictError(
      `A ${a.status} announcement cannot be edited; withdraw it instead`,
      'invalid_state',
    );
  }
  const merged = fields(patch, a) as Announcement;
  const next: Announcement = {
    ...merged,
    scope: [...new Set(merged.scope)],
    // Nested objects are merged too: a PATCH naming one deadline (or only the conditions' text) keeps the rest.
    conditions: { ...a.conditions, ...definedOf(patch.conditions) },
    deadlines: { ...a.deadlines, ...definedOf(patch.deadlines) },
    version: a.version + 1,
    updatedAt: now.toISOString(),
  };
  const issues = [...windowIssues(next.window), ...modeIssues(next)];
  if (issues.length) throw new ValidationError('The announcement is invalid', issues);
  return next;
};

/** What publishing needs to know about each scoped catalog entry. */
export interface ScopeEntry {
  readonly id: string;
  readonly providerOrg: string;
  readonly approved: boolean;
  readonly authorizable: boolean;
}

/**
 * Art. 10.1 with Art. 5-8: the window must not have ended and must close after it opens; every scoped
 * entry must exist, be approved and authorizable; in domain mode every entry belongs to the granting
 * provider. The first failing entry is named in the 409.
 */
export const publishAnnouncement = (
  a: Announcement,
  p: Principal,
  expectedVersion: number | undefined,
  entries: ReadonlyMap<string, ScopeEntry>,
  now: Date,
): Announcement => {
  assertAuthority(p);
  assertVersion(a, expectedVersion);
  if (a.status !== 'draft')
    throw new ConflictError(`A ${a.status} announcement cannot be published`, 'invalid_state');
  if (windowIssues(a.window).length)
    throw new ConflictError('The window must close after it opens', 'invalid_window');
  if (new Date(a.window.closesAt).getTime() <= now.getTime()) {
    throw new ConflictError(
      `The application window already closed at ${a.window.closesAt}`,
      'invalid_window',
    );
  }
  const mode = modeIssues(a);
  if (mode.length) throw new ConflictError(mode.map((i) => i.message).join('; '), 'invalid_mode');
  for (const id of a.scope) {
    const e = entries.get(id);
    if (!e) throw new ConflictError(`Catalog entry ${id} does not exist`, 'scope_invalid', { entryId: id });
    if (!e.approved) {
      throw new ConflictError(`Catalog entry ${id} is not approved in the master catalog`, 'scope_invalid', {
        entryId: id,
      });
    }
    // Art. 8: catalogued but never authorizable.
    if (!e.authorizable)
      throw new ConflictError(`Catalog entry ${id} is not authorizable (Art. 8)`, 'scope_invalid', {
        entryId: id,
      });
    // Art. 5: in domain mode a provider grants only its own data.
    if (a.mode === 'domain' && e.providerOrg !== a.grantingProvider?.org) {
      throw new ConflictError(
        `Catalog entry ${id} does not belong to the granting provider (Art. 5)`,
        'scope_invalid',
        {
          entryId: id,
        },
      );
    }
  }
  const at = now.toISOString();
  return {
    ...a,
    status: 'published',
    publishedAt: at,
    publishedBy: p.userId,
    version: a.version + 1,
    updatedAt: at,
  };
};

/** Art. 10.1: a published announcement is withdrawn, with a reason, only before its window opens. */
export const withdrawAnnouncement = (
  a: Announcement,
  p: Principal,
  reason: string,
  expectedVersion: number | undefined,
  now: Date,
): Announcement => {
  assertAuthority(p);
  assertVersion(a, expectedVersion);
  if (a.status !== 'published')
    throw new ConflictError(`A ${a.status} announcement cannot be withdrawn`, 'invalid_state');
  if (now.getTime() >= new Date(a.window.opensAt).getTime()) {
    throw new ConflictError(
      'The application window has opened: the announcement can no longer be withdrawn',
      'window_open',
    );
  }
  const at = now.toISOString();
  return {
    ...a,
    status: 'withdrawn',
    withdrawal: { reason, at, by: p.userId },
    version: a.version + 1,
    updatedAt: at,
  };
};

/** Art. 10.2: applications are accepted for a published announcement inside its window only. */
export const assertWindowOpen = (a: Announcement, now: Date): void => {
  if (a.status === 'withdrawn')
    throw new ConflictError('The announcement was withdrawn', 'announcement_withdrawn');
  if (a.status !== 'published')
    throw new ConflictError('The announcement is not published', 'announcement_not_published');
  if (now.getTime() < new Date(a.window.opensAt).getTime()) {
    throw new ConflictError(
      `The application window has not opened yet: it opens at ${a.window.opensAt}`,
      'window_not_open',
    );
  }
  if (now.getTime() >= new Date(a.window.closesAt).getTime()) {
    throw new ConflictError(`The application window closed at ${a.window.closesAt}`, 'window_closed');
  }
};

/** Who may see an announcement: the public its published and withdrawn ones, the authority every one. */
export const canSeeAnnouncement = (a: Announcement, p: Principal | undefined): boolean =>
  a.status !== 'draft' || p?.role === 'authority' || !!p?.roles.includes('authority');

export const announcementView = (a: Announcement, p: Principal | undefined) => ({
  id: a.id,
  year: a.year,
  title: a.title,
  mode: a.mode,
  domain: a.domain ?? null,
  grantingProvider: a.grantingProvider ?? null,
  scope: a.scope,
  conditions: a.conditions,
  window: a.window,
  criteria: a.criteria,
  passMark: a.passMark,
  panelSize: a.panelSize,
  deadlines: { ...DEFAULT_DEADLINES, ...a.deadlines },
  governmentOrg: a.governmentOrg ?? null,
  authorityOrg: a.authorityOrg,
  status: a.status,
  withdrawn: a.status === 'withdrawn',
  withdrawal: a.withdrawal ? { reason: a.withdrawal.reason, at: a.withdrawal.at } : null,
  publishedAt: a.publishedAt ?? null,
  ...(p?.roles.includes('authority')
    ? { version: a.version, createdAt: a.createdAt, updatedAt: a.updatedAt }
    : {}),
});

export const announcementAudit = (a: Announcement | undefined) =>
  a ? { status: a.status, version: a.version, scope: a.scope, window: a.window } : null;
