import * as z from 'zod';
import { BILLING_UNITS, PRODUCT_FORMS, PURPOSES } from './pricing.js';

const text = (max: number) => z.string().trim().min(1).max(max);
const version = z.number().int().positive().optional();
const fen = z.number().int().min(0).max(1_000_000_000);
const cursor = z.string().max(2000).optional();
const limit = z.coerce.number().int().min(1).max(100).default(20);

export const ProductId = z.object({ id: z.string().regex(/^pd_[0-9a-z]{10,40}$/, 'Not a product id') });
export const SubscriptionId = z.object({
  id: z.string().regex(/^sb_[0-9a-z]{10,40}$/, 'Not a subscription id'),
});
export const ObjectionPath = z.object({
  id: z.string().regex(/^pd_[0-9a-z]{10,40}$/, 'Not a product id'),
  objectionId: z.string().regex(/^ob_[0-9a-z]{10,40}$/, 'Not an objection id'),
});
/** `YYYY-MM`, China Standard Time. */
export const Period = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'A month, e.g. 2026-11');

/** Graduated tiers: `upTo` strictly increasing, only the last one open-ended (`null`). */
const Tiers = z
  .array(z.object({ upTo: z.number().positive().nullable(), unitPriceFen: fen }))
  .min(1)
  .max(10)
  .superRefine((tiers, ctx) => {
    tiers.forEach((t, i) => {
      const last = i === tiers.length - 1;
      if (t.upTo === null && !last)
        ctx.addIssue({ code: 'custom', path: [i, 'upTo'], message: 'Only the last tier may be open-ended' });
      if (last && t.upTo !== null)
        ctx.addIssue({
          code: 'custom',
          path: [i, 'upTo'],
          message: 'The last tier must be open-ended (null)',
        });
      const prev = tiers[i - 1]?.upTo;
      if (i > 0 && t.upTo !== null && prev !== null && prev !== undefined && t.upTo <= prev)
        ctx.addIssue({ code: 'custom', path: [i, 'upTo'], message: 'Tier bounds must increase' });
    });
  });

const Prices = z
  .array(z.object({ unit: z.enum(BILLING_UNITS), tiers: Tiers }))
  .min(1)
  .max(BILLING_UNITS.length)
  .refine((ps) => new Set(ps.map((p) => p.unit)).size === ps.length, 'One price per billing unit');

/** Art. 4, 11.2: what an operator declares about a product. */
export const ProductContent = z.object({
  name: text(200),
  form: z.enum(PRODUCT_FORMS),
  description: text(8000),
  entitlementIds: z
    .array(z.string().regex(/^en_[0-9a-z]{10,40}$/, 'Not an entitlement id'))
    .min(1)
    .max(30)
    .refine((ids) => new Set(ids).size === ids.length, 'Each entitlement once'),
  intendedUsers: text(2000),
  intendedUses: text(2000),
  delivery: text(2000),
  securityMeasures: text(4000),
  prices: Prices,
  publicInterestTerms: text(4000),
  reuse: z
    .object({ reprovision: z.boolean(), redevelopment: z.boolean() })
    .default({ reprovision: false, redevelopment: false }),
});

export const CreateProduct = ProductContent.extend({
  grantId: z.string().regex(/^gr_[0-9a-z]{10,60}$/, 'Not a grant id'),
});
export const ChangeProduct = ProductContent.extend({ version });

export const ReviewProduct = z.discriminatedUnion('decision', [
  z.object({
    decision: z.literal('approve'),
    /** The notice period in working days (default 10). */
    noticeWorkingDays: z.number().int().min(1).max(60).optional(),
    version,
  }),
  z.object({ decision: z.literal('reject'), reason: text(4000), version }),
]);

export const WithdrawProduct = z.object({ reason: text(2000), version });

/** Anyone may object during the notice; anonymous objectors may leave a contact. */
export const FileObjection = z.object({
  reasons: text(4000),
  name: z.string().trim().max(100).optional(),
  contact: z.string().trim().max(200).optional(),
});

export const HandleObjection = z.object({
  decision: z.enum(['uphold', 'dismiss']),
  response: text(4000),
});

export const ListProductsQuery = z.object({
  status: z
    .enum(['under-review', 'on-notice', 'rejected', 'registered', 'suspended', 'delisted', 'withdrawn'])
    .optional(),
  form: z.enum(PRODUCT_FORMS).optional(),
  limit,
  cursor,
});
export const PublicProductsQuery = z.object({
  form: z.enum(PRODUCT_FORMS).optional(),
  operator: z
    .string()
    .regex(/^[0-9A-HJ-NPQRTUWXY]{18}$/, 'A unified social credit code')
    .optional(),
  limit,
  cursor,
});

export const SetPriceCap = z
  .object({
    productId: z
      .string()
      .regex(/^pd_[0-9a-z]{10,40}$/, 'Not a product id')
      .optional(),
    form: z.enum(PRODUCT_FORMS).optional(),
    unit: z.enum(BILLING_UNITS),
    maxUnitPriceFen: fen,
    basis: z.string().trim().max(2000).optional(),
  })
  .refine((c) => !!c.productId !== !!c.form, {
    message: 'Give either productId or form',
    path: ['productId'],
  });

export const Subscribe = z.object({
  consumerName: text(200),
  principal: z.object({
    name: text(100),
    title: z.string().trim().max(100).optional(),
    contact: z.string().trim().max(200).optional(),
  }),
  purpose: z.enum(PURPOSES),
  useDescription: text(4000),
});

export const DecideSubscription = z.discriminatedUnion('decision', [
  z.object({ decision: z.literal('approve'), comment: z.string().trim().max(2000).optional(), version }),
  z.object({ decision: z.literal('reject'), reason: text(2000), version }),
]);
export const CancelSubscription = z.object({ version });

