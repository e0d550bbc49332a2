/**
 * What the portal relies on at the HTTP edge (issue 12): cache headers (anonymous public reads may be
 * cached briefly, anything signed in never), the API under /api on the same origin, and the local
 * sign-in route that signs a demo person's token (local runtime only, no admin needed).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ORGS } from '../../infra/local/orgs.js';
import { type Platform, startPlatform } from '../support/platform.js';

let p: Platform;
beforeAll(async () => {
  p = await startPlatform();
});
afterAll(() => p.stop());

const provider = { role: 'provider' as const, org: DEMO_ORGS.transport.code };

describe('cache headers', () => {
  it('lets anonymous reads of public and optional-auth routes be cached for 30 s', async () => {
    for (const path of ['/catalog', '/announcements', '/meta/domains', '/catalog?domain=transport']) {
      const res = await p.get(path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('cache-control'), path).toBe('public, max-age=30');
    }
    // A route may set its own public lifetime (the operators' disclosure: a minute).
    expect((await p.get('/public/grants')).headers.get('cache-control')).toMatch(/^public, max-age=\d+$/);
  });

  it('never lets a signed-in read, a change or an error be stored', async () => {
    const mine = await p.get('/catalog?scope=mine', provider);
    expect(mine.status).toBe(200);
    expect(mine.headers.get('cache-control')).toBe('private, no-store');
    const optionalWithToken = await p.get('/catalog', provider);
    expect(optionalWithToken.headers.get('cache-control')).toBe('private, no-store');
    const refused = await p.post('/catalog', provider, { title: '' });
    expect(refused.status).toBe(400);
    expect(refused.headers.get('cache-control')).toBe('private, no-store');
    const badQuery = await p.get('/catalog?domain=nowhere');
    expect(badQuery.status).toBe(400);
    expect(badQuery.headers.get('cache-control')).toBe('private, no-store');
  });
});

describe('the portal’s origin', () => {
  it('serves the API under /api as at its own paths', async () => {
    const direct = await p.get<{ items: unknown[] }>('/meta/domains');
    const prefixed = await p.get<{ items: unknown[] }>('/api/meta/domains');
    expect(prefixed.status).toBe(200);
    expect(prefixed.body).toEqual(direct.body);
  });

  it('signs a token for a demo person only, which the API then accepts with that role and organisation', async () => {
    const users = await p.get<{ items: { id: string; role: string; org: string }[] }>(
      '/api/_local/demo-users',
    );
    const cataloguer = users.body.items.find(
      (u) => u.role === 'provider' && u.org === DEMO_ORGS.transport.code,
    );
    expect(cataloguer).toBeDefined();
    const signed = await p.request<{ token: string }>('POST', '/api/_local/token', null, {
      user: cataloguer!.id,
    });
    expect(signed.status).toBe(200);
    const mine = await fetch(`${p.url}/api/catalog?scope=mine`, {
      headers: { authorization: `Bearer ${signed.body.token}` },
    });
    expect(mine.status).toBe(200);
    const denied = await fetch(`${p.url}/api/credit-list`, {
      headers: { authorization: `Bearer ${signed.body.token}` },
    });
    expect(denied.status).toBe(403);
    const unknown = await p.request('POST', '/api/_local/token', null, {
      user: 'someone-else',
      role: 'admin',
    });
    expect(unknown.status).toBe(400);
  });
});
