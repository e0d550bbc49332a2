/**
 * The organisation registry as every function's edge reads it (Art. 6, 18): which organisation a
 * credit code is, and which roles it may act in. The registry is kept by the authority (the
 * `organisations` duty writes it); every function is granted read access through the declaration
 * (infra/system.ts), and this reader caches answers per warm container for a short time.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Role } from '../../infra/system.js';
import type { Principal } from './auth.js';
import { type Deps, tableName } from './deps.js';
import { ForbiddenError } from './errors.js';
import { batchGetAll } from './query.js';

export const ORGANISATION_KINDS = [
  'authority',
  'provider',
  'operator',
  'government',
  'regulator',
  'expert-body',
  'consumer',
] as const;
export type OrganisationKind = (typeof ORGANISATION_KINDS)[number];

/** The principal responsible person (主要负责人), first responsible for data security (Art. 18). */
export interface ResponsiblePerson {
  readonly name: string;
  readonly title?: string;
  readonly phone?: string;
}

export interface Organisation {
  readonly code: string;
  readonly name: string;
  readonly kind: OrganisationKind;
  readonly principal: ResponsiblePerson;
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly createdBy: string;
  readonly createdByOrg: string;
}

/**
 * The organisation kinds each role is honoured for. The authority, government and regulator roles
 * only for those organisations; a provider only for a provider; `admin` (platform operations) only for
 * the authority that runs the platform. The authority may also act as a provider of its own data.
 */
export const ROLE_KINDS: Readonly<Record<Role, readonly OrganisationKind[]>> = {
  authority: ['authority'],
  // The authority's own organisation also provides data (its catalog entries are reviewed by another
  // of its users: four eyes, functions/catalog/domain.ts).
  provider: ['provider', 'authority'],
  operator: ['operator'],
  expert: ['expert-body'],
  government: ['government'],
  regulator: ['regulator'],
  consumer: ['consumer'],
  admin: ['authority'],
};

/**
 * Roles honoured for an organisation the registry does not know yet: operators are registered when
 * they first apply (their application carries what the registry needs, Art. 9), consumers when they
 * first ask. Every other role needs a registered organisation of its kind.
 */
export const SELF_REGISTERING: readonly Role[] = ['operator', 'consumer'];

/** Keys of the registry items (the organisations table also holds the expert pool). */
export const orgKey = (code: string) => ({ pk: `ORG#${code}`, sk: 'ORG' });

/** The stored item of a registry entry (`itemType` + `listSort` index the listing). */
export const organisationItem = (o: Organisation) => ({
  ...orgKey(o.code),
  itemType: 'organisation',
  listSort: o.code,
  ...o,
});

/**
 * An operator registered by its first application (Art. 9, 18: the application carries its name and
 * its principal responsible person).
 */
export const operatorFromApplication = (
  body: { creditCode: string; organisationName: string; principal: ResponsiblePerson },
  p: Pick<Principal, 'userId' | 'org'>,
  now: Date,
): Organisation => {
  const at = now.toISOString();
  return {
    code: body.creditCode,
    name: body.organisationName,
    kind: 'operator',
    principal: body.principal,
    version: 1,
    createdAt: at,
    updatedAt: at,
    createdBy: p.userId,
    createdByOrg: p.org,
  };
};

export const organisationFromItem = (i: Record<string, unknown>): Organisation => {
  const { pk: _p, sk: _s, itemType: _t, listSort: _l, ...o } = i;
  return o as unknown as Organisation;
};

const TTL_MS = 60_000;
const cache = new Map<string, { at: number; org: Organisation | undefined }>();

/** Forgets cached answers (after the registry changed in this container). */
export const forgetOrganisation = (code?: string): void => {
  if (!code) cache.clear();
  else for (const k of cache.keys()) if (k.endsWith(`#${code}`)) cache.delete(k);
};

/** The registry entry of `code`, cached for a minute per warm container (`fresh`: bypass the cache). */
export const readOrganisation = async (
  deps: Pick<Deps, 'db' | 'tables'>,
  code: string,
  opts: { fresh?: boolean; nowMs?: number } = {},
): Promise<Organisation | undefined> => {
  const table = tableName(deps, 'organisations');
  const key = `${table}#${code}`;
  const nowMs = opts.nowMs ?? Date.now();
  const hit = cache.get(key);
  if (!opts.fresh && hit && nowMs - hit.at < TTL_MS) return hit.org;
  const out = await deps.db.send(new GetCommand({ TableName: table, Key: orgKey(code) }));
  const org = out.Item ? organisationFromItem(out.Item) : undefined;
  cache.set(key, { at: nowMs, org });
  return org;
};

/**
 * The registry entries of many organisations in one BatchGet (100 keys a request), for a response
 * that names several (record histories, Art. 18). Cached answers are reused; the rest are cached.
 */
export const readOrganisationsBatch = async (
  deps: Pick<Deps, 'db' | 'tables'>,
  codes: readonly string[],
  opts: { nowMs?: number } = {},
): Promise<Map<string, Organisation | undefined>> => {
  const table = tableName(deps, 'organisations');
  const nowMs = opts.nowMs ?? Date.now();
  const out = new Map<string, Organisation | undefined>();
  const missing: string[] = [];
  for (const code of new Set(codes)) {
    const hit = cache.get(`${table}#${code}`);
    if (hit && nowMs - hit.at < TTL_MS) out.set(code, hit.org);
    else missing.push(code);
  }
  if (missing.length) {
    const items = await batchGetAll(deps, table, missing.map(orgKey));
    const byCode = new Map(items.map((i) => [String(i.code), organisationFromItem(i)]));
    for (const code of missing) {
      const org = byCode.get(code);
      cache.set(`${table}#${code}`, { at: nowMs, org });
      out.set(code, org);
    }
  }
  return out;
};

/**
 * The kind the platform knows an organisation as: the configured authority (the registry's root,
 * env AUTHORITY_ORG) is always `authority`; any other organisation is what the registry says, or
 * undefined when unregistered.
 */
export const kindOf = (org: Organisation | undefined, code: string, authorityOrg: string) =>
  code === authorityOrg ? 'authority' : org?.kind;

/**
 * Art. 6, 18: a role counts only for an organisation entitled to it. Throws 403 otherwise.
 */
export const assertRoleForOrganisation = (
  p: Pick<Principal, 'role' | 'org'>,
  kind: OrganisationKind | undefined,
): void => {
  if (kind === undefined) {
    if (SELF_REGISTERING.includes(p.role)) return;
    throw new ForbiddenError(
      `Organisation ${p.org} is not in the platform's organisation registry; the role ${p.role} needs a registered organisation`,
    );
  }
  if (!ROLE_KINDS[p.role].includes(kind)) {
    throw new ForbiddenError(`The role ${p.role} is not honoured for organisation ${p.org} (a ${kind})`);
  }
};
