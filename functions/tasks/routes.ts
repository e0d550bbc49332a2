import type { Deps } from '../shared/deps.js';
import {
  ConflictError,
  ForbiddenError,
  fieldIssues,
  NotFoundError,
  ValidationError,
} from '../shared/errors.js';
import { caller, pageReply, type RouteTable, route } from '../shared/http.js';
import {
  assertPending,
  auditState,
  callerKeys,
  canSee,
  decideTask,
  isAssignee,
  type ReviewTask,
  viewOf,
} from './domain.js';
import { isTaskKind, kindDef, TASK_KINDS } from './kinds.js';
import { tasksRepository } from './repository.js';
import { DecisionBody, ListTasksQuery, TaskId } from './schemas.js';
import { afterDecision, decisionEvents, resource } from './service.js';

const labelOf = (t: ReviewTask) => (isTaskKind(t.kind) ? TASK_KINDS[t.kind].label : undefined);
const view = (t: ReviewTask) => viewOf(t, labelOf(t));

const load = async (deps: Deps, id: string) => {
  const found = await tasksRepository(deps).getWithToken(id);
  if (!found) throw new NotFoundError('Review task');
  return found;
};

/** The review tasks' HTTP routes, keyed by the operationIds of infra/system.ts. */
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
    async handle(ctx) {
      const p = caller(ctx);
      const { task, token } = await load(ctx.deps, ctx.params.id);
      // Only the assignee learns anything about the task: who else asks gets 403 before the body is
      // validated (a 400 would reveal what the decision needs, e.g. the expert criteria).
      if (!isAssignee(task, p)) throw new ForbiddenError('Only the assigned party may decide this task');
      assertPending(task);
      if (!isTaskKind(task.kind))
        throw new ConflictError(`Tasks of kind ${task.kind} cannot be decided here`, 'unknown_kind');
      const def = kindDef(task.kind);
      const parsed = def.decision.safeParse(ctx.body);
      if (!parsed.success)
        throw new ValidationError('The decision is invalid', fieldIssues(parsed.error.issues, 'body'));
      const refined = def.refine?.(parsed.data, task.context) ?? {};
      if (refined.issues?.length) throw new ValidationError('The decision is invalid', [...refined.issues]);
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
      return { status: 200, body: view(after) };
    },
  }),
};
