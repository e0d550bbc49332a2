import { describe, expect, it } from 'vitest';
import { principalFromClaims } from '../../functions/shared/auth.js';
import { creditCodeProblem, isValidCreditCode, withCheckChar } from '../../functions/shared/credit-code.js';
import { ForbiddenError, UnauthorizedError } from '../../functions/shared/errors.js';
import { matches } from '../../infra/local/event-bus.js';
import { claimsAsApiGateway } from '../../infra/local/gateway.js';
import { nextFireTime } from '../../infra/local/scheduler.js';

describe('unified social credit code (GB 32100-2015)', () => {
  it('accepts codes with the right check character and rejects others', () => {
    expect(isValidCreditCode('91350100M000100Y43')).toBe(true); // a published example
    expect(isValidCreditCode('91350100M000100Y44')).toBe(false);
    expect(isValidCreditCode('91350100M000100Y4')).toBe(false);
    expect(isValidCreditCode('91350100I000100Y43')).toBe(false); // I is not in the alphabet
    expect(isValidCreditCode(withCheckChar('11420300MB1A00001'))).toBe(true);
  });

  it('checks the structure too: registration authority, type, administrative division', () => {
    // Each has a correct check character: only the structure is wrong.
    expect(creditCodeProblem(withCheckChar('B1420300MB1A00001'))).toMatch(/registration-authority/);
    expect(creditCodeProblem(withCheckChar('95420300MB1A00001'))).toMatch(/Type code 5/); // 工商 issues 1-3
    expect(creditCodeProblem(withCheckChar('11ABCDEFMB1A00001'))).toMatch(/administrative-division/);
    expect(creditCodeProblem(withCheckChar('11990300MB1A00001'))).toMatch(/administrative-division/); // no province 99
    expect(creditCodeProblem(withCheckChar('91420300MA4A0000A'))).toBeUndefined();
  });
});

describe('claims', () => {
  it('reads groups as API Gateway passes them and as a verified token holds them', () => {
    const org = withCheckChar('91420300MA4A0000A');
    const token = { sub: 'u', 'cognito:groups': ['provider', 'operator'], 'custom:org': org };
    expect(principalFromClaims(claimsAsApiGateway(token), ['operator'])).toMatchObject({
      role: 'operator',
      org,
    });
    expect(principalFromClaims(token)).toMatchObject({ role: 'provider', roles: ['provider', 'operator'] });
  });

  it('refuses a token without a user or without an allowed role', () => {
    const org = withCheckChar('11420300MB1A00002');
    expect(() => principalFromClaims({ 'cognito:groups': '[provider]', 'custom:org': org })).toThrow(
      UnauthorizedError,
    );
    expect(() =>
      principalFromClaims({ sub: 'u', 'cognito:groups': '[provider]', 'custom:org': org }, ['authority']),
    ).toThrow(ForbiddenError);
    expect(() =>
      principalFromClaims({ sub: 'u', 'cognito:groups': '[superuser]', 'custom:org': org }),
    ).toThrow(ForbiddenError);
  });

  it('refuses a token whose organisation is missing, empty or not a valid credit code (401)', () => {
    const claims = (org: unknown) => ({ sub: 'u', 'cognito:groups': '[provider]', 'custom:org': org });
    for (const org of [undefined, '', '   ', 'X', '11420300MB1A00002', withCheckChar('11990300MB1A00001')]) {
      expect(() => principalFromClaims(claims(org), ['provider'])).toThrow(UnauthorizedError);
    }
  });
});

describe('schedule expressions', () => {
  const from = new Date('2026-03-10T10:15:30Z');
  it('computes rate and cron fire times in UTC', () => {
    expect(nextFireTime('rate(5 minutes)', from).toISOString()).toBe('2026-03-10T10:20:30.000Z');
    expect(nextFireTime('cron(0 2 * * ? *)', from).toISOString()).toBe('2026-03-11T02:00:00.000Z');
    expect(nextFireTime('cron(30 9 ? * MON *)', from).toISOString()).toBe('2026-03-16T09:30:00.000Z');
    expect(nextFireTime('cron(0 0 1 JAN,JUL ? *)', from).toISOString()).toBe('2026-07-01T00:00:00.000Z');
  });
  it('refuses expressions it does not understand', () => {
    expect(() => nextFireTime('every day', from)).toThrow();
  });
});

describe('event patterns', () => {
  it('matches source and detail-type lists and nested detail fields', () => {
    const event = { source: 'platform.grants', 'detail-type': 'GrantActivated', detail: { mode: 'domain' } };
    expect(matches({ source: ['platform.grants'] }, event)).toBe(true);
    expect(matches({ 'detail-type': ['GrantSuspended', 'GrantActivated'] }, event)).toBe(true);
    expect(matches({ detail: { mode: ['comprehensive'] } }, event)).toBe(false);
    expect(matches({ source: ['platform.catalog'] }, event)).toBe(false);
  });
});
