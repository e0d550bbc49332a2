import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withCheckChar } from '../../functions/shared/credit-code.js';
import { TASK_KINDS } from '../../functions/tasks/kinds.js';
import { DEMO_EXPERTS, DEMO_ORGS } from '../../infra/local/orgs.js';
import { type Role, routes } from '../../infra/system.js';
import { approvedEntry, as, auditOf, type Platform, startPlatform } from '../support/platform.js';
import { applicationBody } from '../support/selection.js';
import { activeGrant } from './grants-fixtures.js';

/**
 * Issue 7, kind 1 (Art. 6, 18): every request's organisation is a valid unified social credit code,
 * and a role counts only for a registered organisation of the matching kind — at the edge, for every
 * role-restricted route of every duty.
 */

let p: Platform;
beforeAll(async () => {
  p = await startPlatform();
});
afterAll(() => p?.stop());

/** A registered organisation of a kind that must NOT be honoured for `role`. */
const FOREIGN: Record<Role, string> = {
  authority: DEMO_ORGS.operatorA.code,
  provider: DEMO_ORGS.operatorA.code,
  operator: DEMO_ORGS.police.code,
  expert: DEMO_ORGS.operatorB.code,
  government: DEMO_ORGS.operatorA.code,
  regulator: DEMO_ORGS.transport.code,
  consumer: DEMO_ORGS.police.code,
  admin: DEMO_ORGS.operatorA.code,
};

const restricted = routes.filter(
  (r): r is typeof r & { auth: readonly Role[] } => typeof r.auth !== 'string',
);
const pathOf = (path: string) => path.replace(/\{[^}]+\}/g, 'x0000000000000');

