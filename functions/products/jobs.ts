import type { Invocation } from '../shared/duty.js';
import { AppError } from '../shared/errors.js';
import { systemActor, Transaction } from '../shared/store.js';
import { auditState, completeNotice } from './domain.js';
import { closedCharges, periodOf, previousPeriod, revenueViews } from './pricing.js';
import { productsRepository } from './repository.js';
import { productResource } from './routes.js';

export const NOTICE_JOB = 'product-notice-end';

/**
 * After the public notice: every version whose notice ended, with no objection upheld and none still
 * open, becomes the registered version (the first gets the registration code). Reads only the sparse
 * notice index. Idempotent: a registered version leaves the index, and each product is its own
 * conditional transaction (a concurrent objection decision wins; the next run looks again). A version
 * with an open objection waits for the authority's decision.
 */
export const registerAfterNotice = async ({ deps, requestId }: Invocation) => {
  const repo = productsRepository(deps);
  const now = deps.clock.now();
  const due = await repo.noticeEnded(now);
  let registered = 0;
  let waiting = 0;
  for (const p of due) {
    const open = (await repo.objections(p.id, true)).filter(
      (o) => o.status === 'open' && o.versionNumber === p.pending?.number,
    ).length;
    const after = completeNotice(p, open, now);
    if (!after) {
      waiting++;
      continue;
    }
    try {
      const tx = repo.save(
        new Transaction(deps, { principal: systemActor(NOTICE_JOB), requestId, now }),
        after,
        p.version,
      );
      if (!p.registrationCode && after.registrationCode) repo.claimCode(tx, after.registrationCode, p.id);
      await tx
        .audit({
          action: 'product.register',
          resource: productResource(p.id),
          before: auditState(p),
          after: auditState(after),
        })
        .commit();
      registered++;
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      deps.logger.info('Product changed during the notice sweep; the next run looks again', {
        productId: p.id,
      });
    }
  }
  return { candidates: due.length, registered, waiting };
};

export const CLOSE_JOB = 'product-month-close';

/** Runs `write` as one audited transaction; an "already written" conflict counts as done (a retry). */
const once = async (write: () => Promise<void>): Promise<boolean> => {
  try {
    await write();
    return true;
  } catch (e) {
    if (e instanceof AppError && e.status === 409) return false;
    throw e;
  }
};

/**
 * Art. 12.3: closes last month (CST) of product usage: marks it closing (from then on a use of that
 * month is recorded into the current one: every use condition-checks the mark), then writes once the
 * charge per subscription and the revenue with its distribution (per view: all, each operator, each
 * grantor), and last the closed mark. Each record is a conditional create: whatever the retries, a
 * period is closed once; a run after a failure completes what is missing.
 */
export const closeMonth = async ({ deps, requestId }: Invocation, period?: string) => {
  const repo = productsRepository(deps);
  const now = deps.clock.now();
  const p = period ?? previousPeriod(periodOf(now));
  if (await repo.closedAt(p)) return { period: p, charges: 0, alreadyClosed: true };
  const tx = () => new Transaction(deps, { principal: systemActor(CLOSE_JOB), requestId, now });
  const at = now.toISOString();
  await once(() => repo.markClosing(tx(), p, at).commit());
  const counters = await repo.countersOfPeriod(p);
  let charges = 0;
  for (const c of closedCharges(counters, at)) {
    const wrote = await once(() =>
      repo
        .writeCharge(tx(), c)
        .audit({
          action: 'charge.close',
          resource: `subscription/${c.subscriptionId}`,
          before: null,
          after: { period: p, totalFen: c.totalFen },
        })
        .commit(),
    );
    if (wrote) charges++;
  }
  for (const r of revenueViews(p, counters, at)) await once(() => repo.writeRevenue(tx(), r).commit());
  await once(() =>
    repo
      .markClosed(tx(), p, at)
      .audit({
        action: 'revenue.close',
        resource: `revenue/${p}`,
        before: null,
        after: { period: p, subscriptions: new Set(counters.map((c) => c.subscriptionId)).size },
      })
      .commit(),
  );
  return { period: p, charges, alreadyClosed: false };
};

export const productsSchedules = { [NOTICE_JOB]: registerAfterNotice, [CLOSE_JOB]: closeMonth };
