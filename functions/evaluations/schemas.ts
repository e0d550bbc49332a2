import * as z from 'zod';
import { codesOf, EVALUATION_STATUSES } from '../shared/codes.js';

const text = (max: number) => z.string().trim().min(1).max(max);
const version = z.number().int().positive().optional();
/** References to documents the operator supplies (file ids, object keys or URLs). */
const documents = z.array(text(500)).max(50).default([]);
const instant = z.iso.datetime({ offset: true });

export const EvaluationId = z.object({
  id: z.string().regex(/^ev_[0-9a-z]{10,40}$/, 'Not an evaluation id'),
});

/** Art. 13: the authority opens a periodic evaluation of one active grant. */
export const OpenEvaluation = z.object({
  grantId: z.string().regex(/^gr_[0-9a-z]{10,60}$/, 'Not a grant id'),
  /** The period evaluated: a year (`2026`), a half (`2026-H1`) or a quarter (`2026-Q3`). */
  period: z.string().regex(/^\d{4}(-(H[12]|Q[1-4]))?$/, 'A year, e.g. 2026, 2026-H1 or 2026-Q3'),
  /** Deadline for the operator's material. */
  materialsDueAt: instant,
  scope: z.string().trim().max(4000).default(''),
});

/** Art. 13: the operator supplies truthful material. */
export const SubmitMaterials = z.object({
  description: text(8000),
  documents,
  /** The operator declares the material truthful and complete (如实提供, 不得隐匿、瞒报). */
  truthfulnessDeclared: z.literal(true),
  version,
});

/** The authority's manual part of the evaluation (Art. 13): a score and comment per criterion. */
const scores = z
  .array(
    z.object({
      criterion: text(100),
      score: z.number().min(0).max(100),
      comment: z.string().trim().max(2000).optional(),
    }),
  )
  .max(50)
  .optional();

/** Art. 14: the authority's result. */
export const RecordResult = z.discriminatedUnion('outcome', [
  z.object({ outcome: z.literal('pass'), comment: z.string().trim().max(4000).optional(), scores, version }),
  z.object({
    outcome: z.literal('fail'),
    findings: z.array(text(2000)).min(1).max(100),
    rectifyBy: instant,
    scores,
    version,
  }),
]);
export type RecordResult = z.infer<typeof RecordResult>;

/** Art. 14: the operator reports back on its rectification. */
export const ReportRectification = z.object({ report: text(8000), documents, version });

export const ReviewRectification = z.discriminatedUnion('decision', [
  z.object({ decision: z.literal('accept'), comment: z.string().trim().max(4000).optional(), version }),
  z.object({ decision: z.literal('reject'), reason: text(4000), version }),
]);
export type ReviewRectification = z.infer<typeof ReviewRectification>;

export const ListEvaluationsQuery = z.object({
  grantId: z
    .string()
    .regex(/^gr_[0-9a-z]{10,60}$/)
    .optional(),
  status: z.enum(codesOf(EVALUATION_STATUSES)).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(2000).optional(),
});
