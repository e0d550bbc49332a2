import * as z from 'zod';
import { withHistory } from '../shared/actors.js';
import {
  CATALOG_STATUSES,
  CLASSIFICATIONS,
  codesOf,
  DATA_ITEM_TYPES,
  DOMAINS,
  FORMATS,
  OPENNESS,
  UPDATE_FREQUENCIES,
} from '../shared/codes.js';

const text = (max: number) => z.string().trim().min(1).max(max);

export const DataItem = z.object({
  name: text(100),
  type: z.enum(codesOf(DATA_ITEM_TYPES)),
  description: z.string().trim().max(1000).default(''),
  personalInformation: z.boolean(),
});

/** Art. 8: grounds on which an entry may be catalogued but never authorized. */
export const Restrictions = z.object({
  stateSecret: z.boolean().default(false),
  publicSafety: z.boolean().default(false),
  closedByLaw: z.boolean().default(false),
});

export const CatalogContent = z.object({
  title: text(200),
  description: text(4000),
  domain: z.enum(codesOf(DOMAINS)),
  dataItems: z.array(DataItem).min(1).max(500),
  updateFrequency: z.enum(codesOf(UPDATE_FREQUENCIES)),
  format: z.enum(codesOf(FORMATS)),
  classification: z.enum(codesOf(CLASSIFICATIONS)),
  openness: z.enum(codesOf(OPENNESS)),
  usageRequirements: z.string().trim().max(4000).default(''),
  restrictions: Restrictions.default({ stateSecret: false, publicSafety: false, closedByLaw: false }),
});
export type CatalogContent = z.infer<typeof CatalogContent>;

export const CreateCatalogEntry = CatalogContent.extend({
  providerName: text(200).optional(),
});

/**
 * A patch names only what changes. No defaults here: zod's `.partial()` would still fill them in, and a
 * title-only edit would then clear the Art. 8 flags.
 */
export const UpdateCatalogEntry = z.object({
  title: text(200).optional(),
  description: text(4000).optional(),
  domain: z.enum(codesOf(DOMAINS)).optional(),
  dataItems: z.array(DataItem).min(1).max(500).optional(),
  updateFrequency: z.enum(codesOf(UPDATE_FREQUENCIES)).optional(),
  format: z.enum(codesOf(FORMATS)).optional(),
  classification: z.enum(codesOf(CLASSIFICATIONS)).optional(),
  openness: z.enum(codesOf(OPENNESS)).optional(),
  usageRequirements: z.string().trim().max(4000).optional(),
  restrictions: z
    .object({
      stateSecret: z.boolean().optional(),
      publicSafety: z.boolean().optional(),
      closedByLaw: z.boolean().optional(),
    })
    .optional(),
  version: z.number().int().positive().optional(),
});
export type CatalogPatch = Omit<z.infer<typeof UpdateCatalogEntry>, 'version'>;

export const SubmitCatalogEntry = z.object({ version: z.number().int().positive().optional() });

export const ReviewCatalogEntry = z.discriminatedUnion('decision', [
  z.object({
    decision: z.literal('approve'),
    version: z.number().int().positive().optional(),
    comment: z.string().max(2000).optional(),
  }),
  z.object({
    decision: z.literal('reject'),
    version: z.number().int().positive().optional(),
    reason: text(2000),
  }),
]);

export const WithdrawCatalogEntry = z.object({
  reason: text(2000),
  version: z.number().int().positive().optional(),
});

export const EntryId = z.object({ id: z.string().regex(/^ce_[0-9a-z]{10,40}$/, 'Not a catalog entry id') });

export const ListCatalogQuery = z.object({
  scope: z.enum(['public', 'mine', 'all']).optional(),
  domain: z.enum(codesOf(DOMAINS)).optional(),
  provider: z
    .string()
    .regex(/^[0-9A-Z]{18}$/, 'An 18-character unified social credit code')
    .optional(),
  classification: z.enum(codesOf(CLASSIFICATIONS)).optional(),
  openness: z.enum(codesOf(OPENNESS)).optional(),
  status: z.enum(codesOf(CATALOG_STATUSES)).optional(),
  /** Text to search; empty or whitespace only means no text filter (what an empty search box sends). */
  q: z.string().trim().max(100).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(2000).optional(),
});
export type ListCatalogQuery = z.infer<typeof ListCatalogQuery>;

/** An entry with its versions; each decided version names the decider and its 主要负责人 (Art. 18). */
export const CatalogEntryWithVersions = withHistory(
  'versions',
  'Every revision the caller may see: status, dates and the reviewer who decided it (null until decided)',
);
