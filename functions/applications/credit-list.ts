/**
 * The Art. 9 credit list as plain rules: organisations and legal representatives on the dishonest
 * judgment debtors list, the major tax violation cases list, or with serious violation records. Persons
 * are held by the SHA-256 of their identity number (or, when the source has none, by name); the number
 * itself is never stored.
 */
import { createHash } from 'node:crypto';
import { CreditListEntryListed } from '../../events/applications.js';
import type { Principal } from '../shared/auth.js';
import { inForce } from '../shared/credit-screen.js';
import { assertVersion, ForbiddenError } from '../shared/errors.js';
import { normalizeName } from '../shared/names.js';
import type { CreateCreditListEntry } from './schemas.js';

/** A credit list hit for the applicant (Art. 9). */
export interface CreditHit {
  readonly subject: 'organisation' | 'legal-representative';
  readonly list: 'dishonest-judgment-debtor' | 'major-tax-violation' | 'serious-violation';
  readonly source: string;
  readonly entryId: string;
}

const LIST_LABELS: Record<CreditHit['list'], { zh: string; en: string }> = {
  'dishonest-judgment-debtor': { zh: '失信被执行人名单', en: 'the dishonest judgment debtors list' },
  'major-tax-violation': { zh: '重大税收违法案件当事人名单', en: 'the major tax violation cases list' },
  'serious-violation': { zh: '严重违法失信记录', en: 'the serious violation records' },
};

/** Business statuses that are not "good standing" (Art. 9.1: 经营状况良好): 吊销 and 注销. */
const NOT_IN_GOOD_STANDING: Readonly<Record<string, { zh: string; en: string }>> = {
  revoked: { zh: '吊销', en: 'revoked' },
  cancelled: { zh: '注销', en: 'cancelled' },
};

/**
 * Art. 9: automatic screening before any person sees the application — a business licence revoked or
 * cancelled (Art. 9.1), then the credit list (Art. 9.2-9.3).
 */
export const screen = (
  hits: readonly CreditHit[],
  businessStatus?: string,
): { passed: true } | { passed: false; reason: string } => {
  const status = businessStatus ? NOT_IN_GOOD_STANDING[businessStatus] : undefined;
  if (status) {
    return {
      passed: false,
      reason: `申请单位营业执照已${status.zh}，不符合依法设立、经营状况良好的条件。The organisation's business licence is ${status.en}: it is not a company in good standing — Art. 9.1.`,
    };
  }
  const hit = hits[0];
  if (!hit) return { passed: true };
  const who =
    hit.subject === 'organisation'
      ? { zh: '申请单位', en: 'The organisation' }
      : { zh: '法定代表人', en: 'The legal representative' };
  const list = LIST_LABELS[hit.list];
  return {
    passed: false,
    reason: `${who.zh}列入${list.zh}（来源：${hit.source}）。${who.en} is on ${list.en} (source: ${hit.source}) — Art. 9.`,
  };
};

export type CreditListKind = CreditHit['list'];

export interface CreditListEntry {
  readonly id: string;
  readonly subjectType: 'organisation' | 'legal-representative';
  readonly creditCode?: string;
  readonly personKey?: string;
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
  e: Pick<CreditListEntry, 'subjectType' | 'creditCode' | 'personKey' | 'name'>,
): string => {
  if (e.subjectType === 'organisation') return `ORG#${e.creditCode ?? ''}`;
  if (e.personKey) return `PERSON#${e.personKey}`;
  return `NAME#${normalizeName(e.name ?? '')}`;
};

/** Keys an applicant is looked up by: its organisation, its legal representative's number and name. */
export const applicantKeys = (
  creditCode: string,
  legalRep: { personKey: string; name: string },
): string[] => [`ORG#${creditCode}`, `PERSON#${legalRep.personKey}`, `NAME#${normalizeName(legalRep.name)}`];

/** Listed and not removed at `now`. */
export { inForce };

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
    'subjectType' | 'creditCode' | 'personKey' | 'name' | 'list' | 'source' | 'listedAt'
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

/**
 * A new entry. `personKey`: the HMAC lookup key of `body.idNumber` (the caller computes it with the
 * platform's person key; the number itself is never stored).
 */
export const newEntry = (
  body: CreateCreditListEntry,
  p: Principal,
  now: Date,
  personKey?: string,
): CreditListEntry => {
  assertAuthority(p);
  const at = now.toISOString();
  const fields = {
    subjectType: body.subjectType,
    ...(body.subjectType === 'organisation' && body.creditCode ? { creditCode: body.creditCode } : {}),
    ...(body.subjectType === 'legal-representative' && personKey ? { personKey } : {}),
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

/**
 * Art. 9 after screening: an organisation entry in force is announced on the bus, so the running grants
 * of that operator are flagged for the authority's review (functions/grants/credit-events.ts).
 */
export const listingEvents = (e: CreditListEntry, now: Date) =>
  e.subjectType === 'organisation' && e.creditCode && inForce(e, now)
    ? [
        CreditListEntryListed.make({
          entryId: e.id,
          creditCode: e.creditCode,
          ...(e.name ? { name: e.name } : {}),
          list: e.list,
          source: e.source,
          listedAt: e.listedAt,
        }),
      ]
    : [];

/** An entry as the API shows it: never the person's lookup key (PIPL). */
export const creditView = (e: CreditListEntry, now: Date) => {
  const { personKey, ...rest } = e;
  return {
    ...rest,
    listedBy: personKey ? 'id-number' : e.subjectType === 'organisation' ? 'credit-code' : 'name',
    inForce: inForce(e, now),
  };
};
export const creditAudit = (e: CreditListEntry | undefined) =>
  e
    ? {
        subject: subjectKey(e).replace(/^PERSON#(.{8}).*/, 'PERSON#$1…'),
        list: e.list,
        removedAt: e.removedAt ?? null,
        version: e.version,
      }
    : null;
