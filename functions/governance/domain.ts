/**
 * Data-quality governance requests (Art. 11.1) as plain rules: no AWS, no I/O.
 *
 * The operator reports a problem on data it is entitled to; the authority forwards it to the
 * providing unit with a deadline; the provider resolves it; the operator confirms or reopens.
 * A forwarded request past its deadline is escalated to the authority once.
 */
import type { Role } from '../../infra/system.js';
import type { Principal } from '../shared/auth.js';
import { addDays } from '../shared/clock.js';
import { GOVERNANCE_STATUSES, PROBLEM_KINDS } from '../shared/codes.js';
import { ConflictError, ForbiddenError } from '../shared/errors.js';

export { GOVERNANCE_STATUSES, PROBLEM_KINDS };

export type GovernanceStatus = 'reported' | 'forwarded' | 'resolved' | 'closed';

export type ProblemKind = (typeof PROBLEM_KINDS)[number]['code'];

export interface HistoryStep {
  readonly action: 'report' | 'forward' | 'resolve' | 'confirm' | 'reopen' | 'escalate';
  readonly at: string;
  readonly by: string;
  readonly org: string;
  /** The role the step was taken in (Art. 18); `system` for the platform's own steps. */
  readonly role?: string;
  readonly note?: string;
}

export interface GovernanceRequest {
  readonly id: string;
  readonly status: GovernanceStatus;
  readonly operatorOrg: string;
  readonly providerOrg: string;
  readonly entryId: string;
  readonly entryTitle: string;
  readonly kind: ProblemKind;
  readonly description: string;
  readonly examples: readonly string[];
  /** Days the provider has to resolve (set by the authority, reused when the operator reopens). */
  readonly deadlineDays?: number;
  readonly deadline?: string;
  readonly response?: string;
  /** Past its deadline while forwarded: shown to the authority until the provider resolves it. */
  readonly overdue: boolean;
  readonly escalatedAt?: string;
  readonly history: readonly HistoryStep[];
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

const step = (
  action: HistoryStep['action'],
  p: Principal | { userId: string; org: string; role?: string },
  now: Date,
  note?: string,
): HistoryStep => ({
  action,
  at: now.toISOString(),
  by: p.userId,
  org: p.org,
  role: p.role ?? 'system',
  ...(note ? { note } : {}),
});

const next = (
  r: GovernanceRequest,
  changes: Partial<GovernanceRequest>,
  h: HistoryStep,
  now: Date,
): GovernanceRequest => ({
  ...r,
  ...changes,
  history: [...r.history, h],
  version: r.version + 1,
  updatedAt: now.toISOString(),
});

/** Art. 11.1: the operator raises a problem found while processing data it is entitled to (checked by the caller). */
export const report = (a: {
  id: string;
  principal: Principal;
  entry: { entryId: string; providerOrg: string; title: string };
  kind: ProblemKind;
  description: string;
  examples: readonly string[];
  now: Date;
}): GovernanceRequest => {
  const at = a.now.toISOString();
  return {
    id: a.id,
    status: 'reported',
    operatorOrg: a.principal.org,
    providerOrg: a.entry.providerOrg,
    entryId: a.entry.entryId,
    entryTitle: a.entry.title,
    kind: a.kind,
    description: a.description,
    examples: [...a.examples],
    overdue: false,
    history: [step('report', a.principal, a.now)],
    version: 1,
    createdAt: at,
    updatedAt: at,
  };
};

const assertState = (r: GovernanceRequest, allowed: readonly GovernanceStatus[], what: string) => {
  if (!allowed.includes(r.status))
    throw new ConflictError(`A ${r.status} request cannot be ${what}`, 'invalid_state');
};

/** Art. 11.1: the authority makes the provider fix it within a set deadline. */
export const forward = (
  r: GovernanceRequest,
  p: Principal,
  deadlineDays: number,
  note: string | undefined,
  now: Date,
): GovernanceRequest => {
  if (p.role !== 'authority') throw new ForbiddenError('Only the authority forwards governance requests');
  assertState(r, ['reported'], 'forwarded');
  return next(
    r,
    { status: 'forwarded', deadlineDays, deadline: addDays(now, deadlineDays).toISOString(), overdue: false },
    step('forward', p, now, note),
    now,
  );
};

export const resolve = (
  r: GovernanceRequest,
  p: Principal,
  response: string,
  now: Date,
): GovernanceRequest => {
  if (p.role !== 'provider' || p.org !== r.providerOrg)
    throw new ForbiddenError('Only the providing unit resolves this request');
  assertState(r, ['forwarded'], 'resolved');
  return next(r, { status: 'resolved', response, overdue: false }, step('resolve', p, now, response), now);
};

const assertOperator = (r: GovernanceRequest, p: Principal) => {
  if (p.role !== 'operator' || p.org !== r.operatorOrg)
    throw new ForbiddenError('Only the reporting operator may do this');
};

export const confirm = (
  r: GovernanceRequest,
  p: Principal,
  note: string | undefined,
  now: Date,
): GovernanceRequest => {
  assertOperator(r, p);
  assertState(r, ['resolved'], 'confirmed');
  return next(r, { status: 'closed' }, step('confirm', p, now, note), now);
};

/** Not fixed after all: back to the provider with the same period from now. */
export const reopen = (r: GovernanceRequest, p: Principal, reason: string, now: Date): GovernanceRequest => {
  assertOperator(r, p);
  assertState(r, ['resolved'], 'reopened');
  const days = r.deadlineDays ?? 10;
  return next(
    r,
    { status: 'forwarded', deadline: addDays(now, days).toISOString(), overdue: false },
    step('reopen', p, now, reason),
    now,
  );
};

export const isOverdue = (
  r: Pick<GovernanceRequest, 'status' | 'deadline' | 'overdue'>,
  now: Date,
): boolean => r.status === 'forwarded' && !r.overdue && !!r.deadline && r.deadline < now.toISOString();

/** The daily check: a forwarded request past its deadline is flagged for the authority, once. */
export const escalate = (r: GovernanceRequest, now: Date): GovernanceRequest => {
  if (!isOverdue(r, now)) throw new ConflictError('The request is not overdue', 'invalid_state');
  return next(
    r,
    { overdue: true, escalatedAt: now.toISOString() },
    step('escalate', { userId: 'system:governance-overdue', org: 'platform' }, now),
    now,
  );
};

const OVERSEERS: readonly Role[] = ['authority', 'regulator'];

export const canSee = (r: GovernanceRequest, p: Principal): boolean =>
  OVERSEERS.includes(p.role) ||
  (p.role === 'operator' && p.org === r.operatorOrg) ||
  (p.role === 'provider' && p.org === r.providerOrg);

export const viewOf = (r: GovernanceRequest) => ({
  id: r.id,
  status: r.status,
  operatorOrg: r.operatorOrg,
  providerOrg: r.providerOrg,
  entryId: r.entryId,
  entryTitle: r.entryTitle,
  kind: r.kind,
  description: r.description,
  examples: r.examples,
  deadline: r.deadline ?? null,
  response: r.response ?? null,
  overdue: r.overdue,
  escalatedAt: r.escalatedAt ?? null,
  history: r.history,
  version: r.version,
  createdAt: r.createdAt,
  updatedAt: r.updatedAt,
});

export const auditState = (r: GovernanceRequest | undefined) =>
  r ? { status: r.status, version: r.version, deadline: r.deadline ?? null, overdue: r.overdue } : null;

export const eventFacts = (r: GovernanceRequest, now: Date) => ({
  requestId: r.id,
  operatorOrg: r.operatorOrg,
  providerOrg: r.providerOrg,
  entryId: r.entryId,
  entryTitle: r.entryTitle,
  kind: r.kind,
  status: r.status,
  deadline: r.deadline ?? null,
  at: now.toISOString(),
});
