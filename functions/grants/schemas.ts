import { createHash } from 'node:crypto';
import * as z from 'zod';
import { codesOf, DOMAINS } from '../shared/codes.js';
import { EXIT_ITEMS } from './domain.js';

const text = (max: number) => z.string().trim().min(1).max(max);
const orgCode = z.string().regex(/^[0-9A-Z]{18}$/, 'An 18-character unified social credit code');

export const GRANT_STATUSES = ['signing', 'active', 'suspended', 'terminated', 'expired'] as const;

/** Grants have a deterministic id per application, so drafting twice drafts once. */
export const grantIdFor = (applicationId: string): string =>
  `gr_${BigInt(`0x${createHash('sha256').update(`grant:${applicationId}`).digest('hex').slice(0, 32)}`).toString(36)}`;

export const GrantId = z.object({ id: z.string().regex(/^gr_[0-9a-z]{10,60}$/, 'Not a grant id') });

/** Step `draftGrant` (Contract B), called by the selection state machine after government approval. */
export const DraftGrantInput = z.object({
  applicationId: text(100),
  announcementId: text(100),
  mode: z.enum(['comprehensive', 'domain']),
  domain: z.enum(codesOf(DOMAINS)).optional(),
  scope: z.array(text(100)).min(1).max(500),
  grantor: z.object({ org: orgCode, role: z.enum(['authority', 'provider']), name: text(200).optional() }),
  operator: z.object({ org: orgCode, name: text(200) }),
  renewalOf: GrantId.shape.id.optional(),
  /** The city authority, when it is not the grantor (domain mode). */
  authorityOrg: orgCode.optional(),
  /** Art. 10.4: days the parties have to sign (default SIGNATURE_DUE_DAYS). */
  signatureDueInDays: z.number().int().min(1).max(365).optional(),
});
export type DraftGrantInput = z.infer<typeof DraftGrantInput>;

export const AwaitSignaturesInput = z.object({ grantId: GrantId.shape.id, taskToken: text(4096) });

const version = z.number().int().positive().optional();

export const SignGrant = z.object({ version });
export const SuspendGrant = z.object({ reason: text(2000), version });
export const ReinstateGrant = z.object({ reason: text(2000).optional(), version });
export const TerminateGrant = z.object({ reason: text(2000), version });

export const ConfirmExit = z.object({
  item: z.enum(codesOf(EXIT_ITEMS)),
  note: text(2000),
  version,
});

export const ListGrantsQuery = z.object({
  status: z.enum(GRANT_STATUSES).optional(),
  operator: orgCode.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(2000).optional(),
});
export type ListGrantsQuery = z.infer<typeof ListGrantsQuery>;

export const PublicGrantsQuery = z.object({
  mode: z.enum(['comprehensive', 'domain']).optional(),
  domain: z.enum(codesOf(DOMAINS)).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(2000).optional(),
});
export type PublicGrantsQuery = z.infer<typeof PublicGrantsQuery>;
