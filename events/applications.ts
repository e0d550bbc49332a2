import * as z from 'zod';
import { defineEvent } from './define.js';

/** Announcement and application events (Art. 9, 10): source `shiyan.applications`. */
export const AnnouncementPublished = defineEvent(
  'applications',
  'AnnouncementPublished',
  z.object({
    announcementId: z.string(),
    year: z.number().int(),
    title: z.string(),
    mode: z.enum(['comprehensive', 'domain']),
    domain: z.string().optional(),
    scope: z.array(z.string()),
    opensAt: z.string(),
    closesAt: z.string(),
  }),
);

const ApplicationRef = {
  applicationId: z.string(),
  announcementId: z.string(),
  operatorOrg: z.string(),
  renewalOf: z.string().optional(),
};

export const ApplicationSubmitted = defineEvent(
  'applications',
  'ApplicationSubmitted',
  z.object({ ...ApplicationRef, mode: z.enum(['comprehensive', 'domain']), reviewerOrg: z.string() }),
);

/**
 * Rejected at any step: automatic screening, qualification review, expert review, government approval
 * (also: the domain's one operator already selected, Art. 5), or signing (the agreement could not be
 * drafted, or was terminated before both signatures, Art. 10.4).
 */
export const ApplicationRejected = defineEvent(
  'applications',
  'ApplicationRejected',
  z.object({ ...ApplicationRef, step: z.string(), reason: z.string() }),
);

export const ApplicationWithdrawn = defineEvent(
  'applications',
  'ApplicationWithdrawn',
  z.object({ ...ApplicationRef, reason: z.string().optional() }),
);

export const ApplicationApproved = defineEvent(
  'applications',
  'ApplicationApproved',
  z.object({ ...ApplicationRef, grantId: z.string() }),
);

/**
 * Art. 9: an organisation put on the credit list (created or imported, in force). The grants duty flags
 * each running grant of that operator (by credit code, or by NFKC-normalised name) and asks the authority
 * to review it. Raised again when an import replaces the entry: consumers are idempotent by `entryId`.
 */
export const CreditListEntryListed = defineEvent(
  'applications',
  'CreditListEntryListed',
  z.object({
    entryId: z.string(),
    creditCode: z.string(),
    name: z.string().optional(),
    list: z.enum(['dishonest-judgment-debtor', 'major-tax-violation', 'serious-violation']),
    source: z.string(),
    listedAt: z.string(),
  }),
);
