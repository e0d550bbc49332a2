import * as z from 'zod';
import { withHistory } from '../shared/actors.js';
import { codesOf, REPORT_STATUSES } from '../shared/codes.js';

const text = (max: number) => z.string().trim().min(1).max(max);
const version = z.number().int().positive().optional();
const instant = z.iso.datetime({ offset: true });
const count = z.number().int().min(0).max(1_000_000_000);
/** Yuan, to the fen. */
const money = z.number().min(0).max(1e13).multipleOf(0.01);

export const ReportId = z.object({ id: z.string().regex(/^rp_[0-9a-f]{26}$/, 'Not a report id') });

/** Art. 12.2 / 12.4: what an operation report says. */
export const ReportContent = z.object({
  products: z
    .array(z.object({ name: text(200), description: z.string().trim().max(4000).default(''), users: count }))
    .max(200),
  revenue: z.object({
    total: money,
    distribution: z.array(z.object({ party: text(200), amount: money })).max(100),
  }),
  dataUsed: z.array(z.object({ demandId: text(100), scenario: text(2000) })).max(500),
  securityMeasures: text(8000),
  incidents: z.array(z.object({ summary: text(4000), incidentId: z.string().max(100).optional() })).max(200),
  staffTraining: z.object({ sessions: count, participants: count, topics: z.string().max(4000).optional() }),
  problems: z.string().trim().max(8000).default(''),
  plans: z.string().trim().max(8000).default(''),
});

/** Attachments as metadata: the file itself lives in the operator's document store. */
export const Attachment = z.object({
  name: text(255),
  contentType: z.string().regex(/^[\w.+-]+\/[\w.+-]+$/, 'A media type such as application/pdf'),
  sizeBytes: z.number().int().min(0).max(1_073_741_824),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'Hex SHA-256 of the file'),
  uri: z.string().url().max(2000),
});

export const EditReport = z.object({
  content: ReportContent,
  attachments: z.array(Attachment).max(50).default([]),
  version,
});

export const SubmitReport = z.object({
  /** Art. 13: the operator declares the report truthful and complete. */
  truthfulnessDeclared: z.literal(true),
  version,
});

export const ReviewReport = z.discriminatedUnion('decision', [
  z.object({ decision: z.literal('accept'), comment: z.string().trim().max(4000).optional(), version }),
  z.object({ decision: z.literal('request-supplement'), request: text(4000), dueBy: instant, version }),
]);

export const AnswerSupplement = z.object({
  answer: text(8000),
  documents: z.array(text(500)).max(50).default([]),
  version,
});

export const CorrectReport = z.object({ reason: text(2000), version });

export const ListReportsQuery = z.object({
  grantId: z
    .string()
    .regex(/^gr_[0-9a-z]{10,60}$/)
    .optional(),
  status: z.enum(codesOf(REPORT_STATUSES)).optional(),
  overdue: z.enum(['true', 'false']).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(2000).optional(),
});

/**
 * A report (its current revision) with its earlier revisions; each names who submitted it (`actor`,
 * null for an unsubmitted draft) and who reviewed it (`review.actor`), with their 主要负责人 (Art. 18).
 */
export const ReportWithRevisions = withHistory(
  'revisions',
  'Every earlier revision, unchanged, with its actors',
);
