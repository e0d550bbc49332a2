/**
 * Evaluation of authorized operation (Art. 13-14) as plain rules: no AWS, no I/O. Every function takes
 * the current evaluation and returns the next one, or throws the error the caller should see.
 *
 *   open ──result pass──────────────────────────────▶ closed
 *   open ──result fail (findings, rectifyBy)────────▶ rectifying   (grant suspended)
 *   rectifying ──report, review accept──────────────▶ closed        (grant reinstated)
 *   rectifying ──review reject──────────────────────▶ rectifying    (until rectifyBy)
 *   rectifying ──rectifyBy passed, nothing accepted─▶ failed-rectification (grant terminated)
 */
import type { Principal } from '../shared/auth.js';
import { assertVersion, ConflictError, ForbiddenError, ValidationError } from '../shared/errors.js';
import type { RecordResult, ReviewRectification } from './schemas.js';

export type EvaluationStatus = 'open' | 'rectifying' | 'closed' | 'failed-rectification';

export interface Material {
  readonly description: string;
  readonly documents: readonly string[];
  readonly submittedAt: string;
  readonly submittedBy: string;
  /** Supplied after the materials deadline (still recorded: the authority judges it). */
  readonly late: boolean;
}

export interface Result {
  readonly outcome: 'pass' | 'fail';
  readonly findings: readonly string[];
  readonly comment?: string;
  readonly rectifyBy?: string;
  /** The authority's manual scores (0-100) and comments, beside the automatic assessment (Art. 13). */
  readonly manualScores?: readonly { criterion: string; score: number; comment?: string | undefined }[];
  readonly decidedAt: string;
  readonly decidedBy: string;
  /** Who decided as user, organisation and role (Art. 18). */
  readonly decider?: { readonly userId: string; readonly org: string; readonly role: string };
}

export interface Rectification {
  readonly report: string;
  readonly documents: readonly string[];
  readonly reportedAt: string;
  readonly reportedBy: string;
  readonly review?: {
    readonly decision: 'accept' | 'reject';
    readonly note?: string;
    readonly at: string;
    readonly by: string;
    readonly decider?: { readonly userId: string; readonly org: string; readonly role: string };
  };
}

