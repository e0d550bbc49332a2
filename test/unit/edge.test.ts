import { describe, expect, it } from 'vitest';
import { principalFromClaims } from '../../functions/shared/auth.js';
import { isValidCreditCode, withCheckChar } from '../../functions/shared/credit-code.js';
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
});

describe('claims', () => {
  it('reads groups as API Gateway passes them and as a verified token holds them', () => {
    const token = { sub: 'u', 'cognito:groups': ['provider', 'operator'], 'custom:org': 'X' };
    expect(principalFromClaims(claimsAsApiGateway(token), ['operator'])).toMatchObject({
      role: 'operator',
      org: 'X',
    });
    expect(principalFromClaims(token)).toMatchObject({ role: 'provider', roles: ['provider', 'operator'] });
  });

  it('refuses a token without a user or without an allowed role', () => {
    expect(() => principalFromClaims({ 'cognito:groups': '[provider]' })).toThrow(UnauthorizedError);
    expect(() => principalFromClaims({ sub: 'u', 'cognito:groups': '[provider]' }, ['authority'])).toThrow(
      ForbiddenError,
    );
    expect(() => principalFromClaims({ sub: 'u', 'cognito:groups': '[superuser]' })).toThrow(ForbiddenError);
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
