import * as z from 'zod';
import { defineEvent } from './define.js';

/** Events of data demands and entitlements (Art. 16). */
const DemandFacts = z.object({
  demandId: z.string(),
  operatorOrg: z.string(),
  grantId: z.string(),
  title: z.string(),
  entryIds: z.array(z.string()),
  at: z.string(),
});

const SOURCE = 'demands';

export const DemandFiled = defineEvent(
  SOURCE,
  'DemandFiled',
  DemandFacts.extend({ reviewers: z.array(z.object({ role: z.string(), org: z.string().optional() })) }),
);

export const DemandApproved = defineEvent(
  SOURCE,
  'DemandApproved',
  DemandFacts.extend({ entitlementIds: z.array(z.string()) }),
);

export const DemandRejected = defineEvent(
  SOURCE,
  'DemandRejected',
  DemandFacts.extend({ reasons: z.array(z.object({ reviewer: z.string(), reason: z.string() })) }),
);

/**
 * Entitlements of one operator under one grant ended because their catalog entry stopped being
 * authorizable (Art. 8 at every moment): withdrawn from the catalog, or an Art. 8 flag approved.
 */
export const EntitlementsEnded = defineEvent(
  SOURCE,
  'EntitlementsEnded',
  z.object({
    entryId: z.string(),
    entryTitle: z.string().nullable(),
    operatorOrg: z.string(),
    providerOrg: z.string(),
    grantId: z.string(),
    entitlementIds: z.array(z.string()),
    cause: z.enum(['entry-withdrawn', 'entry-restricted']),
    reason: z.string(),
    at: z.string(),
  }),
);
