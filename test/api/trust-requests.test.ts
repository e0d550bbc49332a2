/**
 * Issue 7, kinds 3, 6 and 7 (the edge): nothing a request carries reaches DynamoDB unchecked —
 * cursors are the API's own, an Idempotency-Key is bound to one request even under concurrency, and
 * the gateway answers every request with the platform's error body.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTE_TABLES } from '../../functions/meta/route-tables.js';
import { allowedRoles } from '../../functions/shared/auth.js';
import { type Role, type RouteDecl, routes } from '../../infra/system.js';
import {
  approvedEntry,
  as,
  type Caller,
  catalogEntryBody,
  type Platform,
  startPlatform,
} from '../support/platform.js';

let p: Platform;
beforeAll(async () => {
  p = await startPlatform();
  await approvedEntry(p, as.transport, { title: '公交线路' });
  await approvedEntry(p, as.transport, { title: '出租车轨迹' });
  await approvedEntry(p, as.police, { title: '户籍人口统计', domain: 'credit' });
});
afterAll(() => p.stop());

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

/** A caller holding `role` in an organisation that may hold it. */
const callerFor: Record<Role, Caller> = {
  authority: as.authority,
  provider: as.transport,
  operator: as.operatorA,
  expert: as.expert(1),
  government: as.government,
  regulator: as.regulator,
  consumer: as.logistics,
  admin: as.admin,
};

/** Every GET route of the declaration whose query takes a cursor, with every kind of caller it has. */
const listRoutes = (routes as readonly RouteDecl[]).filter((r) => {
  const query = ROUTE_TABLES[r.function]?.[r.operationId]?.query as
    | { shape?: Record<string, unknown> }
    | undefined;
  return r.method === 'GET' && query?.shape !== undefined && 'cursor' in query.shape;
});
const cases = listRoutes.flatMap((r) => {
  const roles = allowedRoles(r.auth);
  const callers: [string, Caller | null][] = roles
    ? roles.map((role) => [role, callerFor[role]])
    : [
        ['anonymous', null],
        ...(r.auth === 'optional'
          ? (['authority', 'provider', 'operator'] as const).map(
              (role) => [role, callerFor[role]] as [string, Caller],
            )
          : []),
      ];
  return callers.map(([who, caller]) => ({ key: `${r.method} ${r.path}`, path: r.path, who, caller }));
});

describe('pagination cursors (kind 3)', () => {
  it('covers the list routes of the declaration', () => {
    expect(listRoutes.length).toBeGreaterThanOrEqual(10);
  });

  it('answers the issue example with 400, not 500', async () => {
    const forged = b64({ pk: 'GRANT#gr_x', sk: 'GRANT', listing: 'other', listingSort: 'x' });
    const res = await p.get(`/public/grants?cursor=${forged}`);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      error: { code: 'validation_failed', details: [{ path: 'query.cursor' }] },
    });
  });

  it.each(cases)('$key as $who: a forged cursor is 400', async ({ path, who, caller }) => {
    const forged = b64({ pk: 'X#x', sk: 'X', listing: 'other', listingSort: 'x', p: 0 });
    // Variants: filters some routes require of some callers (a product, a month) or offer them.
    const variants = [
      '',
      '&scope=mine',
      '&all=true',
      '&status=approved',
      '&productId=pr_x',
      '&month=2027-01',
    ];
    let reached = 0;
    for (const extra of variants) {
      const res = await p.get(`${path}?cursor=${forged}${extra}`, caller);
      if (res.status === 400 && JSON.stringify(res.body).includes('query.cursor')) {
        reached++;
        continue;
      }
      // A filter this caller may not use, a required one missing or naming no record (403/400/404):
      // the cursor was not reached by this variant. Anything else (a 200 or a 500) is a failure.
      if ([400, 403, 404].includes(res.status) && !JSON.stringify(res.body).includes('query.cursor'))
        continue;
      expect.fail(`${path}${extra} answered ${res.status} ${JSON.stringify(res.body)}`);
    }
    // At least one variant reached the cursor and was refused for it — but for the authority's and
    // regulators' subscription list, which needs an existing product (404 before any cursor is read).
    if (!(path === '/subscriptions' && (who === 'authority' || who === 'regulator')))
      expect(reached).toBeGreaterThan(0);
  });

  it('a cursor issued for one query is refused by another, and accepted by its own', async () => {
    const first = await p.get<{ items: { id: string }[]; nextCursor: string }>('/catalog?limit=1');
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const same = await p.get<{ items: { id: string }[] }>(`/catalog?limit=1&cursor=${first.body.nextCursor}`);
    const other = await p.get(`/catalog?limit=1&domain=transport&cursor=${first.body.nextCursor}`);
    const mine = await p.get(`/catalog?limit=1&scope=mine&cursor=${first.body.nextCursor}`, as.transport);
    expect(same.status).toBe(200);
    expect(same.body.items[0]?.id).not.toBe(first.body.items[0]?.id);
    expect(other.status).toBe(400);
    expect(mine.status).toBe(400);
    // Edited by one character: refused.
    const c = first.body.nextCursor;
    const edited = `${c.slice(0, -1)}${c.endsWith('A') ? 'B' : 'A'}`;
    expect((await p.get(`/catalog?limit=1&cursor=${edited}`)).status).toBe(400);
  });
});

