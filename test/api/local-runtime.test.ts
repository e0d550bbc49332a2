import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, catalogEntryBody, type Platform, startPlatform } from '../support/platform.js';

let p: Platform;
beforeAll(async () => {
  p = await startPlatform();
});
afterAll(() => p.stop());

describe('local identity issuer and gateway', () => {
  it('rejects an expired token and a token signed by another key with 401', async () => {
    const expired = await p.rt.issuer.token({
      roles: ['provider'],
      org: as.transport.org,
      expiresIn: Math.floor(Date.now() / 1000) - 60,
    });
    const valid = await p.rt.token('provider', as.transport.org);
    const [header, payload] = valid.split('.');
    const forged = `${header}.${payload}.${Buffer.from('not the signature').toString('base64url')}`;

    const withExpired = await p.request('POST', '/catalog', null, catalogEntryBody(), {
      authorization: `Bearer ${expired}`,
    });
    const withForged = await p.request('POST', '/catalog', null, catalogEntryBody(), {
      authorization: `Bearer ${forged}`,
    });
    const withValid = await p.request('POST', '/catalog', null, catalogEntryBody(), {
      authorization: `Bearer ${valid}`,
    });

    expect(withExpired.status).toBe(401);
    expect(withForged.status).toBe(401);
    expect(withValid.status).toBe(201);
  });

  it('answers an unknown route with the platform error body (the $default route)', async () => {
    const res = await p.get('/no-such-route');
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ error: { code: 'not_found' } });
  });
});

describe('local operator endpoints', () => {
  it('fire schedules and move the clock for the admin role only', async () => {
    const byProvider = await p.post('/_local/schedules/review-task-deadlines/run', as.transport, {});
    const anonymous = await p.post('/_local/clock', null, { now: '2030-01-01T00:00:00Z' });
    const fired = await p.post('/_local/schedules/review-task-deadlines/run', as.admin, {});
    const unknown = await p.post('/_local/schedules/no-such-schedule/run', as.admin, {});
    const moved = await p.post('/_local/clock', as.admin, { now: '2030-01-01T00:00:00Z' });
    const read = await p.get('/_local/clock', as.admin);
    const readAnonymously = await p.get('/_local/clock');
    const readAsOperator = await p.get('/_local/clock', as.operatorA);
    // The admin role counts only for the authority's organisation, as at the edge.
    const foreignAdmin = await p.get('/_local/clock', { role: 'admin', org: as.operatorA.org, sub: 'x' });

    expect(byProvider.status).toBe(403);
    expect(anonymous.status).toBe(401);
    expect(foreignAdmin.status).toBe(403);
    expect(fired.status).toBe(200);
    expect(fired.body).toMatchObject({ schedule: 'review-task-deadlines' });
    expect(unknown.status).toBe(404);
    expect(moved.body).toMatchObject({ now: expect.stringMatching(/^2030-01-01T00:00/) });
    expect(new Date(String(read.body.now)).getUTCFullYear()).toBe(2030);
    expect(readAnonymously.status).toBe(401);
    expect(readAsOperator.status).toBe(403);
    p.rt.clock.reset();
  });

  it('lists published domain events for the admin role', async () => {
    await p.rt.bus.publisher.publish([{ source: 'shiyan.test', detailType: 'Probe', detail: { n: 7 } }]);

    const res = await p.get<{ items: { 'detail-type': string; detail: unknown }[] }>(
      '/_local/events',
      as.admin,
    );
    const denied = await p.get('/_local/events', as.operatorA);

    expect(res.body.items.find((e) => e['detail-type'] === 'Probe')?.detail).toEqual({ n: 7 });
    expect(denied.status).toBe(403);
  });
});