export const ListSubscriptionsQuery = z.object({
  productId: z
    .string()
    .regex(/^pd_[0-9a-z]{10,40}$/)
    .optional(),
  limit,
  cursor,
});

/** One use, reported by the operator's delivery system; `usageId` makes a retry record nothing new. */
export const RecordUsage = z.object({
  usageId: z.string().regex(/^[\w.:/-]{1,128}$/, '1-128 characters: letters, digits, . _ : / -'),
  kind: z.enum(['delivery', 'reprovision', 'redevelopment']).default('delivery'),
  unit: z.enum(BILLING_UNITS),
  quantity: z.number().positive().max(1e12),
  at: z.iso.datetime({ offset: true }),
  note: z.string().trim().max(1000).optional(),
});

export const PeriodQuery = z.object({ period: Period });
export const RevenueQuery = z.object({ period: Period });
export const DisclosureYear = z.object({
  year: z.string().regex(/^(19|20)\d{2}$/, 'A year, e.g. 2026'),
});

// ---------------------------------------------------------------------------------------------------
// Response shapes of the public routes (the portal generates its types from these via /openapi.json).

const PriceOut = z.object({
  unit: z.enum(BILLING_UNITS),
  tiers: z.array(z.object({ upTo: z.number().nullable(), unitPriceFen: z.number().int() })),
});
const iso = z.string().describe('ISO 8601 instant');

/** A product as the public sees it (GET /public/products, /public/products/{id}). */
export const PublicProduct = z.object({
  id: z.string(),
  status: z.enum([
    'on-notice',
    'registered',
    'suspended',
    'delisted',
    'withdrawn',
    'under-review',
    'rejected',
  ]),
  registrationCode: z.string().nullable(),
  operator: z.object({ org: z.string(), name: z.string() }),
  name: z.string().nullable(),
  form: z.enum(PRODUCT_FORMS).nullable(),
  description: z.string().nullable(),
  intendedUsers: z.string().nullable(),
  intendedUses: z.string().nullable(),
  delivery: z.string().nullable(),
  prices: z.array(PriceOut).describe('Industry and commercial use; amounts in fen'),
  publicInterestTerms: z
    .string()
    .nullable()
    .describe('Conditions of free use for public governance and welfare'),
  reuse: z.object({ reprovision: z.boolean(), redevelopment: z.boolean() }).nullable(),
  version: z.number().int().nullable(),
  registeredAt: iso.nullable(),
  notice: z
    .object({
      version: z.number().int(),
      startsAt: iso.optional(),
      endsAt: iso.optional(),
      content: z.record(z.string(), z.unknown()),
    })
    .nullable()
    .describe('The version on public notice, open to objections until endsAt'),
  endedAt: iso.nullable(),
});
export const PublicProductPage = z.object({
  items: z.array(PublicProduct),
  nextCursor: z.string().nullable(),
});

export const ObjectionReceipt = z.object({
  id: z.string(),
  productId: z.string(),
  status: z.literal('open'),
  filedAt: iso,
});

export const PriceCapOut = z.object({
  key: z.string(),
  productId: z.string().optional(),
  form: z.enum(PRODUCT_FORMS).optional(),
  unit: z.enum(BILLING_UNITS),
  maxUnitPriceFen: z.number().int(),
  setBy: z.string(),
  setAt: iso,
  basis: z.string().optional(),
});
export const PriceCapList = z.object({ items: z.array(PriceCapOut), nextCursor: z.null() });

/** GET /public/disclosures/{year}. */
export const Disclosure = z.object({
  year: z.number().int(),
  basis: z.string(),
  grants: z.array(
    z.object({
      grantId: z.string(),
      grantee: z.object({ org: z.string(), name: z.string() }),
      grantor: z.object({
        org: z.string(),
        role: z.enum(['authority', 'provider']),
        name: z.string().nullable(),
      }),
      mode: z.enum(['comprehensive', 'domain']),
      domain: z.string().nullable(),
      scope: z.array(z.string()),
      term: z.object({ from: iso.nullable(), to: iso.nullable() }),
      terminatedAt: iso.nullable(),
    }),
  ),
  priceCaps: z.array(
    z.object({
      productId: z.string().nullable(),
      form: z.enum(PRODUCT_FORMS).nullable(),
      unit: z.enum(BILLING_UNITS),
      maxUnitPriceFen: z.number().int(),
      setAt: iso,
    }),
  ),
  operators: z.array(
    z.object({
      org: z.string(),
      authorizedData: z.array(
        z.object({
          entryId: z.string(),
          providerOrg: z.string(),
          grantId: z.string(),
          validFrom: iso,
          validUntil: iso,
        }),
      ),
      products: z.array(
        z.object({
          productId: z.string(),
          registrationCode: z.string().nullable(),
          name: z.string().nullable(),
          form: z.enum(PRODUCT_FORMS).nullable(),
          registeredAt: iso.nullable(),
          statusAtYearEnd: z.enum(['registered', 'withdrawn', 'delisted']),
          feesFen: z.number().int(),
        }),
      ),
      feesFen: z.number().int(),
    }),
  ),
  fees: z.object({
    grossFen: z.number().int(),
    parties: z.array(
      z.object({
        org: z.string(),
        role: z.enum(['operator', 'grantor', 'authority']),
        amountFen: z.number().int(),
      }),
    ),
  }),
  evaluations: z.array(
    z.object({
      evaluationId: z.string(),
      grantId: z.string(),
      operatorOrg: z.string(),
      period: z.string(),
      outcome: z.enum(['pass', 'fail']).nullable(),
      decidedAt: iso.nullable(),
    }),
  ),
});
