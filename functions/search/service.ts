import { createHash } from 'node:crypto';
import type { CatalogEntry } from '../catalog/domain.js';
import { isPublic } from '../catalog/domain.js';
import { catalogRepository } from '../catalog/repository.js';
import { openCursor, sealCursor } from '../shared/cursor.js';
import type { Deps } from '../shared/deps.js';
import { ValidationError } from '../shared/errors.js';
import { FACET_NAMES, type Filters, highlight, parseQuery, rank, type SearchOutcome } from './domain.js';
import { searchIndex } from './repository.js';

/** The deepest offset a search cursor may name (ten thousand results: nobody pages further). */
const MAX_OFFSET = 10_000;

export interface CatalogSearch {
  readonly entries: { entry: CatalogEntry; score: number; highlights: Highlights }[];
  readonly total: number;
  readonly facets: SearchOutcome['facets'];
  readonly nextCursor: string | null;
  /** DynamoDB items this search read: posting shards plus the entries of the page. */
  readonly itemsRead: number;
}

export interface Highlights {
  readonly title: [number, number][];
  readonly description: [number, number][];
  readonly dataItems: string[];
}

/** Binds a cursor to its query and filters: a cursor of another search is refused. */
const bindingOf = (terms: readonly string[], filters: Filters): string =>
  createHash('sha256')
    .update(JSON.stringify([terms, FACET_NAMES.map((f) => filters[f] ?? null)]))
    .digest('base64url')
    .slice(0, 16);

const invalidCursor = () =>
  new ValidationError('Invalid cursor', [{ path: 'query.cursor', message: 'Not a cursor of this search' }]);

const offsetOf = (cursor: string | undefined, binding: string): number => {
  if (!cursor) return 0;
  // Signed and bound to this search (functions/shared/cursor.ts): a forged or foreign cursor is a 400.
  const c = openCursor(cursor, ['search', binding]);
  if (!c || Object.keys(c).sort().join() !== 'h,k,o' || c.k !== 'search' || c.h !== binding) {
    throw invalidCursor();
  }
  const o = c.o;
  if (typeof o !== 'string' || !/^\d{1,5}$/.test(o) || Number(o) > MAX_OFFSET) throw invalidCursor();
  return Number(o);
};

/**
 * Searches the public catalog: the posting lists of every query term (read in parallel, items read
 * proportional to the matches), ranked with facets counted (functions/search/domain.ts), then the
 * page's entries read from the catalog table — an entry no longer public there (the index lags its
 * events by a moment) is left out, so a withdrawn or secret entry is never shown (Art. 8).
 */
export const searchCatalog = async (
  deps: Pick<Deps, 'db' | 'tables'>,
  q: { text: string; filters: Filters; limit: number; cursor: string | undefined },
): Promise<CatalogSearch> => {
  const parsed = parseQuery(q.text);
  const binding = bindingOf(parsed.terms, q.filters);
  const offset = offsetOf(q.cursor, binding);
  const index = searchIndex(deps);
  const lists = await Promise.all(parsed.terms.map((t) => index.postings(t)));
  const outcome = rank(
    lists.map((l) => l.postings),
    q.filters,
  );
  const page = outcome.hits.slice(offset, offset + q.limit);
  const heads = await catalogRepository(deps).getMany(page.map((h) => h.entryId));
  const entries = page.flatMap((h) => {
    const entry = heads.get(h.entryId);
    if (!entry?.published || !isPublic(entry)) return [];
    const c = entry.published.content;
    const lowered = parsed.pieces;
    return [
      {
        entry,
        score: Math.round(h.score * 100) / 100,
        highlights: {
          title: highlight(c.title, lowered),
          description: highlight(c.description, lowered),
          dataItems: c.dataItems.filter((i) => highlight(i.name, lowered).length > 0).map((i) => i.name),
        },
      },
    ];
  });
  const nextOffset = offset + q.limit;
  const more = nextOffset < outcome.hits.length && nextOffset <= MAX_OFFSET;
  return {
    entries,
    total: outcome.hits.length,
    facets: outcome.facets,
    nextCursor: more
      ? sealCursor({ k: 'search', h: binding, o: String(nextOffset) }, ['search', binding])
      : null,
    itemsRead: lists.reduce((n, l) => n + l.itemsRead, 0) + page.length,
  };
};
