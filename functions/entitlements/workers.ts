import { CatalogEntryPublished, CatalogEntryWithdrawn } from '../../events/catalog.js';
import { DemandApproved, DemandRejected, EntitlementsEnded } from '../../events/demands.js';
import {
  GrantActivated,
  GrantExpired,
  GrantReinstated,
  GrantSuspended,
  GrantTerminated,
} from '../../events/grants.js';
import { isAuthorizable } from '../catalog/domain.js';
import { catalogRepository } from '../catalog/repository.js';
import { grantsRepository } from '../grants/repository.js';
import type { BusEvent, Invocation, StepInvocation } from '../shared/duty.js';
import { AppError, ConflictError, NotFoundError } from '../shared/errors.js';
import { type Actor, systemActor, Transaction } from '../shared/store.js';
import {
  continueUnder,
  type Demand,
  decideDemand,
  demandAudit,
  type Entitlement,
  endForEntry,
  entitlementAudit,
  followGrant,
  type GrantChange,
  grantEntitlements,
  type Review,
  rejectionReasons,
} from './domain.js';
import { entitlementsRepository } from './repository.js';
import { demandResource, entitlementNow } from './routes.js';
import { CheckEntitlementInput, DecideDemandInput, entitlementIdFor } from './schemas.js';

const entitlementResource = (e: Entitlement) => `entitlement/${e.id}`;

/** Entitlement changes per transaction: a conditional put and its audit event each (≤ 100 items). */
const BATCH = 40;

/** Writes entitlement changes in batches; a batch that conflicts is retried one by one. */
const writeAll = async (
  inv: Invocation,
  actor: Actor,
  changes: readonly { before: Entitlement | undefined; after: Entitlement }[],
  action: string,
): Promise<Entitlement[]> => {
  const repo = entitlementsRepository(inv.deps);
  const write = async (batch: typeof changes) => {
    const tx = new Transaction(inv.deps, actor);
    for (const { before, after } of batch) {
      if (before) repo.saveEntitlement(tx, after, before.version);
      else repo.createEntitlement(tx, after);
      tx.audit({
        action,
        resource: entitlementResource(after),
        before: entitlementAudit(before),
        after: entitlementAudit(after),
      });
    }
    await tx.commit();
    return batch.map((c) => c.after);
  };
  const done: Entitlement[] = [];
  for (let i = 0; i < changes.length; i += BATCH) {
    const batch = changes.slice(i, i + BATCH);
    try {
      done.push(...(await write(batch)));
    } catch (e) {
      if (!(e instanceof AppError)) throw e;
      for (const c of batch) {
        try {
          done.push(...(await write([c])));
        } catch (inner) {
          // Already applied by an earlier delivery, or changed meanwhile by a newer event.
          if (!(inner instanceof AppError)) throw inner;
        }
      }
    }
  }
  return done;
};

