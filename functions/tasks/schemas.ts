import * as z from 'zod';
import { ROLES } from '../../infra/system.js';

const creditCode = z.string().regex(/^[0-9A-Z]{18}$/, 'An 18-character unified social credit code');

/** The Payload of an `openTask` step (Contract A), as a state machine sends it. */
export const OpenTaskInput = z.object({
  step: z.literal('openTask'),
  taskToken: z.string().min(1).max(2048),
  kind: z.string().min(1).max(64),
  subject: z.object({ type: z.string().min(1).max(64), id: z.string().min(1).max(128) }),
  assignee: z
    .object({
      role: z.enum(ROLES),
      org: creditCode.optional(),
      userId: z.string().min(1).max(128).optional(),
    })
    .strict(),
  dueInDays: z.number().positive().max(365),
  title: z.string().trim().min(1).max(500),
  context: z.record(z.string(), z.unknown()).default({}),
  execution: z.string().min(1).max(128),
});
export type OpenTaskInput = z.infer<typeof OpenTaskInput>;

export const TaskId = z.object({ id: z.string().regex(/^rt_[0-9a-z]{10,40}$/, 'Not a review task id') });

export const ListTasksQuery = z.object({
  status: z.enum(['pending', 'decided', 'cancelled']).optional(),
  overdue: z.enum(['true', 'false']).optional(),
  /** The authority's supervision view: every pending task of the platform (Art. 15). */
  all: z.enum(['true', 'false']).optional(),
  kind: z.string().min(1).max(64).optional(),
  subjectId: z.string().min(1).max(128).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(2000).optional(),
});
export type ListTasksQuery = z.infer<typeof ListTasksQuery>;

/** The decision body is validated against the task's kind (functions/tasks/kinds.ts) in the handler. */
export const DecisionBody = z.record(z.string(), z.unknown());

/**
 * Art. 10.3: the authority submits the review results of several applications of one announcement to
 * the government in one go; each task is decided as by POST /tasks/{id}/decision.
 */
export const BatchDecisionBody = z.object({
  taskIds: z
    .array(z.string().regex(/^rt_[0-9a-z]{10,40}$/, 'Not a review task id'))
    .min(1)
    .max(50)
    .refine((ids) => new Set(ids).size === ids.length, 'Each task may be named once'),
  decision: z.record(z.string(), z.unknown()),
});
