import { ResourceUsed } from '../../events/metering.js';
import type { BusEvent, Invocation } from '../shared/duty.js';
import { ConflictError } from '../shared/errors.js';
import { systemActor, Transaction } from '../shared/store.js';
import { bookingMonth, monthOf } from './domain.js';
import { billingRepository, type Use } from './repository.js';

/**
 * Art. 17: records each ResourceUsed once (idempotent on `usageId`: EventBridge delivers at least
 * once) and adds it to the operator's meter of its month — or of the current month, when the month
 * of the use already has its statement (a late use is billed next, never lost and never re-opening an
 * issued statement). A malformed event throws: the bus retries it and then dead-letters it.
 */
export const recordResourceUse = async (event: BusEvent, inv: Invocation): Promise<{ recorded: boolean }> => {
  const d = ResourceUsed.parse(event.detail);
  const repo = billingRepository(inv.deps);
  if (await repo.use(d.usageId)) return { recorded: false };
  const now = inv.deps.clock.now();
  const issued = !!(await repo.statement(d.operatorOrg, monthOf(d.at)));
  const write = (bookedMonth: string) => {
    const use: Use = {
      usageId: d.usageId,
      operatorOrg: d.operatorOrg,
      resource: d.resource,
      unit: d.unit,
      quantity: d.quantity,
      at: d.at,
      bookedMonth,
      subject: d.subject,
      grantId: d.grantId,
      entitlementId: d.entitlementId,
      recordedAt: now.toISOString(),
    };
    return repo
      .recordUse(
        new Transaction(inv.deps, { principal: systemActor('metering'), requestId: event.id, now }),
        use,
      )
      .audit({
        action: 'resource.used',
        resource: `operator-usage/${d.operatorOrg}/${bookedMonth}`,
        before: null,
        after: { ...use },
      })
      .commit();
  };
  try {
    await write(bookingMonth(d.at, issued, now));
  } catch (e) {
    if (!(e instanceof ConflictError)) throw e;
    if (e.code === 'usage_exists') return { recorded: false };
    if (e.code !== 'statement_issued') throw e;
    // The statement was issued between the read and the write: book the use in the current month.
    try {
      await write(monthOf(now));
    } catch (again) {
      if (again instanceof ConflictError && again.code === 'usage_exists') return { recorded: false };
      throw again;
    }
  }
  return { recorded: true };
};

export const billingEvents = {
  ResourceUsed: async (event: BusEvent, inv: Invocation) => {
    await recordResourceUse(event, inv);
  },
};
