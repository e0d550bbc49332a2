import { CreditListEntryListed } from '../../events/applications.js';
import { GrantCreditListed, GrantSuspended } from '../../events/grants.js';
import { ReviewTaskDecided } from '../../events/tasks.js';
import type { Principal } from '../shared/auth.js';
import type { DomainEvent } from '../shared/deps.js';
import type { BusEvent, Invocation } from '../shared/duty.js';
import { AppError, StaleVersionError } from '../shared/errors.js';
import { normalizeName } from '../shared/names.js';
import { systemActor, Transaction } from '../shared/store.js';
import { auditState, eventFacts, type Grant, suspend } from './domain.js';
import { type CreditListing, grantsRepository } from './repository.js';
import { grantResource } from './routes.js';

/**
 * Art. 9 after screening: an operator put on the credit list while it holds a running grant (active or
 * suspended). The applications duty announces each organisation entry in force (CreditListEntryListed);
 * this duty matches the running grants by the operator's credit code and by its NFKC-normalised name (as
 * the screening compares names), records the listing on each (`creditListings` on GET /grants/{id}) and
 * raises GrantCreditListed, on which the tasks duty opens the authority's `credit-listing-review` task.
 * Its decision comes back as ReviewTaskDecided: `suspend` (approve) suspends the grant through the same
 * transition as POST /grants/{id}/suspend, `dismiss` (reject) records the reason. Both are idempotent:
 * the listing is recorded once per grant and entry, the review once per listing.
 */
export const CREDIT_LISTING_TASK = 'credit-listing-review';

/** The task's subject: one listing of one grant. */
export const listingSubject = (grantId: string, entryId: string) => ({
  type: 'grant-credit-listing',
  id: `${grantId}:${entryId}`,
});

const matches = async (inv: Invocation, creditCode: string, name: string | undefined) => {
  const repo = grantsRepository(inv.deps);
  const found = new Map<string, { grant: Grant; matchedBy: CreditListing['matchedBy'] }>();
  for (const g of await repo.running(creditCode)) found.set(g.id, { grant: g, matchedBy: 'credit-code' });
  if (name) {
    const wanted = normalizeName(name);
    for (const g of await repo.running())
      if (!found.has(g.id) && normalizeName(g.operatorName) === wanted)
        found.set(g.id, { grant: g, matchedBy: 'name' });
  }
  return [...found.values()];
};

const flag = async (event: BusEvent, inv: Invocation): Promise<void> => {
  const d = CreditListEntryListed.parse(event.detail);
  const repo = grantsRepository(inv.deps);
  const now = inv.deps.clock.now();
  for (const { grant: g, matchedBy } of await matches(inv, d.creditCode, d.name)) {
    if (g.status !== 'active' && g.status !== 'suspended') continue;
    const listing: CreditListing = {
      entryId: d.entryId,
      matchedBy,
      list: d.list,
      source: d.source,
      listedAt: d.listedAt,
      flaggedAt: now.toISOString(),
    };
    const tx = new Transaction(inv.deps, {
      principal: systemActor('credit-list-events'),
      requestId: event.id,
      now,
    });
    repo
      .recordCreditListing(tx, g.id, listing)
      .audit({
        action: 'grant.credit-listed',
        resource: grantResource(g.id),
        before: null,
        after: { entryId: d.entryId, matchedBy, list: d.list, status: g.status },
      })
      .publish(
        GrantCreditListed.make({
          grantId: g.id,
          operatorOrg: g.operatorOrg,
          operatorName: g.operatorName,
          status: g.status,
          entryId: d.entryId,
          matchedBy,
          list: d.list,
          source: d.source,
          listedAt: d.listedAt,
          authorityOrg: inv.deps.authorityOrg,
        }),
      );
    try {
      await tx.commit();
    } catch (e) {
      // Already flagged for this entry (a redelivery, or the entry re-imported): nothing to do.
      if (e instanceof AppError && e.code === 'already_recorded') continue;
      throw e;
    }
  }
};

/** The authority user who decided the review, acting on the grant. */
const decider = (d: { userId: string; org: string }): Principal => ({
  userId: d.userId,
  role: 'authority',
  roles: ['authority'],
  org: d.org,
});

const review = async (event: BusEvent, inv: Invocation): Promise<void> => {
  const d = ReviewTaskDecided.parse(event.detail);
  if (d.kind !== CREDIT_LISTING_TASK) return;
  const [grantId, entryId] = d.subject.id.split(':');
  if (d.subject.type !== 'grant-credit-listing' || !grantId || !entryId) {
    inv.deps.logger.warn('Credit listing review with an unknown subject', { subject: d.subject });
    return;
  }
  const repo = grantsRepository(inv.deps);
  const decision = d.decision === 'approve' ? 'suspend' : 'dismiss';
  const reason = d.reason ?? '';
  for (let attempt = 0; ; attempt++) {
    const now = inv.deps.clock.now();
    const before = await repo.get(grantId, true);
    if (!before) {
      inv.deps.logger.warn('Credit listing review for an unknown grant', { grantId, event: event.id });
      return;
    }
    const tx = new Transaction(inv.deps, {
      principal: systemActor('credit-list-review'),
      requestId: event.id,
      now,
    });
    repo.reviewCreditListing(tx, grantId, entryId, {
      decision,
      reason,
      taskId: d.taskId,
      decidedBy: d.decidedBy.userId,
      decidedAt: d.decidedAt,
    });
    const events: DomainEvent[] = [];
    let after: Grant | undefined;
    // Art. 9, 14: suspended only if it is still active (an already suspended or ended grant stays as it is).
    if (decision === 'suspend' && before.status === 'active') {
      const why = `Art. 9: the operator was put on the credit list (entry ${entryId}) — ${reason}`;
      after = suspend(before, decider(d.decidedBy), why, now);
      repo.save(tx, after, before.version);
      events.push(GrantSuspended.make({ ...eventFacts(after, now), reason: why }));
    }
    tx.audit({
      action: after ? 'grant.suspend' : 'grant.credit-listing-reviewed',
      resource: grantResource(grantId),
      before: auditState(before),
      after: { ...auditState(after ?? before), entryId, decision, taskId: d.taskId },
    }).publish(...events);
    try {
      await tx.commit();
      return;
    } catch (e) {
      if (e instanceof AppError && e.code === 'already_recorded') return;
      if (!(e instanceof StaleVersionError) || attempt >= 2) throw e;
    }
  }
};

export const grantsCreditEvents = {
  [CreditListEntryListed.detailType]: flag,
  [ReviewTaskDecided.detailType]: review,
};
