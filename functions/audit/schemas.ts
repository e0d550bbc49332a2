import * as z from 'zod';
import { ROLES } from '../../infra/system/types.js';
import { ActorView } from '../shared/actors.js';
import { isValidCreditCode } from '../shared/credit-code.js';

const instant = z.iso.datetime({ offset: true });
const creditCode = z.string().refine(isValidCreditCode, 'Not a valid unified social credit code');
/** `<type>/<id>` as written by the duties, e.g. `grant/gr_…`. */
const resource = z
  .string()
  .max(200)
  .regex(/^[a-z][a-z-]{1,40}\/[\w.:-]{1,150}$/, 'A resource as <type>/<id>, e.g. grant/gr_…');

/** Filters over the audit trail (Art. 15, 18). Every filter is optional; they combine with AND. */
export const AuditQuery = z
  .object({
    org: creditCode.optional(),
    user: z.string().trim().min(1).max(200).optional(),
    role: z.enum([...ROLES, 'system']).optional(),
    action: z
      .string()
      .max(100)
      .regex(/^[a-z][a-z-]*\.[a-z][a-z.-]*$/, 'An action such as grant.suspend')
      .optional(),
    resource: resource.optional(),
    /** Inclusive start; default 30 days before `to`. */
    from: instant.optional(),
    /** Inclusive end; default now. */
    to: instant.optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().max(4000).optional(),
  })
  .refine((q) => !q.from || !q.to || Date.parse(q.from) <= Date.parse(q.to), {
    message: '`from` must not be after `to`',
    path: ['from'],
  });
export type AuditQuery = z.infer<typeof AuditQuery>;

export const AuditExportQuery = AuditQuery.and(
  z.object({ format: z.enum(['csv', 'jsonl']).default('jsonl') }),
);
export type AuditExportQuery = z.infer<typeof AuditExportQuery>;

export const VerifyQuery = z.object({ resource });

/** The one actor shape of every record history (functions/shared/actors.ts). */
const actor = ActorView;

export const AuditEventView = z.object({
  resource: z.string(),
  seq: z.number(),
  at: z.string(),
  action: z.string(),
  actor,
  before: z.unknown(),
  after: z.unknown(),
  requestId: z.string(),
  hash: z.string(),
  prevHash: z.string(),
});

export const AuditPage = z.object({ items: z.array(AuditEventView), nextCursor: z.string().nullable() });

export const VerificationView = z.object({
  resource: z.string(),
  events: z.number(),
  ok: z.boolean(),
  firstBreak: z
    .object({
      seq: z.number().nullable(),
      sk: z.string(),
      reason: z.string(),
      expected: z.string().optional(),
      found: z.string().optional(),
    })
    .nullable(),
  headHash: z.string().nullable(),
});
