/**
 * The organisation registry and the expert pool (Art. 6, 10.3, 18) as plain rules: no AWS, no I/O.
 * Records and reads of the registry itself live in functions/shared/organisations.ts (every edge reads
 * it); the expert pool's record is here and in functions/shared/experts.ts.
 */
import type { Principal } from '../shared/auth.js';
import { assertVersion, ForbiddenError } from '../shared/errors.js';
import type { Expert } from '../shared/experts.js';
import type { Organisation } from '../shared/organisations.js';
import type { CreateExpert, CreateOrganisation, UpdateExpert, UpdateOrganisation } from './schemas.js';

const assertAuthority = (p: Principal): void => {
  if (p.role !== 'authority') throw new ForbiddenError('Only the public data authority keeps the registry');
};

export const newOrganisation = (body: CreateOrganisation, p: Principal, now: Date): Organisation => {
  assertAuthority(p);
  const at = now.toISOString();
  return {
    code: body.code,
    name: body.name,
    kind: body.kind,
    principal: body.principal,
    version: 1,
    createdAt: at,
    updatedAt: at,
    createdBy: p.userId,
    createdByOrg: p.org,
  };
};

export const updateOrganisation = (
  o: Organisation,
  body: UpdateOrganisation,
  p: Principal,
  authorityOrg: string,
  now: Date,
): Organisation => {
  assertAuthority(p);
  assertVersion(o, body.version);
  // The registry's root never changes kind: the authority cannot lock itself out.
  if (o.code === authorityOrg && body.kind && body.kind !== 'authority') {
    throw new ForbiddenError('The authority’s own organisation stays an authority');
  }
  return {
    ...o,
    ...(body.name ? { name: body.name } : {}),
    ...(body.kind ? { kind: body.kind } : {}),
    ...(body.principal ? { principal: body.principal } : {}),
    version: o.version + 1,
    updatedAt: now.toISOString(),
  };
};

/** The authority and regulators read every organisation; any other caller only its own. */
export const canSeeOrganisation = (code: string, p: Principal): boolean =>
  p.role === 'authority' || p.role === 'regulator' || p.org === code;

export const organisationView = (o: Organisation) => ({
  code: o.code,
  name: o.name,
  kind: o.kind,
  principal: o.principal,
  version: o.version,
  createdAt: o.createdAt,
  updatedAt: o.updatedAt,
});

export const newExpert = (body: CreateExpert, p: Principal, now: Date): Expert => {
  assertAuthority(p);
  const at = now.toISOString();
  return { ...body, active: true, version: 1, createdAt: at, updatedAt: at, createdBy: p.userId };
};

export const updateExpert = (e: Expert, body: UpdateExpert, p: Principal, now: Date): Expert => {
  assertAuthority(p);
  assertVersion(e, body.version);
  const { version: _v, ...patch } = body;
  return {
    ...e,
    ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)),
    version: e.version + 1,
    updatedAt: now.toISOString(),
  };
};

export const canSeeExpert = (e: Expert, p: Principal): boolean =>
  p.role === 'authority' || p.role === 'regulator' || (p.role === 'expert' && p.userId === e.userId);

export const expertView = (e: Expert) => ({
  userId: e.userId,
  name: e.name,
  org: e.org,
  fields: e.fields,
  active: e.active,
  version: e.version,
  createdAt: e.createdAt,
  updatedAt: e.updatedAt,
});
