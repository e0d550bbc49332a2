import { describe, expect, it } from 'vitest';
import {
  confirm,
  escalate,
  forward,
  isOverdue,
  reopen,
  report,
  resolve,
} from '../../functions/governance/domain.js';
import { DAY_MS } from '../../functions/shared/clock.js';
import { ConflictError, ForbiddenError } from '../../functions/shared/errors.js';
import { principal as p } from '../support/principals.js';

const operator = p('operator', 'OPER');
const authority = p('authority', 'AUTH');
const provider = p('provider', 'PROV');
const t0 = new Date('2026-03-01T02:00:00.000Z');
const later = (days: number) => new Date(t0.getTime() + days * DAY_MS);

const reported = () =>
  report({
    id: 'gq_1',
    principal: operator,
    entry: { entryId: 'ce_1', providerOrg: 'PROV', title: 'Bus' },
    kind: 'inaccurate',
    description: 'd',
    examples: ['e'],
    now: t0,
  });

describe('governance requests (Art. 11.1)', () => {
  it('is forwarded by the authority with a deadline', () => {
    const f = forward(reported(), authority, 5, 'note', t0);
    expect(f).toMatchObject({
      status: 'forwarded',
      deadline: later(5).toISOString(),
      deadlineDays: 5,
      overdue: false,
    });
    expect(() => forward(reported(), provider, 5, undefined, t0)).toThrow(ForbiddenError);
    expect(() => forward(f, authority, 5, undefined, t0)).toThrow(ConflictError);
  });

  it('is resolved by its provider only, confirmed or reopened by its operator only', () => {
    const f = forward(reported(), authority, 5, undefined, t0);
    expect(() => resolve(f, p('provider', 'OTHER'), 'x', t0)).toThrow(ForbiddenError);
    const r = resolve(f, provider, 'fixed', later(1));
    expect(r).toMatchObject({ status: 'resolved', response: 'fixed' });
    expect(() => confirm(r, p('operator', 'OTHER'), undefined, t0)).toThrow(ForbiddenError);
    expect(confirm(r, operator, undefined, t0).status).toBe('closed');
    const again = reopen(r, operator, 'still wrong', later(2));
    expect(again).toMatchObject({ status: 'forwarded', deadline: later(7).toISOString() });
    expect(() => reopen(f, operator, 'x', t0)).toThrow(ConflictError);
  });

  it('is overdue after its deadline while forwarded, and escalated once', () => {
    const f = forward(reported(), authority, 5, undefined, t0);
    expect(isOverdue(f, later(5))).toBe(false);
    expect(isOverdue(f, later(6))).toBe(true);
    const e = escalate(f, later(6));
    expect(e).toMatchObject({ overdue: true, escalatedAt: later(6).toISOString() });
    expect(isOverdue(e, later(7))).toBe(false);
    expect(() => escalate(e, later(7))).toThrow(ConflictError);
    expect(isOverdue(resolve(f, provider, 'x', later(6)), later(7))).toBe(false);
    expect(resolve(e, provider, 'x', later(7)).overdue).toBe(false);
  });
});
