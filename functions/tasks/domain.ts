/**
 * Human review tasks as plain rules: no AWS, no I/O. A task is opened by a workflow step that waits for
 * its decision (task token), decided once by its assignee, flagged when its deadline passes (the
 * escalation), or cancelled when its subject goes away (e.g. a withdrawn application).
 */
import type { Role } from '../../infra/system.js';
import type { Principal } from '../shared/auth.js';
import { addDays } from '../shared/clock.js';
import { ConflictError, ForbiddenError } from '../shared/errors.js';

export type TaskStatus = 'pending' | 'decided' | 'cancelled';

export interface Assignee {
  readonly role: Role;
  /** Unified social credit code of the assigned organisation; omitted: any organisation holding the role. */
  readonly org?: string;
  /** A named person (e.g. an expert); then only that user may decide. */
  readonly userId?: string;
}

export interface Subject {
  readonly type: string;
  readonly id: string;
}

export interface DecidedBy {
  readonly userId: string;
  readonly role: Role;
  readonly org: string;
}

/** What the waiting workflow step receives: the decision body plus who decided and when. */
export type TaskOutput = Readonly<Record<string, unknown>> & {
  readonly taskId: string;
  readonly decision: 'approve' | 'reject';
};

export interface ReviewTask {
  readonly id: string;
  readonly kind: string;
  readonly subject: Subject;
  readonly assignee: Assignee;
  readonly status: TaskStatus;
  readonly dueAt: string;
  readonly overdue: boolean;
  readonly escalatedAt?: string;
  readonly decision?: 'approve' | 'reject';
  /** The full decision as handed to the workflow (replayed to a re-entering step). */
  readonly output?: TaskOutput;
  readonly decidedBy?: DecidedBy;
  readonly decidedAt?: string;
  /** Set when the task was cancelled: the error its workflow step fails with, and why. */
  readonly cancellation?: { readonly error: string; readonly reason: string; readonly at: string };
  readonly title: string;
  readonly context: Readonly<Record<string, unknown>>;
  readonly workflow: { readonly execution: string };
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** The partition a task is listed under for its assignee (GET /tasks). */
export const assigneeKey = (a: Assignee): string =>
  a.userId ? `USER#${a.userId}` : `ROLE#${a.role}#${a.org ?? '*'}`;

/** Every partition that holds tasks a caller may decide: their own, their roles' in their org, their roles' anywhere. */
export const callerKeys = (p: Principal): string[] => [
  `USER#${p.userId}`,
  ...p.roles.flatMap((r) => [`ROLE#${r}#${p.org}`, `ROLE#${r}#*`]),
];

/** Only the assignee decides (Art. 10.3: each step belongs to one party). */
export const isAssignee = (t: Pick<ReviewTask, 'assignee'>, p: Principal): boolean => {
  const a = t.assignee;
  if (!p.roles.includes(a.role)) return false;
  if (a.org && a.org !== p.org) return false;
  return !a.userId || a.userId === p.userId;
};

/** The assignee, and the authority supervising the platform (Art. 15), may read a task. */
export const canSee = (t: Pick<ReviewTask, 'assignee'>, p: Principal): boolean =>
  isAssignee(t, p) || p.roles.includes('authority');

export const openTask = (args: {
  id: string;
  kind: string;
  subject: Subject;
  assignee: Assignee;
  dueInDays: number;
  title: string;
  context: Readonly<Record<string, unknown>>;
  execution: string;
  now: Date;
}): ReviewTask => {
  const at = args.now.toISOString();
  return {
    id: args.id,
    kind: args.kind,
    subject: args.subject,
    assignee: args.assignee,
    status: 'pending',
    dueAt: addDays(args.now, args.dueInDays).toISOString(),
    overdue: false,
    title: args.title,
    context: args.context,
    workflow: { execution: args.execution },
    version: 1,
    createdAt: at,
    updatedAt: at,
  };
};

/** A decided or cancelled task takes no (further) decision: 409. */
export const assertPending = (t: ReviewTask): void => {
  if (t.status === 'decided')
    throw new ConflictError('This task has already been decided', 'already_decided');
  if (t.status === 'cancelled') throw new ConflictError('This task was cancelled', 'task_cancelled');
};

/**
 * Nobody decides on their own record (Art. 10.3, 18): the organisation whose application or demand it
 * is (`context.operatorOrg`) never decides its task, and the user who submitted it
 * (`context.submittedBy`) never decides it, whatever roles that user holds. Returns why, or undefined.
 */
export const conflictOfInterest = (
  t: Pick<ReviewTask, 'context'>,
  p: Pick<Principal, 'userId' | 'org'>,
): string | undefined => {
  const c = t.context;
  if (typeof c.operatorOrg === 'string' && c.operatorOrg === p.org)
    return 'An organisation never decides on its own application or demand';
  if (typeof c.submittedBy === 'string' && c.submittedBy === p.userId)
    return 'The user who submitted this never decides on it';
  return undefined;
};

/** Organisations whose people may not sit on an expert panel or score (Art. 10.3 third-party experts). */
export const expertConflictOrgs = (t: Pick<ReviewTask, 'context'>): string[] => {
  const c = t.context;
  const listed = Array.isArray(c.expertConflicts)
    ? c.expertConflicts.filter((o) => typeof o === 'string')
    : [];
  return [...new Set([...listed, ...(typeof c.operatorOrg === 'string' ? [c.operatorOrg] : [])])];
};

/** Records a decision: only by the assignee, only once (a second decision is a 409). */
export const decideTask = (
  t: ReviewTask,
  p: Principal,
  decision: Readonly<Record<string, unknown>> & { decision: 'approve' | 'reject' },
  now: Date,
): ReviewTask => {
  if (!isAssignee(t, p)) throw new ForbiddenError('Only the assigned party may decide this task');
  assertPending(t);
  const at = now.toISOString();
  const decidedBy: DecidedBy = { userId: p.userId, role: t.assignee.role, org: p.org };
  return {
    ...t,
    status: 'decided',
    decision: decision.decision,
    output: { ...decision, taskId: t.id, decidedBy, decidedAt: at },
    decidedBy,
    decidedAt: at,
    version: t.version + 1,
    updatedAt: at,
  };
};

/** Past its deadline and not yet flagged: the sweep flags it and raises the escalation (it stays decidable). */
export const isNewlyOverdue = (t: ReviewTask, now: Date): boolean =>
  t.status === 'pending' && !t.overdue && new Date(t.dueAt).getTime() <= now.getTime();

export const flagOverdue = (t: ReviewTask, now: Date): ReviewTask => {
  const at = now.toISOString();
  return { ...t, overdue: true, escalatedAt: at, version: t.version + 1, updatedAt: at };
};

export const cancelTask = (t: ReviewTask, why: { error: string; reason: string }, now: Date): ReviewTask => {
  assertPending(t);
  const at = now.toISOString();
  return { ...t, status: 'cancelled', cancellation: { ...why, at }, version: t.version + 1, updatedAt: at };
};

/** What the API shows: everything but the workflow's private token (which never leaves the table). */
export const viewOf = (t: ReviewTask, labels?: { zh: string; en: string }) => ({
  id: t.id,
  kind: t.kind,
  kindLabel: labels ?? null,
  subject: t.subject,
  assignee: t.assignee,
  status: t.status,
  dueAt: t.dueAt,
  overdue: t.overdue,
  escalatedAt: t.escalatedAt ?? null,
  decision: t.decision ?? null,
  outcome: t.output ?? null,
  decidedBy: t.decidedBy ?? null,
  decidedAt: t.decidedAt ?? null,
  cancellation: t.cancellation ?? null,
  title: t.title,
  context: t.context,
  workflow: t.workflow,
  version: t.version,
  createdAt: t.createdAt,
  updatedAt: t.updatedAt,
});

export const auditState = (t: ReviewTask | undefined) =>
  t
    ? {
        kind: t.kind,
        subject: `${t.subject.type}/${t.subject.id}`,
        assignee: assigneeKey(t.assignee),
        status: t.status,
        decision: t.decision ?? null,
        reason: typeof t.output?.reason === 'string' ? t.output.reason : null,
        overdue: t.overdue,
        version: t.version,
      }
    : null;
