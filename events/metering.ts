import * as z from 'zod';
import { defineEvent } from './define.js';

/**
 * Metering (Art. 17: operators bear the cost of the platform resources they consume; Art. 18: usage
 * is attributable). Any duty that lets an operator consume a platform resource publishes
 * `ResourceUsed`; the billing side records each one once as a usage record (idempotent on `usageId`)
 * and rates it with the stage's tariff in the monthly statement.
 */
export const ResourceUsed = defineEvent(
  'metering',
  'ResourceUsed',
  z.object({
    /** Stable id of this use (e.g. `job/<jobId>/bytes-scanned`): a redelivered event records nothing new. */
    usageId: z.string().min(1),
    operatorOrg: z.string(),
    /** What was consumed: `api-call`, `storage`, `job`, `verification-call`, … */
    resource: z.string().min(1),
    /** The unit of `quantity`: `call`, `byte`, `gb-day`, `row`, `ms`, … */
    unit: z.string().min(1),
    quantity: z.number().nonnegative(),
    /** When the use happened (ISO 8601): the statement month is taken from it, in China Standard Time. */
    at: z.string(),
    /** The record the use belongs to (`job/<id>`, `product/<id>`), for the statement's detail lines. */
    subject: z.string().optional(),
    grantId: z.string().optional(),
    entitlementId: z.string().optional(),
  }),
);
