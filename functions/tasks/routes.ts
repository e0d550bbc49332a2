import type { Principal } from '../shared/auth.js';
import type { Deps } from '../shared/deps.js';
import {
  ConflictError,
  ConflictOfInterestError,
  type FieldIssue,
  ForbiddenError,
  fieldIssues,
  NotFoundError,
  ValidationError,
} from '../shared/errors.js';
import { expertConflict, readExpert, readExperts } from '../shared/experts.js';
import { caller, pageReply, type RequestContext, type RouteTable, route } from '../shared/http.js';
import {
  assertPending,
  auditState,
  callerKeys,
  canSee,
  conflictOfInterest,
  decideTask,
  expertConflictOrgs,
  isAssignee,
  type ReviewTask,
  viewOf,
} from './domain.js';
import { documentedDecision, isTaskKind, kindDef, TASK_KINDS } from './kinds.js';
import { tasksRepository } from './repository.js';
import { BatchDecisionBody, DecisionBody, ListTasksQuery, TaskId } from './schemas.js';
import { afterDecision, decisionEvents, resource } from './service.js';

const labelOf = (t: ReviewTask) => (isTaskKind(t.kind) ? TASK_KINDS[t.kind].label : undefined);
const view = (t: ReviewTask) => viewOf(t, labelOf(t));

/**
 * One decision: only the assignee, never on their own record (403, audited), validated against the
 * task's kind, once (409), answered to the waiting workflow step.
 */
const decide = async (
  ctx: RequestContext<unknown, unknown, unknown>,
  id: string,
  body: unknown,
): Promise<ReviewTask> => {
  const p = caller(ctx);
  const { task, token } = await load(ctx.deps, id);
  // Only the assignee learns anything about the task: who else asks gets 403 before the body is
  // validated (a 400 would reveal what the decision needs, e.g. the expert criteria).
  if (!isAssignee(task, p)) throw new ForbiddenError('Only the assigned party may decide this task');
  assertPending(task);
  const refusal = { resource: resource(task.id), action: 'task.decide' };
  const conflict = conflictOfInterest(task, p);
  if (conflict) throw new ConflictOfInterestError(conflict, refusal);
  if (!isTaskKind(task.kind))
    throw new ConflictError(`Tasks of kind ${task.kind} cannot be decided here`, 'unknown_kind');
  const def = kindDef(task.kind);
  const parsed = def.decision.safeParse(body);
  if (!parsed.success)
    throw new ValidationError('The decision is invalid', fieldIssues(parsed.error.issues, 'body'));
  const refined = def.refine?.(parsed.data, task.context) ?? {};
  if (refined.issues?.length) throw new ValidationError('The decision is invalid', [...refined.issues]);
  await assertThirdPartyExperts(ctx.deps, task, p, parsed.data, refusal);
  // Already decided (or cancelled) is checked on the stored task, then again by the conditional write.
  const after = decideTask(task, p, { ...parsed.data, ...(refined.extra ?? {}) }, ctx.now);
  await tasksRepository(ctx.deps)
    .save(ctx.tx(), after, task.version, {
      whilePending: true,
      onConflict: () => new ConflictError('This task has already been decided', 'already_decided'),
    })
    .audit({
      action: `task.${after.decision}`,
      resource: resource(task.id),
      before: auditState(task),
      after: auditState(after),
    })
    .publish(...decisionEvents(after))
    .commit();
  await afterDecision(ctx.deps, after, token);
  return after;
};

const load = async (deps: Deps, id: string) => {
  const found = await tasksRepository(deps).getWithToken(id);
  if (!found) throw new NotFoundError('Review task');
  return found;
};

/** The review tasks' HTTP routes, keyed by the operationIds of infra/system.ts. */
/**
 * Art. 10.3 third-party experts: a panel is drawn from the authority's expert pool only (an unknown or
 * inactive user id is 400), and nobody from a conflicted organisation (the applicant's; the granting
 * provider's in domain mode) sits on it or scores (403, audited) — checked again when each expert scores,
 * as the pool may have changed.
 */
