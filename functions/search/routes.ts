import { CatalogEntryPublished, CatalogEntryWithdrawn } from '../../events/catalog.js';
import { isPublic } from '../catalog/domain.js';
import { catalogRepository } from '../catalog/repository.js';
import type { Deps } from '../shared/deps.js';
import type { BusEvent, Invocation } from '../shared/duty.js';
import { type RouteTable, route } from '../shared/http.js';
import { postingsOf } from './domain.js';
import { searchIndex } from './repository.js';
import { RebuildSearchIndex } from './schemas.js';

/**
 * The index follows the catalog's events. A published version enters it (or replaces the one there)
 * when the public may see it; a state secret (Art. 8) or a withdrawn entry leaves it. Ordered by the
 * entry's version and idempotent (functions/search/repository.ts `apply`); a failure throws, so
 * EventBridge retries and finally dead-letters the event (infra/constructs/events.ts).
 */
export const searchEvents = {
  async [CatalogEntryPublished.detailType](event: BusEvent, inv: Invocation): Promise<void> {
    const e = CatalogEntryPublished.parse(event.detail);
    const postings = e.public
      ? postingsOf(e.published, {
          providerOrg: e.providerOrg,
          providerName: e.providerName,
          approvedAt: e.published.approvedAt,
        })
      : {};
    const outcome = await searchIndex(inv.deps).apply(e.entryId, e.version, postings);
    inv.deps.logger.info('Search index', {
      entryId: e.entryId,
      version: e.version,
      outcome,
      public: e.public,
    });
  },
  async [CatalogEntryWithdrawn.detailType](event: BusEvent, inv: Invocation): Promise<void> {
    const e = CatalogEntryWithdrawn.parse(event.detail);
    const outcome = await searchIndex(inv.deps).apply(e.entryId, e.version, {});
    inv.deps.logger.info('Search index', {
      entryId: e.entryId,
      version: e.version,
      outcome,
      withdrawn: true,
    });
  },
};

/**
 * Recreates the index from the catalog table: every entry of the sparse public listing index
 * (a Query, never a Scan), at its current version.
 */
export const rebuildSearchIndex = async (deps: Pick<Deps, 'db' | 'tables'>) => {
  const entries: { entryId: string; version: number; postings: Record<string, string> }[] = [];
  for await (const page of catalogRepository(deps).publicEntries()) {
    for (const e of page) {
      if (!e.published || !isPublic(e)) continue;
      entries.push({
        entryId: e.id,
        version: e.version,
        postings: postingsOf(e.published.content, {
          providerOrg: e.providerOrg,
          providerName: e.providerName ?? null,
          approvedAt: e.published.approvedAt,
        }),
      });
    }
  }
  return searchIndex(deps).rebuild(entries);
};

export const searchRoutes: RouteTable = {
  rebuildSearchIndex: route({
    body: RebuildSearchIndex,
    async handle({ deps }) {
      const result = await rebuildSearchIndex(deps);
      return { status: 200, body: result };
    },
  }),
};
