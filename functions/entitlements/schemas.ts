import { createHash } from 'node:crypto';
import * as z from 'zod';
import { MAX_DEMAND_ENTRIES } from './domain.js';

const text = (max: number) => z.string().trim().min(1).max(max);
const orgCode = z.string().regex(/^[0-9A-Z]{18}$/, 'An 18-character unified social credit code');
const entryId = z.string().regex(/^ce_[0-9a-z]{10,40}$/, 'Not a catalog entry id');
const grantId = z.string().regex(/^gr_[0-9a-z]{10,60}$/, 'Not a grant id');

/** Art. 16: the scenario must be clear, implementable and of significant economic or social value. */
export const Scenario = z
  .object({
    title: text(200),
    description: text(4000),
    implementationPlan: text(4000),
    expectedValue: z.object({ economic: text(2000).optional(), social: text(2000).optional() }),
    dataFields: z.array(text(100)).min(1).max(200),
    durationMonths: z.number().int().min(1).max(24),
  })
  .refine((s) => !!s.expectedValue.economic || !!s.expectedValue.social, {
    message: 'State the expected economic or social value (Art. 16)',
    path: ['expectedValue'],
  });
export type Scenario = z.infer<typeof Scenario>;

export const CreateDemand = z.object({
  grantId,
  entries: z.array(entryId).min(1).max(MAX_DEMAND_ENTRIES),
  scenario: Scenario,
});

export const DemandId = z.object({ id: z.string().regex(/^dd_[0-9a-z]{10,40}$/, 'Not a data demand id') });

const page = {
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(2000).optional(),
};

export const ListDemandsQuery = z.object({
  status: z.enum(['under-review', 'approved', 'rejected']).optional(),
  ...page,
});
export type ListDemandsQuery = z.infer<typeof ListDemandsQuery>;

export const ListEntitlementsQuery = z.object({
  status: z.enum(['active', 'inactive', 'ended']).optional(),
  grantId: grantId.optional(),
  ...page,
});

export const CheckEntitlementQuery = z.object({ operator: orgCode, entry: entryId });

/** Entitlement ids are derived from what they entitle, so creating one twice creates it once. */
export const entitlementIdFor = (grant: string, demand: string, entry: string): string =>
  `en_${BigInt(`0x${createHash('sha256').update(`${grant}|${demand}|${entry}`).digest('hex').slice(0, 32)}`).toString(36)}`;

/** Step `decideDemand`: the reviews the Map of the review workflow collected, in reviewer order. */
export const DecideDemandInput = z.object({
  demandId: z.string(),
  reviews: z.array(
    z.object({
      taskId: z.string(),
      decision: z.enum(['approve', 'reject']),
      reason: z.string().optional(),
      decidedBy: z.object({ userId: z.string(), role: z.string(), org: z.string() }),
    }),
  ),
});

export const CheckEntitlementInput = z.object({ operatorOrg: z.string(), entryId: z.string() });
