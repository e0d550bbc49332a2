/**
 * Reading the audit trail for supervision (Art. 15, 18; Cybersecurity Law Art. 21). Pure: who may read
 * what, which index answers a query, and how events are shown and exported. No AWS.
 */
import type { PrincipalResolver } from '../shared/actors.js';
import type { Principal } from '../shared/auth.js';
import { DAY_MS } from '../shared/clock.js';
import { ForbiddenError, ValidationError } from '../shared/errors.js';
import type { AuditQuery } from './schemas.js';

/** Roles that supervise: they read every organisation's actions. */
export const SUPERVISORS = ['authority', 'regulator'] as const;
const DEFAULT_WINDOW_MS = 30 * DAY_MS;
/** A listing over all organisations walks the by-day index; a year is the widest window. */
export const MAX_DAY_WINDOW = 366;

export interface Filters {
  readonly org?: string;
  readonly user?: string;
  readonly role?: string;
  readonly action?: string;
  readonly resource?: string;
  readonly from: string;
  readonly to: string;
}

/**
 * The filters a caller's query really runs with. Supervisors (authority, regulators) read everything;
 * every other role reads only the actions of its own organisation (`org` is forced to it, another
 * organisation is 403) — Art. 18: each party answers for its own actions and sees them.
 */
export const effectiveFilters = (q: AuditQuery, p: Principal, now: Date): Filters => {
  const supervisor = (SUPERVISORS as readonly string[]).includes(p.role);
  if (!supervisor && q.org !== undefined && q.org !== p.org) {
    throw new ForbiddenError('You may read the audit trail of your own organisation only');
  }
  const to = q.to ? new Date(q.to).toISOString() : now.toISOString();
  const from = q.from
    ? new Date(q.from).toISOString()
    : new Date(Date.parse(to) - DEFAULT_WINDOW_MS).toISOString();
  const org = supervisor ? q.org : p.org;
  const f: Filters = {
    from,
    to,
    ...(org ? { org } : {}),
    ...(q.user ? { user: q.user } : {}),
    ...(q.role ? { role: q.role } : {}),
    ...(q.action ? { action: q.action } : {}),
    ...(q.resource ? { resource: q.resource } : {}),
  };
  if (plan(f).kind === 'byDay' && days(f.from, f.to).length > MAX_DAY_WINDOW) {
    throw new ValidationError('The time range is too wide', [
      {
        path: 'query.from',
        message: `At most ${MAX_DAY_WINDOW} days unless filtered by organisation, user or resource`,
      },
    ]);
  }
  return f;
};

/** Which key answers a query: the most selective filter given. The rest become filter expressions. */
export type Plan =
  | { readonly kind: 'resource'; readonly value: string }
  | { readonly kind: 'byUser'; readonly value: string }
  | { readonly kind: 'byOrg'; readonly value: string }
  | { readonly kind: 'byDay' };

export const plan = (f: Filters): Plan => {
  if (f.resource) return { kind: 'resource', value: f.resource };
  if (f.user) return { kind: 'byUser', value: f.user };
  if (f.org) return { kind: 'byOrg', value: f.org };
  return { kind: 'byDay' };
};

/** UTC days `YYYY-MM-DD` from `from` to `to`, inclusive (the partitions of the by-day index). */
export const days = (from: string, to: string): string[] => {
  const out: string[] = [];
  const end = to.slice(0, 10);
  for (let t = Date.parse(`${from.slice(0, 10)}T00:00:00Z`); ; t += DAY_MS) {
    const d = new Date(t).toISOString().slice(0, 10);
    if (d > end) break;
    out.push(d);
  }
  return out;
};

/**
 * The organisation registry's answer for the actors of a page (functions/shared/actors.ts): the
 * principal responsible person (主要负责人) and the name of each organisation; null when unregistered.
 */
export type PrincipalPersonResolver = PrincipalResolver;
export const noPrincipalPersons: PrincipalPersonResolver = Object.assign(() => null, { nameOf: () => null });

/** An audit event as the API shows it. */
export const viewOf = (
  item: Record<string, unknown>,
  principalPerson: PrincipalPersonResolver = noPrincipalPersons,
) => {
  const actor = (item.actor ?? {}) as { userId?: string; role?: string; org?: string };
  const at = String(item.at ?? '');
  const org = String(actor.org ?? '');
  return {
    resource: String(item.resource ?? ''),
    seq: Number(item.seq ?? 0),
    at,
    action: String(item.action ?? ''),
    actor: {
      userId: String(actor.userId ?? ''),
      role: String(actor.role ?? ''),
      org,
      organisationName: org ? principalPerson.nameOf(org) : null,
      principalPerson: org ? principalPerson(org, at) : null,
    },
    before: item.before ?? null,
    after: item.after ?? null,
    requestId: String(item.requestId ?? ''),
    hash: String(item.hash ?? ''),
    prevHash: String(item.prevHash ?? ''),
  };
};
export type AuditEventView = ReturnType<typeof viewOf>;

export const CSV_COLUMNS = [
  'at',
  'resource',
  'seq',
  'action',
  'userId',
  'role',
  'org',
  'principalPerson',
  'requestId',
  'before',
  'after',
  'prevHash',
  'hash',
] as const;

/**
 * One CSV field (RFC 4180). A field that a spreadsheet would read as a formula (`= + - @`, tab, CR) is
 * prefixed with `'`: an exported audit trail must not execute what a user once typed.
 */
export const csvField = (v: unknown): string => {
  let s = v === null || v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

export const csvRow = (e: AuditEventView): string =>
  [
    e.at,
    e.resource,
    e.seq,
    e.action,
    e.actor.userId,
    e.actor.role,
    e.actor.org,
    e.actor.principalPerson,
    e.requestId,
    e.before,
    e.after,
    e.prevHash,
    e.hash,
  ]
    .map(csvField)
    .join(',');

export const csvHeader = (): string => CSV_COLUMNS.join(',');
