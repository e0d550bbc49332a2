/**
 * The tasks duty's work outside HTTP: opening a task for a waiting workflow step (Contract A), the
 * deadline sweep (escalation), and cancelling the tasks of a subject that went away. Every change is one
 * transaction with its audit event and its domain events (the outbox), acting as the platform itself.
 */
import type { GrantCreditListed } from '../../events/grants.js';
import { ReviewTaskDecided, ReviewTaskOpened, ReviewTaskOverdue } from '../../events/tasks.js';
import type { Deps, DomainEvent } from '../shared/deps.js';
import type { Invocation } from '../shared/duty.js';
import { newId } from '../shared/ids.js';
import { systemActor, Transaction } from '../shared/store.js';
import {
  auditState,
  cancelTask,
  flagOverdue,
  isNewlyOverdue,
  openTask as newTask,
  type ReviewTask,
  type Subject,
} from './domain.js';
import { isTaskKind } from './kinds.js';
import { TaskExists, tasksRepository } from './repository.js';
import { OpenTaskInput } from './schemas.js';

export const resource = (id: string) => `review-task/${id}`;

const systemTx = (deps: Deps, requestId: string, job: string) =>
  new Transaction(deps, { principal: systemActor(job), requestId, now: deps.clock.now() });

const ref = (t: ReviewTask) => ({
  taskId: t.id,
  kind: t.kind,
  subject: t.subject,
  assignee: t.assignee,
  dueAt: t.dueAt,
});

/** Answers a waiting step from a task that is no longer pending (a replayed or re-entered step). */
const answerFromStored = async (deps: Deps, t: ReviewTask, token: string): Promise<boolean> => {
  if (t.status === 'decided' && t.output) {
    await deps.workflows.succeed(token, t.output);
    return true;
  }
  if (t.status === 'cancelled') {
    const c = t.cancellation ?? { error: 'ReviewTaskCancelled', reason: 'The review task was cancelled' };
    await deps.workflows.fail(token, c.error, c.reason);
    return true;
  }
  return false;
};

/**
 * Step `openTask` (Contract A): idempotent by (subject, kind, assignee). A decided task answers the new
 * token at once with its stored decision (so a replayed execution resumes at the right step); a pending
 * one keeps waiting with the new token; otherwise the task is created.
 */
export const openTaskStep = async (
  raw: unknown,
  { deps, requestId }: Invocation,
  attempt = 0,
): Promise<unknown> => {
  const input = OpenTaskInput.parse(raw);
  if (!isTaskKind(input.kind)) throw new Error(`Unknown review task kind ${input.kind}`);
  const repo = tasksRepository(deps);
  const existing = await repo.findFor(input.subject, input.kind, input.assignee);
  if (existing) {
    if (await answerFromStored(deps, existing, input.taskToken))
      return { taskId: existing.id, status: existing.status };
    const resumed: ReviewTask = {
      ...existing,
      workflow: { execution: input.execution },
      version: existing.version + 1,
      updatedAt: deps.clock.now().toISOString(),
    };
    try {
      await repo
        .save(systemTx(deps, requestId, 'workflow'), resumed, existing.version, {
          token: input.taskToken,
          whilePending: true,
        })
        .audit({
          action: 'task.resume',
          resource: resource(existing.id),
          before: auditState(existing),
          after: auditState(resumed),
        })
        .commit();
    } catch (e) {
      // Decided (or changed) meanwhile: read it again and answer from what is stored now.
      if (attempt < 2) return openTaskStep(raw, { deps, requestId }, attempt + 1);
      throw e;
    }
    return { taskId: existing.id, status: 'pending' };
  }
  const task = newTask({
    id: newId('rt', deps.clock.now()),
    kind: input.kind,
    subject: input.subject,
    assignee: input.assignee,
    dueInDays: input.dueInDays,
    title: input.title,
    context: input.context,
    execution: input.execution,
    now: deps.clock.now(),
  });
  try {
    await repo
      .create(systemTx(deps, requestId, 'workflow'), task, input.taskToken)
      .audit({ action: 'task.open', resource: resource(task.id), before: null, after: auditState(task) })
      .publish(ReviewTaskOpened.make({ ...ref(task), title: task.title }))
      .commit();
  } catch (e) {
    if (e instanceof TaskExists && attempt < 2) return openTaskStep(raw, { deps, requestId }, attempt + 1);
    throw e;
  }
  return { taskId: task.id, status: 'pending' };
};

/** `workflow.execution` of a task opened from a domain event: no workflow step waits on it. */
export const EVENT_EXECUTION = 'event:';

/**
 * Art. 9: a running grantee put on the credit list (GrantCreditListed) opens the authority's
 * `credit-listing-review` task. No workflow waits: the grants duty follows its ReviewTaskDecided.
 * Idempotent: the task's uniqueness link (subject, kind, assignee) makes a redelivery a no-op.
 */
