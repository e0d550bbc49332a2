import { GrantExpired, GrantExpiryReminder, GrantSignatureOverdue } from '../../events/grants.js';
import type { Invocation } from '../shared/duty.js';
import { AppError } from '../shared/errors.js';
import { systemActor, Transaction } from '../shared/store.js';
import {
  auditState,
  eventFacts,
  expire,
  flagSignatureOverdue,
  type Grant,
  isDueForExpiry,
  isSignatureOverdue,
  missingSignatures,
  reminderDue,
  reminderWindows,
  sweepLookback,
  wantsReminder,
} from './domain.js';
import { grantsRepository } from './repository.js';
import { grantResource } from './routes.js';

/**
 * Grants expired per transaction: each is one conditional put, its audit event and its GrantExpired
 * event in the outbox (3 × 25 = 75 ≤ 100 items).
 */
const EXPIRY_BATCH = 25;

export const EXPIRY_JOB = 'grant-expiry';
export const REMINDER_JOB = 'grant-reminders';
export const SIGNATURE_JOB = 'grant-signature-overdue';

/**
 * Art. 10.5: ends the term of every running grant whose `expiresAt` has passed. Runs every few
 * minutes and reads only the expiry index's day buckets since its last run, so its cost is the
 * number of grants expiring, not the number of grants.
 */
export const expireGrants = async ({ deps, requestId }: Invocation) => {
  const repo = grantsRepository(deps);
  const now = deps.clock.now();
  const from = sweepLookback(now, await repo.lastRun(EXPIRY_JOB));
  const scan = await repo.expiringBetween(from, now);
  const due = scan.grants.filter((g) => isDueForExpiry(g, now));
  const actor = { principal: systemActor(EXPIRY_JOB), requestId, now };

  const expireAll = async (batch: Grant[]): Promise<Grant[]> => {
    const tx = new Transaction(deps, actor);
    const after = batch.map((g) => {
      const x = expire(g, now);
      repo
        .save(tx, x, g.version)
        .audit({
          action: 'grant.expire',
          resource: grantResource(g.id),
          before: auditState(g),
          after: auditState(x),
        })
        .publish(
          GrantExpired.make({ ...eventFacts(x, now), ...(x.renewedBy ? { renewedBy: x.renewedBy } : {}) }),
        );
      return x;
    });
    await tx.commit();
    return after;
  };

  const expired: Grant[] = [];
  for (let i = 0; i < due.length; i += EXPIRY_BATCH) {
    const batch = due.slice(i, i + EXPIRY_BATCH);
    try {
      expired.push(...(await expireAll(batch)));
    } catch (e) {
      if (!(e instanceof AppError)) throw e;
      // One grant changed meanwhile (suspended, terminated…): retry one by one, skipping the changed one.
      for (const g of batch) {
        try {
          expired.push(...(await expireAll([g])));
        } catch (inner) {
          if (!(inner instanceof AppError)) throw inner;
          deps.logger.info('Grant changed during the expiry sweep; the next run looks again', {
            grantId: g.id,
          });
        }
      }
    }
  }
  const stats = { itemsRead: scan.itemsRead, queries: scan.queries, expired: expired.length };
  await repo.recordRun(EXPIRY_JOB, now, stats);
  return stats;
};

/**
 * Art. 10.5: reminds the operator and the grantor to re-apply 90, 30 and 7 days before the end of the
 * term. Each reminder is recorded with a conditional create, so however often the job runs, each is
 * sent once; the notifications function turns the event into notification records.
 */
export const remindExpiringGrants = async ({ deps, requestId }: Invocation) => {
  const repo = grantsRepository(deps);
  const now = deps.clock.now();
  const windows = reminderWindows(now, await repo.lastRun(REMINDER_JOB));
  let reminders = 0;
  let itemsRead = 0;
  let queries = 0;
  for (const w of windows) {
    const scan = await repo.expiringBetween(w.from, w.to);
    itemsRead += scan.itemsRead;
    queries += scan.queries;
    for (const g of scan.grants) {
      if (!wantsReminder(g) || !g.expiresAt || reminderDue(g.expiresAt, now) !== w.days) continue;
      const tx = new Transaction(deps, { principal: systemActor(REMINDER_JOB), requestId, now });
      try {
        await repo
          .reminderSent(tx, g.id, w.days, now.toISOString())
          .audit({
            action: 'grant.remind',
            resource: grantResource(g.id),
            before: null,
            after: { daysBefore: w.days, expiresAt: g.expiresAt },
          })
          .publish(GrantExpiryReminder.make({ ...eventFacts(g, now), daysBefore: w.days }))
          .commit();
        reminders++;
      } catch (e) {
        // Already sent (an earlier or concurrent run).
        if (!(e instanceof AppError)) throw e;
      }
    }
  }
  const stats = { itemsRead, queries, reminders };
  await repo.recordRun(REMINDER_JOB, now, stats);
  return stats;
};

/**
 * Art. 10.4: signing is a human step with a deadline. Flags every grant still waiting for signatures
 * past its `signBy` and escalates it once (GrantSignatureOverdue): the flag and the event are written
 * only by the conditional save that takes the grant out of the sparse signature-deadline index, so a
 * second run (or a concurrent one) finds nothing to do. Reads only the overdue grants, never the table.
 */
export const flagOverdueSignatures = async ({ deps, requestId }: Invocation) => {
  const repo = grantsRepository(deps);
  const now = deps.clock.now();
  const scan = await repo.signaturesOverdue(now);
  let flaggedCount = 0;
  for (const candidate of scan.grants.filter((x) => isSignatureOverdue(x, now))) {
    // The index is eventually consistent: decide on the current grant (its version included).
    const g = await repo.get(candidate.id, true);
    if (!g || !isSignatureOverdue(g, now)) continue;
    const flagged = flagSignatureOverdue(g, now);
    const tx = new Transaction(deps, { principal: systemActor(SIGNATURE_JOB), requestId, now });
    try {
      await repo
        .save(tx, flagged, g.version)
        .audit({
          action: 'grant.signature-overdue',
          resource: grantResource(g.id),
          before: auditState(g),
          after: { ...auditState(flagged), signBy: g.signBy ?? null, missing: missingSignatures(g) },
        })
        .publish(
          GrantSignatureOverdue.make({
            ...eventFacts(flagged, now),
            signBy: g.signBy ?? now.toISOString(),
            missing: missingSignatures(flagged),
            ...(flagged.authorityOrg ? { authorityOrg: flagged.authorityOrg } : {}),
            applicationId: flagged.applicationId,
          }),
        )
        .commit();
      flaggedCount++;
    } catch (e) {
      // Signed, terminated or flagged meanwhile: the next run looks again if it still applies.
      if (!(e instanceof AppError)) throw e;
    }
  }
  const stats = { itemsRead: scan.itemsRead, queries: scan.queries, flagged: flaggedCount };
  await repo.recordRun(SIGNATURE_JOB, now, stats);
  return stats;
};

export const grantsSchedules = {
  [EXPIRY_JOB]: expireGrants,
  [REMINDER_JOB]: remindExpiringGrants,
  [SIGNATURE_JOB]: flagOverdueSignatures,
};
