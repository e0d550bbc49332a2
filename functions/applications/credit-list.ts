/**
 * The Art. 9 credit list as plain rules: organisations and legal representatives on the dishonest
 * judgment debtors list, the major tax violation cases list, or with serious violation records. Persons
 * are held by the SHA-256 of their identity number (or, when the source has none, by name); the number
 * itself is never stored.
 */
import { createHash } from 'node:crypto';
import type { Principal } from '../shared/auth.js';
import { assertVersion, ForbiddenError } from '../shared/errors.js';
import { type CreditHit, hashIdNumber } from './domain.js';
import type { CreateCreditListEntry } from './schemas.js';

export type CreditListKind = CreditHit['list'];

export interface CreditListEntry {
  readonly id: string;
  readonly subjectType: 'organisation' | 'legal-representative';
  readonly creditCode?: string;
  readonly idNumberHash?: string;
  readonly name?: string;
  readonly list: CreditListKind;
  readonly source: string;
  readonly listedAt: string;
  readonly removedAt?: string;
  readonly note?: string;
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly createdBy: string;
}

/** The lookup key of a listed subject: by credit code, identity number hash, or (last resort) name. */
export const subjectKey = (
  e: Pick<CreditListEntry, 'subjectType' | 'creditCode' | 'idNumberHash' | 'name'>,
): string => {
  if (e.subjectType === 'organisation') return `ORG#${e.creditCode ?? ''}`;
  if (e.idNumberHash) return `PERSON#${e.idNumberHash}`;
  return `NAME#${(e.name ?? '').trim()}`;
};

/** Keys an applicant is looked up by: its organisation, its legal representative's number and name. */
export const applicantKeys = (
  creditCode: string,
  legalRep: { idNumberHash: string; name: string },
): string[] => [`ORG#${creditCode}`, `PERSON#${legalRep.idNumberHash}`, `NAME#${legalRep.name.trim()}`];

/** Listed and not removed at `now`. */
export const inForce = (e: Pick<CreditListEntry, 'listedAt' | 'removedAt'>, now: Date): boolean =>
  new Date(e.listedAt).getTime() <= now.getTime() &&
  (!e.removedAt || new Date(e.removedAt).getTime() > now.getTime());

export const hitOf = (e: CreditListEntry): CreditHit => ({
  subject: e.subjectType,
  list: e.list,
  source: e.source,
  entryId: e.id,
});

/** The same subject, list, source and listing date always get the same id: re-importing replaces. */
export const entryIdOf = (
  e: Pick<
    CreditListEntry,
    'subjectType' | 'creditCode' | 'idNumberHash' | 'name' | 'list' | 'source' | 'listedAt'
  >,
) =>
  `cl_${createHash('sha256')
    .update([subjectKey(e), e.list, e.source, new Date(e.listedAt).toISOString()].join('|'))
    .digest('hex')
    .slice(0, 40)}`;

const assertAuthority = (p: Principal): void => {
  if (p.role !== 'authority')
    throw new ForbiddenError('Only the public data authority maintains the credit list');
};

export const newEntry = (body: CreateCreditListEntry, p: Principal, now: Date): CreditListEntry => {
  assertAuthority(p);
  const at = now.toISOString();
  const idNumberHash = body.idNumber ? hashIdNumber(body.idNumber) : body.idNumberHash;
  const fields = {
    subjectType: body.subjectType,
    ...(body.subjectType === 'organisation' && body.creditCode ? { creditCode: body.creditCode } : {}),
    ...(body.subjectType === 'legal-representative' && idNumberHash ? { idNumberHash } : {}),
    ...(body.name ? { name: body.name } : {}),
    list: body.list,
    source: body.source,
    listedAt: new Date(body.listedAt).toISOString(),
    ...(body.removedAt ? { removedAt: new Date(body.removedAt).toISOString() } : {}),
    ...(body.note ? { note: body.note } : {}),
  };
  return { id: entryIdOf(fields), ...fields, version: 1, createdAt: at, updatedAt: at, createdBy: p.userId };
};

/** A re-imported entry replaces the stored one (same id), keeping its history counters. */
export const replaceEntry = (stored: CreditListEntry, next: CreditListEntry, now: Date): CreditListEntry => ({
  ...next,
  version: stored.version + 1,
  createdAt: stored.createdAt,
  createdBy: stored.createdBy,
  updatedAt: now.toISOString(),
});

export const updateEntry = (
  e: CreditListEntry,
  p: Principal,
  patch: { source?: string; listedAt?: string; removedAt?: string | null; note?: string },
  expectedVersion: number | undefined,
  now: Date,
): CreditListEntry => {
  assertAuthority(p);
  assertVersion(e, expectedVersion);
  const { removedAt: _r, ...rest } = e;
  const removedAt =
    patch.removedAt === null
      ? undefined
      : patch.removedAt
        ? new Date(patch.removedAt).toISOString()
        : e.removedAt;
  return {
    ...rest,
    ...(patch.source ? { source: patch.source } : {}),
    ...(patch.listedAt ? { listedAt: new Date(patch.listedAt).toISOString() } : {}),
    ...(removedAt ? { removedAt } : {}),
    ...(patch.note !== undefined ? { note: patch.note } : {}),
    version: e.version + 1,
    updatedAt: now.toISOString(),
  };
};

export const creditView = (e: CreditListEntry, now: Date) => ({ ...e, inForce: inForce(e, now) });
export const creditAudit = (e: CreditListEntry | undefined) =>
  e
    ? {
        subject: subjectKey(e).replace(/^PERSON#(.{8}).*/, 'PERSON#$1…'),
        list: e.list,
        removedAt: e.removedAt ?? null,
        version: e.version,
      }
    : null;
