import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { type Deps, tableName } from '../shared/deps.js';
import { batchGetAll, type Page, queryPage, queryPages } from '../shared/query.js';
import type { Transaction } from '../shared/store.js';
import { type CatalogEntry, isPublic, type Revision } from './domain.js';
import type { ListCatalogQuery } from './schemas.js';

/**
 * The catalog table. One partition per entry: the head item (`HEAD`) holds the entry; one item per
 * revision (`REV#000001`) keeps its history. Index attributes are derived from the entry on every
 * write, so a listing can never disagree with the entry it lists.
 */
const pk = (id: string) => `ENTRY#${id}`;
const HEAD = 'HEAD';
const revSk = (n: number) => `REV#${String(n).padStart(6, '0')}`;

const searchText = (e: CatalogEntry): string | undefined => {
  const c = e.published?.content;
  if (!c) return undefined;
  return [c.title, c.description, ...c.dataItems.map((i) => i.name)].join(' ').toLowerCase();
};

/** The stored head item of an entry (exported for bulk seeding in the benchmark). */
export const headItem = (e: CatalogEntry) => {
  const listed = isPublic(e);
  const published = e.published?.content;
  return {
    pk: pk(e.id),
    sk: HEAD,
    kind: 'entry',
    ...e,
    createdSort: `${e.createdAt}#${e.id}`,
    // Sparse public indexes: only entries the public may see.
    ...(listed && e.published
      ? {
          listing: 'public',
          listingDomain: published?.domain,
          listingSort: `${e.published.approvedAt}#${e.id}`,
          // Filter attributes for the published content.
          pubClassification: published?.classification,
          pubOpenness: published?.openness,
          searchText: searchText(e),
        }
      : {}),
  };
};

const fromItem = (item: Record<string, unknown>): CatalogEntry => {
  const { id, providerOrg, providerName, working, published, withdrawn, version, createdAt, updatedAt } =
    item as unknown as CatalogEntry;
  return {
    id,
    providerOrg,
    ...(providerName ? { providerName } : {}),
    working,
    ...(published ? { published } : {}),
    ...(withdrawn ? { withdrawn } : {}),
    version,
    createdAt,
    updatedAt,
  };
};