/** Steps of the data-demand-review state machine, and the function-level entitlement check. */
export const entitlementsSteps = {
  /**
   * All reviewers approved → the demand is approved and one entitlement per entry is created, valid
   * until the grant's end; otherwise it is rejected with the reasons. Idempotent: a decided demand is
   * returned as it is.
   */
  async decideDemand(raw: StepInvocation, inv: Invocation): Promise<{ demandId: string; status: string }> {
    const input = DecideDemandInput.parse(raw);
    const { deps, requestId } = inv;
    const repo = entitlementsRepository(deps);
    const d = await repo.getDemand(input.demandId, true);
    if (!d) throw new NotFoundError(`Data demand ${input.demandId}`);
    if (d.status !== 'under-review') return { demandId: d.id, status: d.status };
    const now = deps.clock.now();
    const reviews: Review[] = input.reviews.map((r, i) => ({
      reviewer: d.reviewers[i] ?? { role: 'authority' },
      taskId: r.taskId,
      decision: r.decision,
      ...(r.reason ? { reason: r.reason } : {}),
      decidedBy: r.decidedBy,
    }));
    const approve = reviews.length === d.reviewers.length && reviews.every((r) => r.decision === 'approve');
    const grants = grantsRepository(deps);
    const facts = {
      demandId: d.id,
      operatorOrg: d.operatorOrg,
      grantId: d.grantId,
      title: d.scenario.title,
      entryIds: d.entries.map((x) => x.entryId),
      at: now.toISOString(),
    };

    let after: Demand;
    for (let attempt = 0; ; attempt++) {
      // Entitlements start in the state the grant is in when they are created (active, inactive or
      // ended). The transaction holds a check that the grant is still the version read: a grant event
      // committed in between (a suspension…) would otherwise be missed, as its delivery found no
      // entitlements yet. On conflict the grant is read again and the entitlements follow it.
      const grant = approve ? await grants.get(d.grantId, true) : undefined;
      if (approve && !grant) throw new NotFoundError(`Grant ${d.grantId}`);
      // Art. 8 at every moment: an entry withdrawn or restricted since the demand was filed gets no
      // effective entitlement (it is created ended, so the record says why).
      const catalog = approve
        ? await catalogRepository(deps).getMany(d.entries.map((x) => x.entryId))
        : new Map();
      const entitlements = (grant ? grantEntitlements(d, grant, entitlementIdFor, now) : []).map((e) => {
        const entry = catalog.get(e.entryId);
        if (entry && isAuthorizable(entry)) return e;
        const cause = entry?.withdrawn ? 'entry-withdrawn' : 'entry-restricted';
        return endForEntry(e, cause, 'Art. 8: the catalog entry may no longer be authorized', now) ?? e;
      });
      after = decideDemand(
        d,
        reviews,
        entitlements.map((e) => e.id),
        now,
      );

      const tx = new Transaction(deps, { principal: systemActor('decideDemand'), requestId, now });
      repo.saveDemand(tx, after, d.version).audit({
        action: `demand.${after.status === 'approved' ? 'approve' : 'reject'}`,
        resource: demandResource(d.id),
        before: demandAudit(d),
        after: demandAudit(after),
      });
      for (const e of entitlements) {
        repo.createEntitlement(tx, e).audit({
          action: 'entitlement.grant',
          resource: entitlementResource(e),
          before: null,
          after: entitlementAudit(e),
        });
      }
      if (grant) grants.unchanged(tx, grant);
      tx.publish(
        after.status === 'approved'
          ? DemandApproved.make({ ...facts, entitlementIds: [...after.entitlementIds] })
          : DemandRejected.make({ ...facts, reasons: rejectionReasons(after) }),
      );
      try {
        await tx.commit();
        break;
      } catch (e) {
        if (e instanceof ConflictError && e.code === 'grant_changed' && attempt < 4) continue;
        // A concurrent replay decided it first.
        if (e instanceof ConflictError) {
          const current = await repo.getDemand(d.id, true);
          if (current && current.status !== 'under-review') return { demandId: d.id, status: current.status };
        }
        throw e;
      }
    }
    return { demandId: d.id, status: after.status };
  },

  /** "Is operator X entitled to entry Y now" without the HTTP edge (other duties, the benchmark). */
  async checkEntitlement(raw: StepInvocation, { deps }: Invocation) {
    const { operatorOrg, entryId } = CheckEntitlementInput.parse(raw);
    const found = await entitlementNow(deps, operatorOrg, entryId, deps.clock.now());
    return { entitled: !!found, entitlementId: found?.id ?? null, validUntil: found?.validUntil ?? null };
  },
};

/**
 * Entitlements follow their grant through its events on the bus (never a write from the grants
 * code): suspension → inactive, reinstatement → active, termination or expiry → ended, and a renewal's
 * activation continues them under the new grant from the old end (or from the activation, if later).
 */
const follow =
  (
    change: GrantChange,
    parse: (d: unknown) => { grantId: string; version: number; reason?: string | undefined },
  ) =>
  async (event: BusEvent, inv: Invocation): Promise<void> => {
    const detail = parse(event.detail);
    const now = inv.deps.clock.now();
    const current = await entitlementsRepository(inv.deps).ofGrant(detail.grantId);
    const changes = current.flatMap((before) => {
      const after = followGrant(before, change, detail.version, detail.reason, now);
      return after ? [{ before, after }] : [];
    });
    await writeAll(
      inv,
      { principal: systemActor(`grant-event:${change}`), requestId: event.id, now },
      changes,
      `entitlement.${change}`,
    );
  };

/**
 * Art. 8 at every moment: when an entry stops being authorizable (withdrawn, or a later approved
 * version adds an Art. 8 flag), every entitlement to it ends, one transaction per operator and grant
 * with the `EntitlementsEnded` event that tells the parties. Idempotent: an ended entitlement is
 * skipped, so a redelivered event changes nothing and publishes nothing. A conflict (the entitlement
 * changed meanwhile) throws, and the bus delivers again.
 */