const assertThirdPartyExperts = async (
  deps: Deps,
  task: ReviewTask,
  p: Principal,
  decision: unknown,
  refusal: { resource: string; action: string },
): Promise<void> => {
  const conflicted = expertConflictOrgs(task);
  if (task.kind === 'expert-panel') {
    const named = (decision as { experts: string[] }).experts;
    const pool = await readExperts(deps, named);
    const issues: FieldIssue[] = [];
    named.forEach((userId, i) => {
      const e = pool.get(userId);
      if (!e?.active)
        issues.push({ path: `body.experts.${i}`, message: `${userId} is not an active expert of the pool` });
    });
    if (issues.length) throw new ValidationError('The panel must be drawn from the expert pool', issues);
    for (const userId of named) {
      const why = expertConflict(userId, pool.get(userId), conflicted);
      if (why) throw new ConflictOfInterestError(why, refusal);
    }
  }
  if (task.kind === 'expert-score') {
    const why = expertConflict(p.userId, await readExpert(deps, p.userId), conflicted);
    if (why) throw new ConflictOfInterestError(why, refusal);
  }
};

export const tasksRoutes: RouteTable = {
  listTasks: route({
    query: ListTasksQuery,
    async handle(ctx) {
      const p = caller(ctx);
      const repo = tasksRepository(ctx.deps);
      if (ctx.query.all === 'true') {
        // Art. 15: the authority supervises every pending step on the platform.
        if (!p.roles.includes('authority'))
          throw new ForbiddenError('Only the authority sees every pending task');
        const page = await repo.listPending(ctx.query);
        return pageReply(page, view);
      }
      const page = await repo.listForAssignees(callerKeys(p), ctx.query);
      return pageReply(page, view);
    },
  }),

  getTask: route({
    params: TaskId,
    async handle(ctx) {
      const { task } = await load(ctx.deps, ctx.params.id);
      if (!canSee(task, caller(ctx))) throw new ForbiddenError('This task is assigned to someone else');
      return { status: 200, body: view(task), headers: { etag: `"${task.version}"` } };
    },
  }),

  decideTask: route({
    params: TaskId,
    body: DecisionBody,
    documentedBody: documentedDecision(),
    async handle(ctx) {
      const after = await decide(ctx, ctx.params.id, ctx.body);
      return { status: 200, body: view(after) };
    },
  }),

  /**
   * Art. 10.3 (评审结果由数据主管部门统一报本级人民政府审定): several `result-submission` tasks of one
   * announcement decided together. All are checked first (same kind, one announcement, each pending and
   * the caller's); then each is decided in its own transaction, as by POST /tasks/{id}/decision.
   */
  decideTasks: route({
    body: BatchDecisionBody,
    documentedBody: BatchDecisionBody.extend({ decision: documentedDecision() }),
    async handle(ctx) {
      const p = caller(ctx);
      const loaded = await Promise.all(ctx.body.taskIds.map((id) => load(ctx.deps, id)));
      for (const { task } of loaded) {
        if (!isAssignee(task, p)) throw new ForbiddenError(`Task ${task.id} is assigned to someone else`);
        assertPending(task);
        if (task.kind !== 'result-submission')
          throw new ValidationError('Only result submissions are decided together', [
            { path: 'body.taskIds', message: `${task.id} is a ${task.kind} task` },
          ]);
      }
      const announcements = new Set(loaded.map(({ task }) => String(task.context.announcementId)));
      if (announcements.size > 1)
        throw new ValidationError('One submission carries the applications of one announcement', [
          { path: 'body.taskIds', message: `The tasks concern ${announcements.size} announcements` },
        ]);
      const decided: ReviewTask[] = [];
      for (const id of ctx.body.taskIds) decided.push(await decide(ctx, id, ctx.body.decision));
      return { status: 200, body: { items: decided.map(view) } };
    },
  }),
};
