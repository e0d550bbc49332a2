import type { Invocation } from '../shared/duty.js';
import { AppError } from '../shared/errors.js';
import { systemActor, Transaction } from '../shared/store.js';
import { auditState, completeNotice } from './domain.js';
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

export const productsSchedules = { [NOTICE_JOB]: registerAfterNotice };