export const openCreditListingReview = async (
  detail: ReturnType<typeof GrantCreditListed.parse>,
  deps: Deps,
  requestId: string,
): Promise<void> => {
  const task = newTask({
    id: newId('rt', deps.clock.now()),
    kind: 'credit-listing-review',
    subject: { type: 'grant-credit-listing', id: `${detail.grantId}:${detail.entryId}` },
    assignee: { role: 'authority', org: detail.authorityOrg },
    dueInDays: 5,
    title: `${detail.operatorName}列入信用名单，复核授权 ${detail.grantId} — grantee put on the credit list (Art. 9)`,
    context: {
      grantId: detail.grantId,
      operatorOrg: detail.operatorOrg,
      operatorName: detail.operatorName,
      grantStatus: detail.status,
      entryId: detail.entryId,
      matchedBy: detail.matchedBy,
      list: detail.list,
      source: detail.source,
      listedAt: detail.listedAt,
    },
    execution: `${EVENT_EXECUTION}GrantCreditListed`,
    now: deps.clock.now(),
  });
  try {
    await tasksRepository(deps)
      .create(systemTx(deps, requestId, 'credit-list-events'), task, undefined)
      .audit({ action: 'task.open', resource: resource(task.id), before: null, after: auditState(task) })
      .publish(ReviewTaskOpened.make({ ...ref(task), title: task.title }))
      .commit();
  } catch (e) {
    if (e instanceof TaskExists) return;
    throw e;
  }
};

/** The event of a decided task, committed with the decision. */
export const decisionEvents = (t: ReviewTask): DomainEvent[] =>
  t.output && t.decidedBy && t.decidedAt && t.decision
    ? [
        ReviewTaskDecided.make({
          ...ref(t),
          decision: t.decision,
          ...(typeof t.output.reason === 'string' ? { reason: t.output.reason } : {}),
          decidedBy: { userId: t.decidedBy.userId, role: t.decidedBy.role, org: t.decidedBy.org },
          decidedAt: t.decidedAt,
        }),
      ]
    : [];

/** After a decision committed (with its event): the waiting step gets the decision. */
export const afterDecision = async (deps: Deps, t: ReviewTask, token: string | undefined): Promise<void> => {
  if (!t.output || !t.decidedBy || !t.decidedAt || !t.decision) return;
  if (!token) {
    // A task opened from an event (no workflow waits): its decision travels as ReviewTaskDecided only.
    if (t.workflow.execution.startsWith(EVENT_EXECUTION)) return;
    deps.logger.warn(
      'Decided task had no waiting step; its workflow resumes when the step is entered again',
      { taskId: t.id },
    );
    return;
  }
  try {
    await deps.workflows.succeed(token, t.output);
  } catch (e) {
    // The decision stands; the step re-entering after a restart or timeout reads it (Contract A).
    deps.logger.warn('The waiting workflow step could not be answered', { taskId: t.id, error: e as Error });
  }
};

/**
 * Schedule `review-task-deadlines`: pending tasks past their deadline are flagged overdue and the
 * escalation event is raised, once per task. A Query on the sparse deadline index, never a Scan.
 */
export const sweepDeadlines = async ({ deps, requestId }: Invocation): Promise<{ flagged: number }> => {
  const repo = tasksRepository(deps);
  const now = deps.clock.now();
  let flagged = 0;
  for (const t of await repo.dueBy(now)) {
    if (!isNewlyOverdue(t, now)) continue;
    const after = flagOverdue(t, now);
    try {
      await repo
        .save(systemTx(deps, requestId, 'review-task-deadlines'), after, t.version, { whilePending: true })
        .audit({
          action: 'task.overdue',
          resource: resource(t.id),
          before: auditState(t),
          after: auditState(after),
        })
        .publish(
          ReviewTaskOverdue.make({
            ...ref(after),
            escalatedAt: after.escalatedAt ?? now.toISOString(),
            title: t.title,
          }),
        )
        .commit();
    } catch (e) {
      // Decided or changed meanwhile: nothing to escalate.
      deps.logger.info('Task changed during the deadline sweep', { taskId: t.id, error: e as Error });
      continue;
    }
    flagged++;
  }
  return { flagged };
};

/**
 * Cancels the pending tasks of a subject and fails their waiting steps with `why.error`, so the workflow
 * ends through its Catch (e.g. `ApplicationWithdrawn`). A step entered later sees the cancelled task and
 * fails the same way.
 */
export const cancelSubjectTasks = async (
  deps: Deps,
  requestId: string,
  subject: Subject,
  why: { error: string; reason: string },
): Promise<number> => {
  const repo = tasksRepository(deps);
  let cancelled = 0;
  for (const { task, token } of await repo.listBySubject(subject)) {
    if (task.status !== 'pending') continue;
    const after = cancelTask(task, why, deps.clock.now());
    try {
      await repo
        .save(systemTx(deps, requestId, 'cancel'), after, task.version, { whilePending: true })
        .audit({
          action: 'task.cancel',
          resource: resource(task.id),
          before: auditState(task),
          after: auditState(after),
        })
        .commit();
    } catch (e) {
      deps.logger.info('Task changed while cancelling', { taskId: task.id, error: e as Error });
      continue;
    }
    cancelled++;
    if (!token) continue;
    try {
      await deps.workflows.fail(token, why.error, why.reason);
    } catch (e) {
      deps.logger.warn('The waiting workflow step could not be failed', {
        taskId: task.id,
        error: e as Error,
      });
    }
  }
  return cancelled;
};
