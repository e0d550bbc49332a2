import * as z from 'zod';
import { defineEvent } from './define.js';

/**
 * Events of the processing duty (Art. 16-18). `JobQueued` hands a checked job to the runner (the
 * processing function itself, through the bus: the submit returns at once, the run is retried by
 * EventBridge and ends in the dead-letter queue if it keeps failing).
 */
export const JobQueued = defineEvent(
  'processing',
  'JobQueued',
  z.object({ jobId: z.string(), operatorOrg: z.string(), grantId: z.string(), at: z.string() }),
);

/**
 * A manual output check passed its deadline undecided (the `output-check-deadlines` sweep, once per
 * job): the authority is reminded, the operator told its output is late; the job shows `overdueAt`.
 */
export const OutputCheckOverdue = defineEvent(
  'processing',
  'OutputCheckOverdue',
  z.object({ jobId: z.string(), operatorOrg: z.string(), dueAt: z.string(), at: z.string() }),
);

/** An output failed its automatic checks: the authority has a manual output check to do by `dueAt`. */
export const OutputCheckRequested = defineEvent(
  'processing',
  'OutputCheckRequested',
  z.object({
    jobId: z.string(),
    operatorOrg: z.string(),
    reasons: z.array(z.string()),
    dueAt: z.string(),
    at: z.string(),
  }),
);
