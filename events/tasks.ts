import * as z from 'zod';
import { defineEvent } from './define.js';

/** Review task events (Art. 10.3-10.4, 15): source `shiyan.tasks`. */
const Subject = z.object({ type: z.string(), id: z.string() });
const Assignee = z.object({ role: z.string(), org: z.string().optional(), userId: z.string().optional() });

const TaskRef = {
  taskId: z.string(),
  kind: z.string(),
  subject: Subject,
  assignee: Assignee,
  dueAt: z.string(),
};

export const ReviewTaskOpened = defineEvent(
  'tasks',
  'ReviewTaskOpened',
  z.object({ ...TaskRef, title: z.string() }),
);

export const ReviewTaskDecided = defineEvent(
  'tasks',
  'ReviewTaskDecided',
  z.object({
    ...TaskRef,
    decision: z.enum(['approve', 'reject']),
    reason: z.string().optional(),
    decidedBy: z.object({ userId: z.string(), role: z.string(), org: z.string() }),
    decidedAt: z.string(),
  }),
);

/** The escalation: a human step passed its deadline (the task stays pending and decidable). */
export const ReviewTaskOverdue = defineEvent(
  'tasks',
  'ReviewTaskOverdue',
  z.object({ ...TaskRef, escalatedAt: z.string(), title: z.string() }),
);