describe('Idempotency-Key under concurrency (kind 6)', () => {
  it('twenty parallel creates with one key and different bodies: one record, the rest 409', async () => {
    const key = `idem-${Date.now()}`;
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        p.post<{ id: string; working: { title: string }; error?: { code: string } }>(
          '/catalog',
          as.hrss,
          catalogEntryBody({ title: `并发条目 ${i}` }),
          { 'idempotency-key': key },
        ),
      ),
    );
    const created = results.filter((r) => r.status === 201);
    const ids = new Set(created.map((r) => r.body.id));
    expect(ids.size).toBe(1);
    // Every 201 carries the record of its own body; every other answer says the key was reused.
    results.forEach((r, i) => {
      if (r.status === 201) expect(r.body.working.title).toBe(`并发条目 ${i}`);
      else expect(r.body.error?.code).toBe('idempotency_key_reused');
    });
    expect(created).toHaveLength(1);
    const mine = await p.get<{ items: { working: { title: string } }[] }>(
      '/catalog?scope=mine&limit=100',
      as.hrss,
    );
    expect(mine.body.items.filter((e) => e.working.title.startsWith('并发条目'))).toHaveLength(1);
    // A later replay with another body is refused too.
    const late = await p.post('/catalog', as.hrss, catalogEntryBody({ title: '另一个' }), {
      'idempotency-key': key,
    });
    expect(late.status).toBe(409);
  });

  it('twenty parallel retries of the same create all get the first reply', async () => {
    const key = `same-${Date.now()}`;
    const body = catalogEntryBody({ title: '同一请求' });
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        p.post<{ id: string }>('/catalog', as.health, body, { 'idempotency-key': key }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(201));
    expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
    expect(results.filter((r) => r.headers.get('idempotent-replayed') === 'true')).toHaveLength(19);
  });
});

