import * as z from 'zod';
import { withHistory } from '../shared/actors.js';
import { codesOf } from '../shared/codes.js';
import { PROBLEM_KINDS } from './domain.js';

const text = (max: number) => z.string().trim().min(1).max(max);
const version = z.number().int().positive().optional();

export const CreateGovernanceRequest = z.object({
  entryId: z.string().regex(/^ce_[0-9a-z]{10,40}$/, 'Not a catalog entry id'),
  kind: z.enum(codesOf(PROBLEM_KINDS)),
  description: text(4000),
  examples: z.array(text(1000)).max(20).default([]),
});

export const GovernanceRequestId = z.object({
  id: z.string().regex(/^gq_[0-9a-z]{10,40}$/, 'Not a governance request id'),
});

/** Art. 11.1: the authority sets the deadline ("在规定期限内"). */
export const ForwardGovernanceRequest = z.object({
  deadlineDays: z.number().int().min(1).max(90),
  note: text(2000).optional(),
  version,
});
export const RespondGovernanceRequest = z.object({ response: text(4000), version });
export const ConfirmGovernanceRequest = z.object({ note: text(2000).optional(), version });
export const ReopenGovernanceRequest = z.object({ reason: text(2000), version });

export const ListGovernanceQuery = z.object({
  status: z.enum(['reported', 'forwarded', 'resolved', 'closed']).optional(),
  overdue: z.enum(['true', 'false']).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(2000).optional(),
});

/** A request with its steps, each naming its actor and that organisation's 主要负责人 (Art. 18). */
export const GovernanceRequestWithHistory = withHistory(
  'history',
  'Every step: action, time, note and who acted',
);
