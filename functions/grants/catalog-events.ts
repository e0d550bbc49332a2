import { CatalogEntryPublished, CatalogEntryWithdrawn } from '../../events/catalog.js';
import type { BusEvent, Invocation } from '../shared/duty.js';
import { AppError } from '../shared/errors.js';
import { systemActor, Transaction } from '../shared/store.js';
import { grantsRepository, type ScopeEntryEnded } from './repository.js';
import { grantResource } from './routes.js';

/**
 * Art. 8 at every moment, on the grant: when a catalog entry of a grant's scope is withdrawn or an
 * approved version restricts it, each running or pending grant whose scope holds it records that
 * (`scopeEnded` on GET /grants/{id}) — the entitlements to it end in the entitlements duty, which
 * notifies the parties. Idempotent: the record is keyed by grant and entry and kept at the newest
 * catalog version, so a redelivered or older event changes nothing.
 */
const record = async (
  event: BusEvent,
  inv: Invocation,
  change: Omit<ScopeEntryEnded, 'at'> & { at: string },
): Promise<void> => {
  const repo = grantsRepository(inv.deps);
  const now = inv.deps.clock.now();
  for (const g of await repo.holdingEntry(change.entryId)) {
    const tx = new Transaction(inv.deps, {
      principal: systemActor(`catalog-event:${change.cause}`),
      requestId: event.id,
      now,
    });
    repo.recordScopeEntryEnded(tx, g.id, change).audit({
      action: 'grant.scope-entry-ended',
      resource: grantResource(g.id),
      before: null,
      after: { entryId: change.entryId, cause: change.cause, reason: change.reason },
    });
    try {
      await tx.commit();
    } catch (e) {
      // Already recorded at this or a newer catalog version (a redelivery): nothing to do.
      if (e instanceof AppError && e.code === 'already_recorded') continue;
      throw e;
    }
  }
};

export const grantsCatalogEvents = {
  async CatalogEntryPublished(event: BusEvent, inv: Invocation): Promise<void> {
    const e = CatalogEntryPublished.parse(event.detail);
    if (e.authorizable) return;
    await record(event, inv, {
      entryId: e.entryId,
      catalogVersion: e.version,
      cause: 'entry-restricted',
      reason: 'Art. 8: an approved version of the entry may not be authorized',
      at: e.at,
    });
  },
  async CatalogEntryWithdrawn(event: BusEvent, inv: Invocation): Promise<void> {
    const e = CatalogEntryWithdrawn.parse(event.detail);
    await record(event, inv, {
      entryId: e.entryId,
      catalogVersion: e.version,
      cause: 'entry-withdrawn',
      reason: e.reason,
      at: e.at,
    });
  },
};