export const catalogRepository = (deps: Pick<Deps, 'db' | 'tables'>) => {
  const table = tableName(deps, 'catalog');
  return {
    async get(id: string): Promise<CatalogEntry | undefined> {
      const out = await deps.db.send(new GetCommand({ TableName: table, Key: { pk: pk(id), sk: HEAD } }));
      return out.Item ? fromItem(out.Item) : undefined;
    },

    /** Many heads at once (announcements and data demands check their scope with this). */
    async getMany(ids: readonly string[]): Promise<Map<string, CatalogEntry>> {
      const keys = [...new Set(ids)].map((id) => ({ pk: pk(id), sk: HEAD }));
      const items = await batchGetAll(deps, table, keys);
      return new Map(items.map((item) => [String(item.id), fromItem(item)]));
    },

    /** Every entry the public may see, page by page, through the sparse listing index (never a Scan). */
    async *publicEntries(): AsyncGenerator<CatalogEntry[]> {
      for await (const items of queryPages(deps, {
        TableName: table,
        IndexName: 'byListing',
        KeyConditionExpression: 'listing = :l',
        ExpressionAttributeValues: { ':l': 'public' },
      })) {
        yield items.map(fromItem);
      }
    },

    async revisions(id: string): Promise<Revision[]> {
      const out = await deps.db.send(
        new QueryCommand({
          TableName: table,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :rev)',
          ExpressionAttributeValues: { ':pk': pk(id), ':rev': 'REV#' },
        }),
      );
      return (out.Items ?? []).map((i) => i.data as Revision);
    },

    /** Adds the create to a transaction. */
    create(tx: Transaction, e: CatalogEntry): Transaction {
      return tx
        .create('catalog', headItem(e), 'pk')
        .put('catalog', { pk: pk(e.id), sk: revSk(e.working.revision), data: e.working });
    },

    /** Adds a conditional replace (expects `previousVersion`) plus the working revision's history item. */
    save(tx: Transaction, e: CatalogEntry, previousVersion: number): Transaction {
      return tx
        .putVersioned('catalog', headItem(e), previousVersion)
        .put('catalog', { pk: pk(e.id), sk: revSk(e.working.revision), data: e.working });
    },

    /**
     * Lists entries. `public`: the approved, publicly visible versions (by domain or provider through
     * their indexes); `mine`: one provider's entries in every state; `all`: every entry.
     */
    async list(
      q: ListCatalogQuery & { scope: 'public' | 'mine' | 'all' },
      ownerOrg?: string,
    ): Promise<Page<CatalogEntry>> {
      const filters: string[] = [];
      const names: Record<string, string> = {};
      const values: Record<string, unknown> = {};
      const filter = (expr: string, name: string, attr: string, value: unknown) => {
        filters.push(expr);
        names[name] = attr;
        values[`:${attr}`] = value;
      };
      let index: string;
      let keyExpr: string;
      let keyAttrs: string[];
      if (q.scope === 'public') {
        if (q.domain) {
          index = 'byDomain';
          keyExpr = 'listingDomain = :d';
          values[':d'] = q.domain;
          keyAttrs = ['pk', 'sk', 'listingDomain', 'listingSort'];
          if (q.provider) filter('#po = :providerOrg', '#po', 'providerOrg', q.provider);
        } else if (q.provider) {
          index = 'byProvider';
          keyExpr = 'providerOrg = :p';
          values[':p'] = q.provider;
          keyAttrs = ['pk', 'sk', 'providerOrg', 'createdSort'];
          filters.push('attribute_exists(listing)');
        } else {
          index = 'byListing';
          keyExpr = 'listing = :l';
          values[':l'] = 'public';
          keyAttrs = ['pk', 'sk', 'listing', 'listingSort'];
        }
        if (q.classification)
          filter('#pc = :pubClassification', '#pc', 'pubClassification', q.classification);
        if (q.openness) filter('#pw = :pubOpenness', '#pw', 'pubOpenness', q.openness);
        if (q.q) filter('contains(#st, :searchText)', '#st', 'searchText', q.q.toLowerCase());
      } else {
        const org = q.scope === 'mine' ? ownerOrg : q.provider;
        if (org) {
          index = 'byProvider';
          keyExpr = 'providerOrg = :p';
          values[':p'] = org;
          keyAttrs = ['pk', 'sk', 'providerOrg', 'createdSort'];
        } else {
          index = 'byKind';
          keyExpr = 'kind = :k';
          values[':k'] = 'entry';
          keyAttrs = ['pk', 'sk', 'kind', 'createdSort'];
        }
        // The working version is what providers and the authority manage.
        const working: [string | undefined, string, string][] = [
          [q.domain, '#w.#c.#dm', ':wdomain'],
          [q.classification, '#w.#c.#cl', ':wclass'],
          [q.openness, '#w.#c.#op', ':wopen'],
          [q.status, '#w.#s', ':wstatus'],
        ];
        for (const [value, path, placeholder] of working) {
          if (value === undefined) continue;
          filters.push(`${path} = ${placeholder}`);
          values[placeholder] = value;
        }
        if (q.q) {
          filters.push('contains(#w.#c.#t, :wq)');
          values[':wq'] = q.q;
        }
        Object.assign(names, {
          '#w': 'working',
          '#c': 'content',
          '#dm': 'domain',
          '#cl': 'classification',
          '#op': 'openness',
          '#s': 'status',
          '#t': 'title',
        });
      }
      const usedNames = Object.fromEntries(
        Object.entries(names).filter(([n]) => filters.some((f) => f.includes(n))),
      );
      const usedValues = Object.fromEntries(
        Object.entries(values).filter(([v]) => keyExpr.includes(v) || filters.some((f) => f.includes(v))),
      );
      return queryPage(
        deps,
        {
          TableName: table,
          IndexName: index,
          KeyConditionExpression: keyExpr,
          ScanIndexForward: false,
          ...(filters.length ? { FilterExpression: filters.join(' AND ') } : {}),
          ...(Object.keys(usedNames).length ? { ExpressionAttributeNames: usedNames } : {}),
          ExpressionAttributeValues: usedValues,
        },
        { limit: q.limit, cursor: q.cursor, keyAttrs, map: fromItem },
      );
    },
  };
};
export type CatalogRepository = ReturnType<typeof catalogRepository>;