const endEntitlementsOf = async (
  entry: { entryId: string; providerOrg: string; title: string | null },
  cause: 'entry-withdrawn' | 'entry-restricted',
  reason: string,
  event: BusEvent,
  inv: Invocation,
): Promise<void> => {
  const repo = entitlementsRepository(inv.deps);
  const now = inv.deps.clock.now();
  const changes = (await repo.ofEntry(entry.providerOrg, entry.entryId)).flatMap((before) => {
    const after = endForEntry(before, cause, reason, now);
    return after ? [{ before, after }] : [];
  });
  const groups = new Map<string, typeof changes>();
  for (const c of changes) {
    const key = `${c.after.operatorOrg}|${c.after.grantId}`;
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  for (const group of groups.values()) {
    for (let i = 0; i < group.length; i += BATCH) {
      const batch = group.slice(i, i + BATCH);
      const first = batch[0]!.after;
      const tx = new Transaction(inv.deps, {
        principal: systemActor(`catalog-event:${cause}`),
        requestId: event.id,
        now,
      });
      for (const { before, after } of batch) {
        repo.saveEntitlement(tx, after, before.version).audit({
          action: 'entitlement.end',
          resource: entitlementResource(after),
          before: entitlementAudit(before),
          after: { ...entitlementAudit(after), cause, reason },
        });
      }
      tx.publish(
        EntitlementsEnded.make({
          entryId: entry.entryId,
          entryTitle: entry.title,
          operatorOrg: first.operatorOrg,
          providerOrg: first.providerOrg,
          grantId: first.grantId,
          entitlementIds: batch.map((c) => c.after.id),
          cause,
          reason,
          at: now.toISOString(),
        }),
      );
      await tx.commit();
    }
  }
};

export const entitlementsEvents = {
  async CatalogEntryPublished(event: BusEvent, inv: Invocation): Promise<void> {
    const e = CatalogEntryPublished.parse(event.detail);
    if (e.authorizable) return;
    await endEntitlementsOf(
      { entryId: e.entryId, providerOrg: e.providerOrg, title: e.published.title },
      'entry-restricted',
      'Art. 8: the catalog entry may no longer be authorized (restricted by an approved version)',
      event,
      inv,
    );
  },
  async CatalogEntryWithdrawn(event: BusEvent, inv: Invocation): Promise<void> {
    const e = CatalogEntryWithdrawn.parse(event.detail);
    await endEntitlementsOf(
      { entryId: e.entryId, providerOrg: e.providerOrg, title: null },
      'entry-withdrawn',
      `The catalog entry was withdrawn: ${e.reason}`,
      event,
      inv,
    );
  },
  GrantSuspended: follow('GrantSuspended', (d) => GrantSuspended.parse(d)),
  GrantReinstated: follow('GrantReinstated', (d) => GrantReinstated.parse(d)),
  GrantTerminated: follow('GrantTerminated', (d) => GrantTerminated.parse(d)),
  GrantExpired: follow('GrantExpired', (d) => {
    const x = GrantExpired.parse(d);
    return { grantId: x.grantId, version: x.version, reason: 'grant expired' };
  }),
  async GrantActivated(event: BusEvent, inv: Invocation): Promise<void> {
    const g = GrantActivated.parse(event.detail);
    if (!g.renewalOf || !g.effectiveFrom || !g.expiresAt) return;
    const successor = {
      grantId: g.grantId,
      version: g.version,
      scope: g.scope,
      effectiveFrom: g.effectiveFrom,
      expiresAt: g.expiresAt,
      activatedAt: g.at,
    };
    const now = inv.deps.clock.now();
    const old = await entitlementsRepository(inv.deps).ofGrant(g.renewalOf);
    // Art. 8: each entry is checked again now; a restricted one is not carried over.
    const catalog = await catalogRepository(inv.deps).getMany(old.map((e) => e.entryId));
    const changes = old.flatMap((e) => {
      const next = continueUnder(e, successor, catalog, entitlementIdFor, now);
      if (!next && successor.scope.includes(e.entryId) && e.status !== 'ended')
        inv.deps.logger.info('Entitlement not carried over: its entry is no longer authorizable', {
          entitlementId: e.id,
          entryId: e.entryId,
        });
      return next ? [{ before: undefined, after: next }] : [];
    });
    await writeAll(
      inv,
      { principal: systemActor('grant-event:GrantActivated'), requestId: event.id, now },
      changes,
      'entitlement.renew',
    );
  },
};
