import { describe, expect, it } from 'vitest';
import { EVALUATION_GRANT_EVENTS, patternOf } from '../../events/index.js';
import { cycleBounds, type DataUseRecord, judgeUses } from '../../functions/evaluations/cycle.js';
import {
  type Evaluation,
  isRectificationOverdue,
  markRectificationOverdue,
  openEvaluation,
  recordResult,
  reportRectification,
  reviewRectification,
  submitMaterials,
} from '../../functions/evaluations/domain.js';
import { DAY_MS } from '../../functions/shared/clock.js';
import {
  ConflictError,
  ForbiddenError,
  StaleVersionError,
  ValidationError,
} from '../../functions/shared/errors.js';
import { eventRules, schedules } from '../../infra/system.js';
import { principal } from '../support/principals.js';

const authority = principal('authority', 'AUTH');
const provider = principal('provider', 'PROV');
const operator = principal('operator', 'OPER');
const otherOperator = principal('operator', 'OPER2');
const t0 = new Date('2026-03-01T02:00:00.000Z');
const at = (days: number) => new Date(t0.getTime() + days * DAY_MS);
const grant = { id: 'gr_0000000000001', status: 'active', operatorOrg: 'OPER', operatorName: '运营单位' };

const opened = (): Evaluation =>
  openEvaluation({
    id: 'ev_0000000000001',
    principal: authority,
    grant,
    period: '2026',
    scope: '',
    materialsDueAt: at(10).toISOString(),
    now: t0,
  });

const failed = (): Evaluation =>
  recordResult(
    opened(),
    authority,
    { outcome: 'fail', findings: ['数据使用超出场景'], rectifyBy: at(30).toISOString() },
    undefined,
    at(12),
  );

const material = { description: '年度运营情况报告', documents: ['doc-1'] };

describe('evaluations (Art. 13-14)', () => {
  it('opens an evaluation of an active grant only, by the authority only', () => {
    const e = opened();
    expect(e).toMatchObject({ status: 'open', operatorOrg: 'OPER', authorityOrg: 'AUTH', version: 1 });
    expect(() =>
      openEvaluation({
        id: 'ev_x',
        principal: authority,
        grant: { ...grant, status: 'suspended' },
        period: '2026',
        scope: '',
        materialsDueAt: at(10).toISOString(),
        now: t0,
      }),
    ).toThrow(ConflictError);
    expect(() =>
      openEvaluation({
        id: 'ev_x',
        principal: provider,
        grant,
        period: '2026',
        scope: '',
        materialsDueAt: at(10).toISOString(),
        now: t0,
      }),
    ).toThrow(ForbiddenError);
    expect(() =>
      openEvaluation({
        id: 'ev_x',
        principal: authority,
        grant,
        period: '2026',
        scope: '',
        materialsDueAt: at(-1).toISOString(),
        now: t0,
      }),
    ).toThrow(ValidationError);
  });

  it('Art. 13: only the evaluated operator supplies material; late material is marked', () => {
    const e = submitMaterials(opened(), operator, material, 1, at(1));
    expect(e.materials).toHaveLength(1);
    expect(e.materials[0]?.late).toBe(false);
    expect(e.version).toBe(2);
    const late = submitMaterials(e, operator, material, undefined, at(11));
    expect(late.materials[1]?.late).toBe(true);
    expect(() => submitMaterials(opened(), otherOperator, material, undefined, at(1))).toThrow(
      ForbiddenError,
    );
    expect(() => submitMaterials(opened(), operator, material, 7, at(1))).toThrow(StaleVersionError);
    expect(() => submitMaterials(failed(), operator, material, undefined, at(13))).toThrow(ConflictError);
  });

  it('a pass closes the evaluation', () => {
    const e = recordResult(opened(), authority, { outcome: 'pass' }, 1, at(12));
    expect(e).toMatchObject({
      status: 'closed',
      result: { outcome: 'pass' },
      closedAt: at(12).toISOString(),
    });
    expect(() => recordResult(e, authority, { outcome: 'pass' }, undefined, at(13))).toThrow(ConflictError);
  });

  it('Art. 14: a fail orders rectification by a future deadline; only the authority decides', () => {
    const e = failed();
    expect(e.status).toBe('rectifying');
    expect(e.result).toMatchObject({ outcome: 'fail', rectifyBy: at(30).toISOString() });
    expect(() => recordResult(opened(), operator, { outcome: 'pass' }, undefined, at(12))).toThrow(
      ForbiddenError,
    );
    expect(() =>
      recordResult(
        opened(),
        authority,
        { outcome: 'fail', findings: ['x'], rectifyBy: at(5).toISOString() },
        undefined,
        at(12),
      ),
    ).toThrow(ValidationError);
    expect(() => recordResult(opened(), authority, { outcome: 'pass' }, 9, at(12))).toThrow(
      StaleVersionError,
    );
  });

  it('Art. 14: the operator reports back; accepted closes, rejected stays rectifying', () => {
    const reported = reportRectification(
      failed(),
      operator,
      { report: '已整改', documents: [] },
      undefined,
      at(20),
    );
    expect(reported.rectifications).toHaveLength(1);
    expect(() =>
      reportRectification(reported, operator, { report: 'again', documents: [] }, undefined, at(21)),
    ).toThrow(ConflictError);
    expect(() =>
      reportRectification(failed(), otherOperator, { report: 'x', documents: [] }, undefined, at(20)),
    ).toThrow(ForbiddenError);

    const rejected = reviewRectification(
      reported,
      authority,
      { decision: 'reject', reason: '不充分' },
      undefined,
      at(22),
    );
    expect(rejected.status).toBe('rectifying');
    expect(rejected.rectifications[0]?.review?.decision).toBe('reject');
    expect(() => reviewRectification(rejected, authority, { decision: 'accept' }, undefined, at(23))).toThrow(
      ConflictError,
    );

    const again = reportRectification(
      rejected,
      operator,
      { report: '再次整改', documents: [] },
      undefined,
      at(24),
    );
    const accepted = reviewRectification(again, authority, { decision: 'accept' }, undefined, at(25));
    expect(accepted).toMatchObject({ status: 'closed', closedAt: at(25).toISOString() });
    expect(isRectificationOverdue(accepted, at(40))).toBe(false);
  });

  it('Art. 14: no report after the deadline; past it without acceptance the evaluation fails', () => {
    const e = failed();
    expect(() =>
      reportRectification(e, operator, { report: 'late', documents: [] }, undefined, at(31)),
    ).toThrow(ConflictError);
    expect(isRectificationOverdue(e, at(29))).toBe(false);
    expect(() => markRectificationOverdue(e, at(29))).toThrow(ConflictError);
    expect(isRectificationOverdue(e, at(30))).toBe(true);
    const over = markRectificationOverdue(e, at(31));
    expect(over).toMatchObject({ status: 'failed-rectification', overdueAt: at(31).toISOString() });
    expect(isRectificationOverdue(over, at(40))).toBe(false);
  });

  it('Art. 14: a report made in time is reviewed before the deadline can fail the evaluation', () => {
    const pending = reportRectification(
      failed(),
      operator,
      { report: '按期整改', documents: [] },
      undefined,
      at(29),
    );
    expect(isRectificationOverdue(pending, at(35))).toBe(false);
    const rejected = reviewRectification(
      pending,
      authority,
      { decision: 'reject', reason: '不充分' },
      undefined,
      at(36),
    );
    expect(isRectificationOverdue(rejected, at(36))).toBe(true);
  });

  it('routes its events to the grants function and sweeps daily', () => {
    expect(eventRules['grants-follow-evaluations'].pattern).toEqual(patternOf(...EVALUATION_GRANT_EVENTS));
    expect(eventRules['grants-follow-evaluations'].function).toBe('grants');
    expect(schedules['evaluation-rectification-deadlines'].function).toBe('evaluations');
  });
});

