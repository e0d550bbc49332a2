import { EvaluationMaterialsReminder, EvaluationRectificationOverdue } from '../../events/evaluations.js';
import { DAY_MS } from '../shared/clock.js';
import type { Invocation } from '../shared/duty.js';
import { AppError } from '../shared/errors.js';
import { systemActor, Transaction } from '../shared/store.js';
import { cycleOf } from './cycle.js';
import {
  auditState,
  awaitsMaterialsReminder,
  eventFacts,
  isRectificationOverdue,
  MATERIALS_REMINDER_DAYS,
  markMaterialsReminded,
  markRectificationOverdue,
} from './domain.js';
import { evaluationsRepository } from './repository.js';
import { evaluationResource } from './routes.js';

export const RECTIFICATION_JOB = 'evaluation-rectification-deadlines';

/**
 * Art. 14: 未按照要求整改的，终止其相关公共数据的授权运营资格. Daily: every rectifying evaluation past its
 * deadline without an accepted rectification becomes `failed-rectification` and raises
 * EvaluationRectificationOverdue (the grants function terminates the grant). Reads only the sparse
 * deadline index; each evaluation is its own conditional transaction, so a concurrent review wins.
 */
export const flagOverdueRectifications = async ({ deps, requestId }: Invocation) => {
  const repo = evaluationsRepository(deps);
  const now = deps.clock.now();
  const due = (await repo.rectificationDue(now)).filter((e) => isRectificationOverdue(e, now));
  let flagged = 0;
  for (const e of due) {
    const after = markRectificationOverdue(e, now);
    try {
      await repo
        .save(
          new Transaction(deps, { principal: systemActor(RECTIFICATION_JOB), requestId, now }),
          after,
          e.version,
        )
        .audit({
          action: 'evaluation.rectification-overdue',
          resource: evaluationResource(e.id),
          before: auditState(e),
          after: auditState(after),
        })
        .publish(
          EvaluationRectificationOverdue.make({
            ...eventFacts(after, now),
            rectifyBy: after.result?.rectifyBy ?? '',
          }),
        )
        .commit();
      flagged++;
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      deps.logger.info('Evaluation changed during the deadline sweep; the next run looks again', {
        evaluationId: e.id,
      });
    }
  }
  return { candidates: due.length, flagged };
};

export const CYCLE_JOB = 'evaluation-cycle';
/** Days the operator has to supply material for a cycle's evaluation (Art. 13). */
export const CYCLE_MATERIALS_DAYS = 30;

/**
 * The quarterly schedule (China Standard Time) starts the `evaluation-cycle` workflow for the quarter
 * that ended. The execution is named after the cycle, so a repeated schedule run starts nothing new.
 */
export const startEvaluationCycle = async ({ deps }: Invocation) => {
  const now = deps.clock.now();
  const cycleId = cycleOf(now);
  const materialsDueAt = new Date(now.getTime() + CYCLE_MATERIALS_DAYS * DAY_MS).toISOString();
  await deps.workflows.start('evaluation-cycle', `cycle-${cycleId}`, { cycleId, materialsDueAt, cursor: '' });
  return { cycleId, materialsDueAt };
};

export const REMINDER_JOB = 'evaluation-materials-reminders';

/** Daily: one reminder per open evaluation whose materials are due within MATERIALS_REMINDER_DAYS. */
export const remindMaterials = async ({ deps, requestId }: Invocation) => {
  const repo = evaluationsRepository(deps);
  const now = deps.clock.now();
  const due = (
    await repo.materialsDueBefore(new Date(now.getTime() + MATERIALS_REMINDER_DAYS * DAY_MS))
  ).filter((e) => awaitsMaterialsReminder(e) && Date.parse(e.materialsDueAt) > now.getTime());
  let reminded = 0;
  for (const e of due) {
    const after = markMaterialsReminded(e, now);
    try {
      await repo
        .save(
          new Transaction(deps, { principal: systemActor(REMINDER_JOB), requestId, now }),
          after,
          e.version,
        )
        .audit({
          action: 'evaluation.materials-reminder',
          resource: evaluationResource(e.id),
          before: auditState(e),
          after: auditState(after),
        })
        .publish(
          EvaluationMaterialsReminder.make({ ...eventFacts(after, now), materialsDueAt: e.materialsDueAt }),
        )
        .commit();
      reminded++;
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
    }
  }
  return { candidates: due.length, reminded };
};

export const evaluationsSchedules = {
  [REMINDER_JOB]: remindMaterials,
  [RECTIFICATION_JOB]: flagOverdueRectifications,
  [CYCLE_JOB]: startEvaluationCycle,
};
