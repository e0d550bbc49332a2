import * as z from 'zod';
import { defineEvent } from './define.js';

/**
 * Events of the grants duty (Art. 4, 10.5, 14). Every grant event carries the parties and the term,
 * so consumers (entitlements, notifications) never read the grants table; `version` is the grant's
 * version after the change, so a consumer can ignore an event older than what it has applied.
 */
const GrantFacts = z.object({
  grantId: z.string(),
  version: z.number().int().positive(),
  operatorOrg: z.string(),
  operatorName: z.string().optional(),
  grantorOrg: z.string(),
  grantorRole: z.enum(['authority', 'provider']),
  mode: z.enum(['comprehensive', 'domain']),
  domain: z.string().optional(),
  scope: z.array(z.string()),
  effectiveFrom: z.string().nullable(),
  expiresAt: z.string().nullable(),
  at: z.string(),
});

const SOURCE = 'grants';

/**
 * Second signature: the agreement's term runs from `effectiveFrom` (a renewal: always the old end, so
 * terms are contiguous; access under a renewal signed late starts at its activation, `at`).
 */
export const GrantActivated = defineEvent(
  SOURCE,
  'GrantActivated',
  GrantFacts.extend({ renewalOf: z.string().optional(), applicationId: z.string() }),
);

/** Art. 14: data-use rights suspended pending rectification. */
export const GrantSuspended = defineEvent(
  SOURCE,
  'GrantSuspended',
  GrantFacts.extend({ reason: z.string() }),
);

export const GrantReinstated = defineEvent(
  SOURCE,
  'GrantReinstated',
  GrantFacts.extend({ reason: z.string().optional() }),
);

/** Art. 14: authorization terminated; the exit mechanism of the agreement applies (Art. 4). */
export const GrantTerminated = defineEvent(
  SOURCE,
  'GrantTerminated',
  GrantFacts.extend({ reason: z.string() }),
);

/** Art. 10.5: the 2-year term ended. */
export const GrantExpired = defineEvent(
  SOURCE,
  'GrantExpired',
  GrantFacts.extend({ renewedBy: z.string().optional() }),
);

/** Art. 10.5: the operator must re-apply before the term ends; sent 90, 30 and 7 days before, once each. */
export const GrantExpiryReminder = defineEvent(
  SOURCE,
  'GrantExpiryReminder',
  GrantFacts.extend({ daysBefore: z.number().int().positive() }),
);

/**
 * Art. 10.4: the agreement was not signed by both parties by its deadline (`signBy`); raised once, as
 * an escalation to the parties still to sign and to the authority.
 */
export const GrantSignatureOverdue = defineEvent(
  SOURCE,
  'GrantSignatureOverdue',
  GrantFacts.extend({
    signBy: z.string(),
    missing: z.array(z.enum(['grantor', 'operator'])).min(1),
    authorityOrg: z.string().optional(),
    applicationId: z.string(),
  }),
);

/** Art. 4: one exit confirmation (asset disposal, data return/destruction…) recorded. */
export const GrantExitConfirmed = defineEvent(
  SOURCE,
  'GrantExitConfirmed',
  GrantFacts.extend({ item: z.string(), party: z.enum(['operator', 'grantor']), complete: z.boolean() }),
);

/** The grant events that change whether its entitlements are effective. */
export const GRANT_STATE_EVENTS = [
  GrantActivated,
  GrantSuspended,
  GrantReinstated,
  GrantTerminated,
  GrantExpired,
] as const;

/**
 * Art. 9: the operator of a running grant was put on the credit list after its screening. The grant
 * carries the flag (`creditListings` on GET /grants/{id}); the tasks duty opens the authority's
 * `credit-listing-review` task. Once per grant and credit list entry.
 */
export const GrantCreditListed = defineEvent(
  SOURCE,
  'GrantCreditListed',
  z.object({
    grantId: z.string(),
    operatorOrg: z.string(),
    operatorName: z.string(),
    status: z.enum(['active', 'suspended']),
    entryId: z.string(),
    matchedBy: z.enum(['credit-code', 'name']),
    list: z.string(),
    source: z.string(),
    listedAt: z.string(),
    authorityOrg: z.string(),
  }),
);