describe('data use against entitlement terms (Art. 16)', () => {
  const ent = {
    id: 'en_1',
    operatorOrg: 'op',
    demandId: 'dd_1',
    scenarioTitle: '场景',
    validFrom: '2027-01-10T00:00:00Z',
    validUntil: '2027-06-01T00:00:00Z',
  };
  const use = (id: string, at: string, over: Partial<DataUseRecord> = {}): DataUseRecord => ({
    id,
    at,
    operatorOrg: 'op',
    demandId: 'dd_1',
    scenarioTitle: '场景',
    entitlementIds: ['en_1'],
    ...over,
  });
  it('judges each use at its own time; none at all is null', () => {
    expect(judgeUses([], [ent])).toBeNull();
    const r = judgeUses(
      [
        use('in', '2027-02-01T00:00:00Z'),
        use('early', '2027-01-09T00:00:00Z'),
        use('late', '2027-06-01T00:00:00Z'),
        use('ended', '2027-05-01T00:00:00Z'),
        use('none', '2027-02-01T00:00:00Z', { entitlementIds: [] }),
        use('other', '2027-02-01T00:00:00Z', { demandId: 'dd_2' }),
      ],
      [ent, { ...ent, id: 'en_2' }],
    );
    expect(r?.within).toBe(2); // 'in' and 'ended' (en_1 has no end)
    expect(r?.outOfTerm.map((o) => o.id)).toEqual(['early', 'late', 'none', 'other']);
    const ended = judgeUses(
      [use('ended', '2027-05-01T00:00:00Z')],
      [{ ...ent, endedAt: '2027-04-01T00:00:00Z' }],
    );
    expect(ended?.outOfTerm[0]?.reason).toMatch(/ended/);
  });
  it('a cycle covers its CST quarter', () => {
    expect(cycleBounds('2027-Q1')).toEqual({
      from: '2026-12-31T16:00:00.000Z',
      to: '2027-03-31T16:00:00.000Z',
    });
    expect(cycleBounds('2027-Q4').to).toBe('2027-12-31T16:00:00.000Z');
  });
});
