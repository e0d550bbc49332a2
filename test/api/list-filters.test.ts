/**
 * Issue 7: the filters of role-restricted list routes, audited one by one. For every GET route of the
 * declaration whose query names an organisation or another organisation's record (`operator`, `org`,
 * `provider`, `grantId`, `productId`, …), every role allowed on it tries that filter naming ANOTHER
 * organisation (operator B and its grant). The answer is a 4xx (never 500), or a list holding only
 * records the caller may see: its own organisation's, never operator B's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTE_TABLES } from '../../functions/meta/route-tables.js';
import { allowedRoles } from '../../functions/shared/auth.js';
import { type Role, type RouteDecl, routes } from '../../infra/system.js';
import { approvedEntry, as, type Caller, type Platform, startPlatform } from '../support/platform.js';
import { activeGrant } from './grants-fixtures.js';

let p: Platform;
let otherGrant: string;
beforeAll(async () => {
  p = await startPlatform();
  const entry = await approvedEntry(p, as.transport, { title: '公交刷卡数据' });
  otherGrant = (await activeGrant(p, { scope: [entry], operator: as.operatorB })).id;
}, 120_000);
afterAll(() => p.stop());

/** A caller of each role; none of them is operator B. */
const callerFor: Record<Role, Caller> = {
  authority: as.authority,
  provider: as.hrss,
  operator: as.operatorA,
  expert: as.expert(1),
  government: as.government,
  regulator: as.regulator,
  consumer: as.logistics,
  admin: as.admin,
};
/** Roles that supervise the platform and see every organisation's records (Art. 15). */
const SUPERVISORS: readonly Role[] = ['authority', 'regulator', 'admin'];

/** Query parameters naming an organisation, or a record of one. */
const FOREIGN: Record<string, () => string> = {
  operator: () => as.operatorB.org,
  org: () => as.operatorB.org,
  provider: () => as.operatorB.org,
  grantor: () => as.operatorB.org,
  grantee: () => as.operatorB.org,
  consumer: () => as.operatorB.org,
  grantId: () => otherGrant,
};

const filterRoutes = (routes as readonly RouteDecl[]).flatMap((r) => {
  const query = ROUTE_TABLES[r.function]?.[r.operationId]?.query as
    | { shape?: Record<string, unknown> }
    | undefined;
  const roles = allowedRoles(r.auth);
  if (r.method !== 'GET' || !query?.shape || !roles || r.path.includes('{')) return [];
  const params = Object.keys(query.shape).filter((k) => k in FOREIGN);
  return params.flatMap((param) =>
    roles.map((role) => ({ key: `${r.method} ${r.path}?${param}=`, path: r.path, param, role })),
  );
});

/** Does a record name operator B (or its grant) in any field? */
const namesOther = (v: unknown): boolean =>
  typeof v === 'string'
    ? v === as.operatorB.org || v === otherGrant
    : Array.isArray(v)
      ? v.some(namesOther)
      : v !== null && typeof v === 'object'
        ? Object.values(v).some(namesOther)
        : false;

describe('role-restricted list filters naming another organisation (issue 7)', () => {
  it('covers the organisation filters of the declaration', () => {
    expect(new Set(filterRoutes.map((c) => c.path)).size).toBeGreaterThanOrEqual(4);
  });

  it.each(filterRoutes)(
    '$key as $role: refused or only what the caller may see',
    async ({ path, param, role }) => {
      const value = FOREIGN[param]?.() ?? '';
      const res = await p.get<{ items?: unknown[] }>(
        `${path}?${param}=${encodeURIComponent(value)}`,
        callerFor[role],
      );
      expect(res.status).toBeLessThan(500);
      if (res.status !== 200) {
        expect([400, 403, 404]).toContain(res.status);
        return;
      }
      if (SUPERVISORS.includes(role)) return;
      const items = Array.isArray(res.body.items) ? res.body.items : [res.body];
      expect(items.filter(namesOther)).toEqual([]);
    },
  );
});
