import * as z from 'zod';
import { DATASET_FORMATS } from './domain.js';
import { MAX_SQL_CHARS } from './sql.js';

const entryId = z.string().regex(/^ce_[0-9a-z]{10,40}$/, 'Not a catalog entry id');
const demandId = z.string().regex(/^dd_[0-9a-z]{10,40}$/, 'Not a data demand id');
const orgCode = z.string().regex(/^[0-9A-Z]{18}$/, 'An 18-character unified social credit code');
const page = {
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(2000).optional(),
};

export const CreateUpload = z.object({
  entryId,
  /** CSV with a header, or Parquet (typed columns): either way, the entry's data items in order. */
  format: z.enum(DATASET_FORMATS).default('csv'),
  /** Exact size of the file, bytes. */
  bytes: z.number().int().positive(),
  /** Hex SHA-256 of the file: the platform verifies it before registering the version. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'Lower-case hex SHA-256'),
});

export const UploadId = z.object({ id: z.string().regex(/^up_[0-9a-z]{10,40}$/, 'Not an upload id') });
export const EntryParam = z.object({ entryId });

export const SubmitJob = z.object({
  /** The scenario (approved data demand) the job runs under; its effective entitlements are the tables. */
  demandId,
  sql: z.string().trim().min(1).max(MAX_SQL_CHARS),
  /** What the operator expects out: aggregates (released when they pass the checks) or rows (checked by hand). */
  outputKind: z.enum(['aggregate', 'rows']),
  purpose: z.string().trim().min(1).max(1000),
});

export const JobId = z.object({ id: z.string().regex(/^jb_[0-9a-z]{10,40}$/, 'Not a job id') });

export const ListJobsQuery = z.object({
  status: z
    .enum(['queued', 'running', 'released', 'output-check', 'rejected', 'failed', 'stopped'])
    .optional(),
  ...page,
});

export const PublicJobsQuery = z.object({ operator: orgCode.optional(), ...page });

export const OutputDecision = z.object({
  decision: z.enum(['approve', 'reject']),
  reason: z.string().trim().min(1).max(2000).optional(),
});

const parameterName = z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, 'Lower-case letters, digits, _');

export const CreateVerification = z.object({
  demandId,
  entryId,
  title: z.string().trim().min(1).max(200),
  /** The yes/no question in words, shown to callers. */
  question: z.string().trim().min(1).max(1000),
  predicates: z
    .array(
      z.object({
        column: z.string().trim().min(1).max(100),
        op: z.enum(['=', '<>', '<', '<=', '>', '>=']),
        parameter: parameterName,
      }),
    )
    .min(1)
    .max(5),
  /** The data product registration this verification belongs to (products duty), if any. */
  productId: z
    .string()
    .regex(/^[a-z]{2}_[0-9a-z]{10,40}$/)
    .optional(),
});

export const VerificationId = z.object({
  id: z.string().regex(/^vf_[0-9a-z]{10,40}$/, 'Not a verification id'),
});

export const VerificationCall = z.object({
  parameters: z.record(parameterName, z.string().max(200)),
});
