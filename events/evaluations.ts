import * as z from 'zod';
import { defineEvent } from './define.js';

/**
 * Events of the evaluations duty (Art. 13-14). Each carries the grant and the authority that ordered
 * the evaluation, so the grants function can act on it without reading the evaluations table;
 * `version` is the evaluation's version after the change.
 */
const EvaluationFacts = z.object({
  evaluationId: z.string(),
  version: z.number().int().positive(),
  grantId: z.string(),
  operatorOrg: z.string(),
  authorityOrg: z.string(),
  period: z.string(),
  at: z.string(),
});

const SOURCE = 'evaluations';

/** Art. 14: the result does not meet the requirements: rectification ordered, data-use rights suspended. */
export const EvaluationFailed = defineEvent(
  SOURCE,
  'EvaluationFailed',
  EvaluationFacts.extend({ findings: z.array(z.string()).min(1), rectifyBy: z.string() }),
);

/** Art. 14: the authority accepted the operator's rectification report: the grant is reinstated. */
export const EvaluationRectified = defineEvent(SOURCE, 'EvaluationRectified', EvaluationFacts);

/** Art. 14: not rectified by the deadline: the authorization for that data is terminated. */
export const EvaluationRectificationOverdue = defineEvent(
  SOURCE,
  'EvaluationRectificationOverdue',
  EvaluationFacts.extend({ rectifyBy: z.string() }),
);

/** Art. 13: an evaluation was opened (by the authority or a scheduled cycle); the operator supplies material. */
export const EvaluationOpened = defineEvent(
  SOURCE,
  'EvaluationOpened',
  EvaluationFacts.extend({ materialsDueAt: z.string(), cycle: z.string().optional() }),
);

/** The materials deadline is near and no material was supplied yet (sent once per evaluation). */
export const EvaluationMaterialsReminder = defineEvent(
  SOURCE,
  'EvaluationMaterialsReminder',
  EvaluationFacts.extend({ materialsDueAt: z.string() }),
);

/** The evaluation events the grants function follows (rule `grants-follow-evaluations`). */
export const EVALUATION_GRANT_EVENTS = [
  EvaluationFailed,
  EvaluationRectified,
  EvaluationRectificationOverdue,
] as const;