describe('the gateway answers with the platform error body (kind 7)', () => {
  it('an unmatched route', async () => {
    for (const [method, path] of [
      ['GET', '/nothing-here'],
      ['DELETE', '/catalog'],
      ['POST', '/public/grants'],
    ] as const) {
      const res = await p.request(method, path, null);
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.body).toMatchObject({ error: { code: 'not_found', message: expect.any(String) } });
    }
  });

  it('an undecodable query is 400 with a body', async () => {
    for (const q of ['status=%E0%A4%A', 'q=%zz', '%ff=1']) {
      const res = await fetch(`${p.url}/catalog?${q}`);
      expect(res.status, q).toBe(400);
      expect(await res.json()).toMatchObject({ error: { code: 'validation_failed' } });
    }
  });

  it('an oversized request line is 431 with a body, not a bare status line', async () => {
    const res = await fetch(`${p.url}/catalog?q=${encodeURIComponent('公'.repeat(5000))}`);
    expect(res.status).toBe(431);
    expect(await res.json()).toMatchObject({ error: { code: 'request_header_fields_too_large' } });
  });

  it('authenticates before reading a body and stops reading at the size limit', async () => {
    const big = 'x'.repeat(2 * 1024 * 1024);
    const anonymous = await fetch(`${p.url}/catalog`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title: big }),
    }).catch((e: Error) => e);
    // Refused on the token alone (the connection may be closed before the upload finished).
    if (!(anonymous instanceof Error)) expect(anonymous.status).toBe(401);

    const token = await p.rt.token('provider', as.transport.org, 'transport-1');
    const declared = await fetch(`${p.url}/catalog`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ title: big }),
    }).catch((e: Error) => e);
    if (!(declared instanceof Error)) {
      expect(declared.status).toBe(413);
      expect(await declared.json()).toMatchObject({ error: { code: 'payload_too_large' } });
    }

    // Streamed without a length: cut off once past the limit.
    const chunk = new TextEncoder().encode('x'.repeat(64 * 1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        sent += chunk.length;
        if (sent > 8 * 1024 * 1024) controller.close();
        else controller.enqueue(chunk);
      },
    });
    const streamed = await fetch(`${p.url}/catalog`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: stream,
      duplex: 'half',
    } as RequestInit).catch((e: Error) => e);
    if (!(streamed instanceof Error)) expect(streamed.status).toBe(413);
    expect(sent).toBeLessThan(8 * 1024 * 1024);
  });
});

describe('the API says what it does (kind 7)', () => {
  it('OpenAPI documents creates as 201 and every error response with the error schema', async () => {
    const doc = await p.get<{
      paths: Record<
        string,
        Record<string, { operationId: string; responses: Record<string, { content?: unknown }> }>
      >;
    }>('/openapi.json');
    const ops = Object.values(doc.body.paths).flatMap((byMethod) => Object.values(byMethod));
    expect(ops).toHaveLength((routes as readonly RouteDecl[]).length);
    for (const op of ops) {
      const handler = Object.values(ROUTE_TABLES)
        .map((t) => t?.[op.operationId])
        .find(Boolean);
      const creates = !!(handler?.idempotent || handler?.created);
      expect(Object.keys(op.responses), op.operationId).toContain(creates ? '201' : '200');
      expect(Object.keys(op.responses), op.operationId).not.toContain(creates ? '200' : '201');
      for (const [status, r] of Object.entries(op.responses).filter(([s]) => Number(s) >= 400)) {
        expect(r.content, `${op.operationId} ${status}`).toEqual({
          'application/json': { schema: { $ref: '#/components/schemas/Error' } },
        });
      }
    }
    for (const id of ['createCatalogEntry', 'createDemand', 'submitApplication', 'createGovernanceRequest']) {
      const op = ops.find((o) => o.operationId === id);
      expect(Object.keys(op?.responses ?? {}), id).toContain('201');
    }
  });

  it('refuses a filter the caller may not use instead of ignoring it', async () => {
    const anonymousDraft = await p.get('/catalog?status=draft');
    const operatorDraft = await p.get('/catalog?status=submitted', as.operatorA);
    const providerPublicDraft = await p.get('/catalog?status=draft', as.transport);
    const providerMine = await p.get('/catalog?status=draft&scope=mine', as.transport);
    const authorityDraft = await p.get('/catalog?status=draft', as.authority);
    const draftAnnouncements = await p.get('/announcements?status=draft');
    const authorityAnnouncements = await p.get('/announcements?status=draft', as.authority);
    expect(anonymousDraft.status).toBe(400);
    expect(anonymousDraft.body).toMatchObject({ error: { details: [{ path: 'query.status' }] } });
    expect(operatorDraft.status).toBe(400);
    expect(providerPublicDraft.status).toBe(400);
    expect(providerMine.status).toBe(200);
    expect(authorityDraft.status).toBe(200);
    expect(draftAnnouncements.status).toBe(403);
    expect(authorityAnnouncements.status).toBe(200);
  });
});
