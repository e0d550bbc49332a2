/**
 * Issue 7: the filters of role-restricted list routes, audited one by one. For every GET route of the
 * declaration whose query names an organisation or another organisation's record (`operator`, `org`,
 * `provider`, `grantId`, `productId`, …), every role allowed on it tries that filter naming ANOTHER
 * organisation (operator B and its grant, product, demand and incident). The answer is a 4xx (never
 * 500), or a list holding only records the caller may see: its own organisation's, never operator B's.
 * Every GET route under a path parameter is then read with operator B's record of that kind: refused,
 * or (for a party of the record) answered without leaking it to anyone else.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTE_TABLES } from '../../functions/meta/route-tables.js';
import { allowedRoles } from '../../functions/shared/auth.js';
import { type Role, type RouteDecl, routes } from '../../infra/system.js';
import { approvedEntry, as, type Caller, type Platform, startPlatform } from '../support/platform.js';
import { grantWithEntitlements, productBody } from './products-fixtures.js';

let p: Platform;
/** Operator B's records, one of each kind a list or a path parameter can name. */
const other = { grant: '', product: '', demand: '', incident: '' };
beforeAll(async () => {
  p = await startPlatform();
  const entry = await approvedEntry(p, as.transport, { title: '公交刷卡数据' });
  const b = await grantWithEntitlements(p, [entry], as.operatorB);
  other.grant = b.grantId;
  const product = await p.post('/products', as.operatorB, productBody(b.grantId, b.entitlementIds));
  expect(product.status, JSON.stringify(product.body)).toBe(201);
  other.product = String(product.body.id);
  const demands = await p.get<{ items: { id: string }[] }>('/demands', as.operatorB);
  other.demand = demands.body.items[0]?.id ?? '';
  const incident = await p.post('/incidents', as.operatorB, {
    kind: 'leak',
    severity: 'low',
    occurredAt: '2026-01-01T08:00:00+08:00',
    affectedEntries: [entry],
    description: '测试环境导出文件外泄',
    measures: '已吊销相关账号',
  });
  expect(incident.status, JSON.stringify(incident.body)).toBe(201);
  other.incident = String(incident.body.id);
  expect(other.demand).not.toBe('');
  await p.rt.settle();
}, 180_000);
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
  grantId: () => other.grant,
  productId: () => other.product,
  subjectId: () => other.demand,
  resource: () => other.grant,
};

/** Operator B's record for a path parameter, by the route's first path segment. */
const FOREIGN_RECORD: Record<string, () => string> = {
  grants: () => other.grant,
  products: () => other.product,
  demands: () => other.demand,
  incidents: () => other.incident,
};
/** Path routes whose record is not an organisation's secret: the registry's names and the expert pool. */
const READABLE_BY_ALL = new Set(['/organisations/{code}', '/experts/{userId}']);

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

const pathRoutes = (routes as readonly RouteDecl[]).flatMap((r) => {
  const roles = allowedRoles(r.auth);
  const record = FOREIGN_RECORD[r.path.split('/')[1] ?? ''];
  if (r.method !== 'GET' || !roles || !r.path.includes('{') || READABLE_BY_ALL.has(r.path) || !record)
    return [];
  return roles.map((role) => ({ key: `${r.method} ${r.path}`, path: r.path, record, role }));
});

/** Does a record name operator B (or one of its records) in any field? */
const namesOther = (v: unknown): boolean =>
  typeof v === 'string'
    ? v === as.operatorB.org || Object.values(other).includes(v)
    : Array.isArray(v)
      ? v.some(namesOther)
      : v !== null && typeof v === 'object'
        ? Object.values(v).some(namesOther)
        : false;

describe('role-restricted list filters naming another organisation (issue 7)', () => {
  it('covers the organisation filters of the declaration', () => {
    expect(new Set(filterRoutes.map((c) => c.path)).size).toBeGreaterThanOrEqual(4);
    const params = new Set(filterRoutes.map((c) => c.param));
    for (const named of ['productId', 'subjectId', 'grantId', 'operator', 'org'])
      expect(params, named).toContain(named);
    expect(new Set(pathRoutes.map((c) => c.path)).size).toBeGreaterThanOrEqual(5);
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

/** Roles that are a party of operator B's records here: none but the supervisors (B's grant was
 *  granted by the authority over the transport bureau's entry; hrss, the provider caller, is not its
 *  provider). */
describe('role-restricted reads of another organisation’s record by path (issue 7)', () => {
  it.each(pathRoutes)(
    '$key as $role: refused unless the caller supervises',
    async ({ path, record, role }) => {
      const res = await p.get(path.replace(/\{[^}]+\}/, record()), callerFor[role]);
      expect(res.status).toBeLessThan(500);
      if (SUPERVISORS.includes(role)) return;
      expect([400, 403, 404], `${role} read ${JSON.stringify(res.body).slice(0, 200)}`).toContain(res.status);
    },
  );
});

/** Every role-restricted list route read with no filter at all: a non-supervisor sees none of B's. */
const unfilteredRoutes = (routes as readonly RouteDecl[]).flatMap((r) => {
  const roles = allowedRoles(r.auth);
  if (r.method !== 'GET' || !roles || r.path.includes('{')) return [];
  return roles
    .filter((role) => !SUPERVISORS.includes(role))
    .map((role) => ({ key: `${r.method} ${r.path}`, path: r.path, role }));
});

describe('role-restricted lists read without a filter (issue 7)', () => {
  it.each(unfilteredRoutes)('$key as $role: nothing of operator B’s', async ({ path, role }) => {
    const res = await p.get<{ items?: unknown[] }>(path, callerFor[role]);
    expect(res.status).toBeLessThan(500);
    if (res.status !== 200) return;
    // An empty body (an export with nothing in it) names nobody.
    const items = Array.isArray(res.body?.items) ? res.body.items : [res.body];
    expect(items.filter(namesOther)).toEqual([]);
  });
});
