import * as z from 'zod';

const text = (max: number) => z.string().trim().min(1).max(max);
const version = z.number().int().positive().optional();
const month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'A month, e.g. 2026-11');

export const StatementId = z.object({
  id: z.string().regex(/^st-\d{6}-[0-9A-HJ-NPQRTUWXY]{18}$/, 'Not a statement id'),
});

export const ListStatementsQuery = z.object({
  /** Required for the authority and regulators (one month's statements); an operator lists its own. */
  month: month.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(2000).optional(),
});

export const UsageQuery = z.object({ month });

export const DisputeStatement = z.object({ reason: text(4000), version });

export const DecideDispute = z.discriminatedUnion('decision', [
  z.object({
    decision: z.literal('adjust'),
    adjustedTotalFen: z.number().int().min(0),
    response: text(4000),
    version,
  }),
  z.object({ decision: z.literal('reject'), response: text(4000), version }),
]);

export const SettleStatement = z.object({
  /** The payment's reference (bank transfer, voucher number). */
  reference: text(200),
  amountFen: z.number().int().min(0),
  version,
});
