import * as z from 'zod';
import { defineEvent } from './define.js';

/**
 * Events of the catalog (Art. 6-8). Each carries the entry's published facts, so consumers (the
 * search index, entitlements under Art. 8) never read the catalog table; `version` is the entry's
 * version after the change, so a consumer can ignore an event older than what it has applied.
 */
const EntryFacts = z.object({
  entryId: z.string(),
  version: z.number().int().positive(),
  providerOrg: z.string(),
  providerName: z.string().nullable(),
  at: z.string(),
});

/** The published content of an entry (functions/catalog/schemas.ts CatalogContent, as data). */
const PublishedContent = z.object({
  revision: z.number().int().positive(),
  title: z.string(),
  description: z.string(),
  domain: z.string(),
  dataItems: z.array(
    z.object({
      name: z.string(),
      type: z.string(),
      description: z.string(),
      personalInformation: z.boolean(),
    }),
  ),
  updateFrequency: z.string(),
  format: z.string(),
  classification: z.string(),
  openness: z.string(),
  usageRequirements: z.string(),
  restrictions: z.object({ stateSecret: z.boolean(), publicSafety: z.boolean(), closedByLaw: z.boolean() }),
  approvedAt: z.string(),
});

const SOURCE = 'catalog';

/**
 * A version of an entry was approved and replaces the published one. `public`: the public may see it
 * (not a state secret, Art. 8); `authorizable`: it may be authorized (no Art. 8 flag). A later version
 * that adds an Art. 8 flag arrives as this event with `authorizable: false`.
 */
export const CatalogEntryPublished = defineEvent(
  SOURCE,
  'CatalogEntryPublished',
  EntryFacts.extend({ published: PublishedContent, public: z.boolean(), authorizable: z.boolean() }),
);

/** The entry left the catalog (withdrawn by its provider or the authority): neither public nor authorizable. */
export const CatalogEntryWithdrawn = defineEvent(
  SOURCE,
  'CatalogEntryWithdrawn',
  EntryFacts.extend({ reason: z.string() }),
);
