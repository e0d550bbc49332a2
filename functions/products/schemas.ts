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