export interface Evaluation {
  readonly id: string;
  readonly grantId: string;
  readonly operatorOrg: string;
  readonly operatorName?: string;
  /** The authority's organisation that opened the evaluation and orders rectification. */
  readonly authorityOrg: string;
  readonly period: string;
  readonly scope: string;
  readonly materialsDueAt: string;
  readonly status: EvaluationStatus;
  readonly materials: readonly Material[];
  readonly result?: Result;
  readonly rectifications: readonly Rectification[];
  readonly closedAt?: string;
  /** When the rectification deadline was found passed (Art. 14: authorization terminated). */
  readonly overdueAt?: string;
  /** Opened by a scheduled cycle (Art. 13): the cycle and the platform's automatic assessment (cycle.ts). */
  readonly cycle?: string;
  /** When the operator was reminded of the materials deadline (once). */
  readonly materialsRemindedAt?: string;
  readonly assessment?: import('./cycle.js').Assessment;
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

const isAuthority = (p: Principal) => p.role === 'authority';

/** Art. 13: the authority evaluates; regulators supervise; the operator sees its own evaluations. */
export const canView = (e: Evaluation, p: Principal): boolean =>
  isAuthority(p) || p.role === 'regulator' || (p.role === 'operator' && p.org === e.operatorOrg);

const assertAuthority = (p: Principal, what: string): void => {
  if (!isAuthority(p)) throw new ForbiddenError(`Only the public data authority may ${what}`);
};

const assertOperator = (e: Evaluation, p: Principal, what: string): void => {
  if (p.role !== 'operator' || p.org !== e.operatorOrg)
    throw new ForbiddenError(`Only the evaluated operator may ${what}`);
};

const assertStatus = (e: Evaluation, allowed: EvaluationStatus, what: string): void => {
  if (e.status !== allowed)
    throw new ConflictError(`Cannot ${what}: the evaluation is ${e.status}`, 'invalid_state');
};

const bump = (e: Evaluation, now: Date): Pick<Evaluation, 'version' | 'updatedAt'> => ({
  version: e.version + 1,
  updatedAt: now.toISOString(),
});

/** Art. 13: the authority evaluates authorized operation periodically, one evaluation per grant and period. */
export const openEvaluation = (args: {
  id: string;
  principal: Principal;
  grant: { id: string; status: string; operatorOrg: string; operatorName?: string };
  period: string;
  scope: string;
  materialsDueAt: string;
  now: Date;
}): Evaluation => {
  assertAuthority(args.principal, 'open an evaluation');
  if (args.grant.status !== 'active')
    throw new ConflictError(
      `Only an active grant is evaluated; this one is ${args.grant.status}`,
      'invalid_state',
    );
  const at = args.now.toISOString();
  const due = new Date(args.materialsDueAt).toISOString();
  if (due <= at)
    throw new ValidationError('The materials deadline must be in the future', [
      { path: 'body.materialsDueAt', message: 'Must be after now' },
    ]);
  return {
    id: args.id,
    grantId: args.grant.id,
    operatorOrg: args.grant.operatorOrg,
    ...(args.grant.operatorName ? { operatorName: args.grant.operatorName } : {}),
    authorityOrg: args.principal.org,
    period: args.period,
    scope: args.scope,
    materialsDueAt: due,
    status: 'open',
    materials: [],
    rectifications: [],
    version: 1,
    createdAt: at,
    updatedAt: at,
  };
};

/**
 * Art. 13: the operator cooperates and supplies truthful material (如实提供, 不得拒绝、隐匿、瞒报).
 * Material may be supplemented until the result; material after the deadline is recorded as late.
 */
export const submitMaterials = (
  e: Evaluation,
  p: Principal,
  m: { description: string; documents: readonly string[] },
  expectedVersion: number | undefined,
  now: Date,
): Evaluation => {
  assertOperator(e, p, 'supply material');
  assertVersion(e, expectedVersion);
  assertStatus(e, 'open', 'supply material');
  const at = now.toISOString();
  return {
    ...e,
    materials: [
      ...e.materials,
      {
        description: m.description,
        documents: [...m.documents],
        submittedAt: at,
        submittedBy: p.userId,
        late: at > e.materialsDueAt,
      },
    ],
    ...bump(e, now),
  };
};

/**
 * Art. 14: a result that does not meet the requirements orders rectification by a deadline; the grant's
 * data-use rights are suspended meanwhile (by the grants function, on EvaluationFailed).
 */
export const recordResult = (
  e: Evaluation,
  p: Principal,
  r: RecordResult,
  expectedVersion: number | undefined,
  now: Date,
): Evaluation => {
  assertAuthority(p, 'record an evaluation result');
  assertVersion(e, expectedVersion);
  assertStatus(e, 'open', 'record a result');
  const at = now.toISOString();
  const decided = {
    decidedAt: at,
    decidedBy: p.userId,
    decider: { userId: p.userId, org: p.org, role: p.role },
    ...(r.scores?.length ? { manualScores: r.scores } : {}),
  };
  if (r.outcome === 'pass') {
    return {
      ...e,
      status: 'closed',
      result: { outcome: 'pass', findings: [], ...(r.comment ? { comment: r.comment } : {}), ...decided },
      closedAt: at,
      ...bump(e, now),
    };
  }
  const rectifyBy = new Date(r.rectifyBy).toISOString();
  if (rectifyBy <= at)
    throw new ValidationError('The rectification deadline must be in the future', [
      { path: 'body.rectifyBy', message: 'Must be after now' },
    ]);
  return {
    ...e,
    status: 'rectifying',
    result: { outcome: 'fail', findings: [...r.findings], rectifyBy, ...decided },
    ...bump(e, now),
  };
};

/** The latest rectification report, when the authority has not reviewed it yet. */
export const pendingReport = (e: Pick<Evaluation, 'rectifications'>): Rectification | undefined => {
  const last = e.rectifications.at(-1);
  return last && !last.review ? last : undefined;
};

/** Art. 14: the operator rectifies within the deadline and reports back (反馈整改情况). */
export const reportRectification = (
  e: Evaluation,
  p: Principal,
  r: { report: string; documents: readonly string[] },
  expectedVersion: number | undefined,
  now: Date,
): Evaluation => {
  assertOperator(e, p, 'report its rectification');
  assertVersion(e, expectedVersion);
  assertStatus(e, 'rectifying', 'report a rectification');
  const at = now.toISOString();
  if (e.result?.rectifyBy && at > e.result.rectifyBy)
    throw new ConflictError('The rectification deadline has passed', 'deadline_passed');
  if (pendingReport(e))
    throw new ConflictError('The previous report is still under review', 'report_pending');
  return {
    ...e,
    rectifications: [
      ...e.rectifications,
      { report: r.report, documents: [...r.documents], reportedAt: at, reportedBy: p.userId },
    ],
    ...bump(e, now),
  };
};

/**
 * Art. 14: the authority reviews the report. Accepted: the evaluation closes and the grant is
 * reinstated. Rejected: it stays rectifying; the operator may report again until the deadline.
 */
export const reviewRectification = (
  e: Evaluation,
  p: Principal,
  d: ReviewRectification,
  expectedVersion: number | undefined,
  now: Date,
): Evaluation => {
  assertAuthority(p, 'review a rectification');
  assertVersion(e, expectedVersion);
  assertStatus(e, 'rectifying', 'review a rectification');
  const pending = pendingReport(e);
  if (!pending) throw new ConflictError('No rectification report awaits review', 'no_report');
  const at = now.toISOString();
  const note = d.decision === 'accept' ? d.comment : d.reason;
  const reviewed: Rectification = {
    ...pending,
    review: {
      decision: d.decision,
      ...(note ? { note } : {}),
      at,
      by: p.userId,
      decider: { userId: p.userId, org: p.org, role: p.role },
    },
  };
  const rectifications = [...e.rectifications.slice(0, -1), reviewed];
  return {
    ...e,
    rectifications,
    ...(d.decision === 'accept' ? { status: 'closed' as const, closedAt: at } : {}),
    ...bump(e, now),
  };
};

/** Art. 14: still rectifying after the deadline, with no accepted rectification (未按照要求整改). */
export const isRectificationOverdue = (
  e: Pick<Evaluation, 'status' | 'result' | 'rectifications'>,
  now: Date,
): boolean =>
  e.status === 'rectifying' &&
  !!e.result?.rectifyBy &&
  e.result.rectifyBy <= now.toISOString() &&
  !e.rectifications.some((r) => r.review?.decision === 'accept') &&
  // A report made in time is decided first: the operator did what Art. 14 asks by the deadline.
  !e.rectifications.some((r) => !r.review && r.reportedAt <= (e.result?.rectifyBy ?? ''));

/** Art. 14: 未按照要求整改的，终止其相关公共数据的授权运营资格 (the grants function terminates). */
export const markRectificationOverdue = (e: Evaluation, now: Date): Evaluation => {
  if (!isRectificationOverdue(e, now))
    throw new ConflictError('The evaluation is not past its rectification deadline', 'invalid_state');
  const at = now.toISOString();
  return { ...e, status: 'failed-rectification', overdueAt: at, closedAt: at, ...bump(e, now) };
};

export const viewOf = (e: Evaluation) => ({
  id: e.id,
  grantId: e.grantId,
  operatorOrg: e.operatorOrg,
  operatorName: e.operatorName ?? null,
  authorityOrg: e.authorityOrg,
  period: e.period,
  scope: e.scope,
  status: e.status,
  materialsDueAt: e.materialsDueAt,
  materials: e.materials,
  result: e.result ?? null,
  rectifyBy: e.result?.rectifyBy ?? null,
  rectifications: e.rectifications,
  closedAt: e.closedAt ?? null,
  overdueAt: e.overdueAt ?? null,
  cycle: e.cycle ?? null,
  assessment: e.assessment ?? null,
  version: e.version,
  createdAt: e.createdAt,
  updatedAt: e.updatedAt,
});

export const auditState = (e: Evaluation | undefined) =>
  e
    ? {
        status: e.status,
        version: e.version,
        outcome: e.result?.outcome ?? null,
        rectifyBy: e.result?.rectifyBy ?? null,
        materials: e.materials.length,
        rectifications: e.rectifications.length,
      }
    : null;

/** The facts every evaluation event carries. */
export const eventFacts = (e: Evaluation, now: Date) => ({
  evaluationId: e.id,
  version: e.version,
  grantId: e.grantId,
  operatorOrg: e.operatorOrg,
  authorityOrg: e.authorityOrg,
  period: e.period,
  at: now.toISOString(),
});

/** Days before the materials deadline the operator is reminded (Art. 13). */
export const MATERIALS_REMINDER_DAYS = 7;

/** Open evaluations without material and not reminded yet wait for a reminder (the sparse index). */
export const awaitsMaterialsReminder = (e: Evaluation): boolean =>
  e.status === 'open' && e.materials.length === 0 && !e.materialsRemindedAt;

export const markMaterialsReminded = (e: Evaluation, now: Date): Evaluation => ({
  ...e,
  materialsRemindedAt: now.toISOString(),
  ...bump(e, now),
});