const call = async (method: string, path: string, token: string) => {
  const res = await fetch(`${p.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(method === 'GET' ? {} : { body: '{}' }),
  });
  return res.status;
};

describe('every role-restricted route binds the role to the organisation', () => {
  it.each(restricted.map((r) => [`${r.method} ${r.path}`, r] as const))(
    '%s: a foreign organisation gets 403, a missing or malformed one 401',
    async (_name, r) => {
      for (const role of r.auth) {
        const foreign = await p.rt.token(role, FOREIGN[role], `${role}-foreign`);
        expect(await call(r.method, pathOf(r.path), foreign), `${role} for ${FOREIGN[role]}`).toBe(403);
      }
      const role = r.auth[0] as Role;
      for (const org of [undefined, '', 'X', '11420300MB1A00002', withCheckChar('11990300MB1A00001')]) {
        const token = await p.rt.issuer.token({ roles: [role], org: org as string, sub: 'who' });
        expect(await call(r.method, pathOf(r.path), token), `org ${String(org)}`).toBe(401);
      }
    },
  );

  it('an unregistered organisation is honoured only for the self-registering roles', async () => {
    const stranger = withCheckChar('11420300MB1A00099');
    const asAuthority = await p.rt.token('authority', stranger, 'who');
    expect(await call('GET', '/organisations', asAuthority)).toBe(403);
    const asOperator = await p.rt.token('operator', stranger, 'who');
    expect(await call('GET', '/applications', asOperator)).toBe(200);
  });
});

describe('the issue’s examples', () => {
  it('POST /catalog with a token whose custom:org is missing or empty is 401, never 500', async () => {
    for (const org of [undefined, '']) {
      const token = await p.rt.issuer.token({ roles: ['provider'], org: org as string, sub: 'prov' });
      expect(await call('POST', '/catalog', token)).toBe(401);
    }
  });

  it('an authority token for an operator’s organisation cannot terminate another operator’s grant', async () => {
    const entry = await approvedEntry(p, as.transport);
    const grant = await activeGrant(p, { scope: [entry], operator: as.operatorB });
    const forged = { role: 'authority', org: DEMO_ORGS.operatorA.code, sub: 'op-a-1' } as const;
    const res = await p.post(`/grants/${grant.id}/terminate`, forged, { reason: '恶意终止' });
    expect(res.status).toBe(403);
    expect((await p.get<{ status: string }>(`/grants/${grant.id}`, as.operatorB)).body.status).toBe('active');
  });
});

describe('the registry (kept by the authority)', () => {
  it('lists the demo organisations with kinds and principal responsible persons', async () => {
    const list = await p.get<{ items: { code: string; kind: string; principal: { name: string } }[] }>(
      '/organisations?limit=100',
      as.authority,
    );
    expect(list.status).toBe(200);
    expect(list.body.items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ code: DEMO_ORGS.police.code, kind: 'provider' }),
        expect.objectContaining({ code: DEMO_ORGS.experts.code, kind: 'expert-body' }),
      ]),
    );
    expect(list.body.items.every((o) => o.principal.name.length > 0)).toBe(true);
    expect((await p.get('/organisations', as.regulator)).status).toBe(200);
    expect((await p.get('/organisations', as.police)).status).toBe(403);
  });

  it('each organisation reads its own entry only', async () => {
    expect((await p.get(`/organisations/${DEMO_ORGS.police.code}`, as.police)).status).toBe(200);
    expect((await p.get(`/organisations/${DEMO_ORGS.transport.code}`, as.police)).status).toBe(403);
  });

  it('only the authority registers; bad codes are 400; a new kind takes effect at the edge', async () => {
    const code = withCheckChar('11420300MB1A00077');
    const body = { code, name: '十堰市统计局', kind: 'provider', principal: { name: '钱一' } };
    expect((await p.post('/organisations', as.police, body)).status).toBe(403);
    expect(
      (await p.post('/organisations', as.authority, { ...body, code: '11420300MB1A00077' })).status,
    ).toBe(400);
    const created = await p.post('/organisations', as.authority, body);
    expect(created.status).toBe(201);
    expect(await auditOf(p, `organisation/${code}`)).toHaveLength(1);
    const provider = { role: 'provider', org: code, sub: 'stats-1' } as const;
    expect((await p.get('/catalog?scope=mine', provider)).status).toBe(200);
    const changed = await p.patch(`/organisations/${code}`, as.authority, { kind: 'regulator', version: 1 });
    expect(changed.status).toBe(200);
    expect((await p.get('/catalog?scope=mine', provider)).status).toBe(403);
  });

  it('registers an operator with its first application', async () => {
    const code = withCheckChar('91420300MA4A0000Q');
    const op = { role: 'operator', org: code, sub: 'q-1' } as const;
    const entry = await approvedEntry(p, as.transport);
    const an = await p.post('/announcements', as.authority, {
      year: 2026,
      title: '公告',
      mode: 'comprehensive',
      scope: [entry],
      conditions: { text: '条件', requiredDocuments: [] },
      window: {
        opensAt: new Date(p.rt.clock.now().getTime() - 86_400_000).toISOString(),
        closesAt: new Date(p.rt.clock.now().getTime() + 30 * 86_400_000).toISOString(),
      },
      governmentOrg: DEMO_ORGS.government.code,
    });
    await p.post(`/announcements/${String(an.body.id)}/publish`, as.authority, {});
    const applied = await p.post('/applications', op, {
      ...applicationBody(op, { organisationName: '十堰新数科技有限公司' }),
      announcementId: an.body.id,
    });
    expect(applied.status).toBe(201);
    const registered = await p.get<{ kind: string; name: string; principal: { name: string } }>(
      `/organisations/${code}`,
      as.authority,
    );
    expect(registered.body).toMatchObject({
      kind: 'operator',
      name: '十堰新数科技有限公司',
      principal: { name: '李四' },
    });
  });

  it('keeps the expert pool: the authority adds, regulators read, experts see their own entry', async () => {
    const list = await p.get<{ items: { userId: string }[] }>('/experts', as.regulator);
    expect(list.body.items.map((e) => e.userId).sort()).toEqual(DEMO_EXPERTS.map((e) => e.userId).sort());
    expect((await p.get('/experts/expert-1', as.expert(1))).status).toBe(200);
    expect((await p.get('/experts/expert-2', as.expert(1))).status).toBe(404);
    // A domain-mode panel is organised by the granting provider: it draws from the pool too.
    expect((await p.get('/experts', as.transport)).status).toBe(200);
    expect((await p.get('/experts', as.operatorA)).status).toBe(403);
    expect((await p.get('/experts', as.expert(1))).status).toBe(403);
    const bad = await p.post('/experts', as.authority, {
      userId: 'e-9',
      name: '某',
      org: 'X',
      fields: ['credit'],
    });
    expect(bad.status).toBe(400);
    expect((await p.post('/experts', as.police, { ...DEMO_EXPERTS[0], userId: 'e-9' })).status).toBe(403);
  });
});

describe('the OpenAPI document', () => {
  it('documents one decision schema per task kind for POST /tasks/{id}/decision', async () => {
    const doc = await p.get<{ paths: Record<string, Record<string, Record<string, unknown>>> }>(
      '/openapi.json',
    );
    const body = doc.body.paths['/tasks/{id}/decision']?.post?.requestBody as {
      content: { 'application/json': { schema: { anyOf?: { title: string }[] } } };
    };
    const titles = body.content['application/json'].schema.anyOf?.map((s) => s.title);
    expect(titles?.sort()).toEqual(Object.keys(TASK_KINDS).sort());
    expect(doc.body.paths['/organisations']?.post).toBeDefined();
  });
});
