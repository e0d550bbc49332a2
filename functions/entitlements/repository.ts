import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { type Deps, tableName } from '../shared/deps.js';
import { ConflictError } from '../shared/errors.js';
import { strip } from '../shared/items.js';
import { batchGetAll, type Page, queryAll, queryPage } from '../shared/query.js';
import type { Transaction } from '../shared/store.js';
import type { Demand, DemandStatus, Entitlement, EntitlementStatus } from './domain.js';

/**
 * The entitlements table holds data demands and the entitlements they create.
 * - Demand head `DEMAND#<id>` / `DEMAND`; one link item per providing unit (`PROVIDER#<org>`) so a
 *   provider lists the demands on its entries through `byProvider`.
 * - Entitlement `ENTITLE#<operator>#<entry>` / `GRANT#<grant>#DEMAND#<demand>`: "is operator X entitled
 *   to entry Y now" is one Query on one small partition. `entGrant` lists a grant's entitlements
 *   (they follow the grant's events).
 * Sort keys of the shared indexes start with the item type (`demand#`, `entitlement#`).
 */
const demandPk = (id: string) => `DEMAND#${id}`;
const DEMAND = 'DEMAND';
const entitlementPk = (operatorOrg: string, entryId: string) => `ENTITLE#${operatorOrg}#${entryId}`;
const entitlementSk = (grantId: string, demandId: string) => `GRANT#${grantId}#DEMAND#${demandId}`;

const demandItem = (d: Demand) => ({
  pk: demandPk(d.id),
  sk: DEMAND,
  kind: 'demand',
  kindSort: `${d.createdAt}#${d.id}`,
  opSort: `demand#${d.createdAt}#${d.id}`,
  ...d,
});

const providerLinks = (d: Demand) =>
  [...new Set(d.entries.map((e) => e.providerOrg))].map((org) => ({
    pk: demandPk(d.id),
    sk: `PROVIDER#${org}`,
    providerOrg: org,
    provSort: `demand#${d.createdAt}#${d.id}`,
    demandId: d.id,
    status: d.status,
  }));

/** The stored entitlement item (exported for bulk seeding in the benchmark). */
export const entitlementItem = (e: Entitlement) => ({
  pk: entitlementPk(e.operatorOrg, e.entryId),
  sk: entitlementSk(e.grantId, e.demandId),
  kind: 'entitlement',
  kindSort: `${e.createdAt}#${e.id}`,
  opSort: `entitlement#${e.createdAt}#${e.id}`,
  provSort: `entitlement#${e.createdAt}#${e.id}`,
  entGrant: e.grantId,
  entSort: `${e.entryId}#${e.demandId}`,
  ...e,
});

const demandFrom = (i: Record<string, unknown>) =>
  strip<Demand>(i, ['pk', 'sk', 'kind', 'kindSort', 'opSort']);
const entitlementFrom = (i: Record<string, unknown>) =>
  strip<Entitlement>(i, ['pk', 'sk', 'kind', 'kindSort', 'opSort', 'provSort', 'entGrant', 'entSort']);

/** Filters on the item (status; for entitlements also the grant), applied after the index query. */
const filtersOf = (q: {
  status?: string | undefined;
  grantId?: string | undefined;
}): { FilterExpression?: string; names: Record<string, string>; values: Record<string, unknown> } => {
  const parts: string[] = [];
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  if (q.status) {
    parts.push('#st = :st');
    names['#st'] = 'status';
    values[':st'] = q.status;
  }
  if (q.grantId) {
    parts.push('#gr = :gr');
    names['#gr'] = 'grantId';
    values[':gr'] = q.grantId;
  }
  return { ...(parts.length ? { FilterExpression: parts.join(' AND ') } : {}), names, values };
};

export const entitlementsRepository = (deps: Pick<Deps, 'db' | 'tables'>) => {
  const table = tableName(deps, 'entitlements');

  const byIndex = async <T>(
    index: 'byOperator' | 'byProvider' | 'byKind',
    key: string,
    prefix: string | undefined,
    q: {
      status?: string | undefined;
      grantId?: string | undefined;
      limit: number;
      cursor?: string | undefined;
    },
    map: (i: Record<string, unknown>) => T,
  ): Promise<Page<T>> => {
    const [pkAttr, skAttr] =
      index === 'byOperator'
        ? ['operatorOrg', 'opSort']
        : index === 'byProvider'
          ? ['providerOrg', 'provSort']
          : ['kind', 'kindSort'];
    const f = filtersOf(q);
    return queryPage(
      deps,
      {
        TableName: table,
        IndexName: index,
        KeyConditionExpression: prefix ? '#pk = :pk AND begins_with(#sk, :prefix)' : '#pk = :pk',
        ScanIndexForward: false,
        ...(f.FilterExpression ? { FilterExpression: f.FilterExpression } : {}),
        ExpressionAttributeNames: { '#pk': pkAttr, ...(prefix ? { '#sk': skAttr } : {}), ...f.names },
        ExpressionAttributeValues: { ':pk': key, ...(prefix ? { ':prefix': prefix } : {}), ...f.values },
      },
      { limit: q.limit, cursor: q.cursor, keyAttrs: ['pk', 'sk', pkAttr, skAttr], map },
    );
  };

  const getDemands = async (ids: readonly string[]): Promise<Demand[]> => {
    const keys = [...new Set(ids)].map((id) => ({ pk: demandPk(id), sk: DEMAND }));
    const found = new Map((await batchGetAll(deps, table, keys)).map(demandFrom).map((d) => [d.id, d]));
    return ids.map((id) => found.get(id)).filter((d): d is Demand => !!d);
  };

  return {
    async getDemand(id: string, consistent = false): Promise<Demand | undefined> {
      const out = await deps.db.send(
        new GetCommand({
          TableName: table,
          Key: { pk: demandPk(id), sk: DEMAND },
          ConsistentRead: consistent,
        }),
      );
      return out.Item ? demandFrom(out.Item) : undefined;
    },

    createDemand(tx: Transaction, d: Demand): Transaction {
      tx.create(
        'entitlements',
        demandItem(d),
        'pk',
        () => new ConflictError('The demand already exists', 'demand_exists'),
      );
      for (const link of providerLinks(d)) tx.put('entitlements', link);
      return tx;
    },

    saveDemand(tx: Transaction, d: Demand, previousVersion: number): Transaction {
      tx.putVersioned('entitlements', demandItem(d), previousVersion);
      for (const link of providerLinks(d)) tx.put('entitlements', link);
      return tx;
    },

    async listDemands(
      by: { operatorOrg: string } | { providerOrg: string } | { all: true },
      q: { status?: DemandStatus | undefined; limit: number; cursor?: string | undefined },
    ): Promise<Page<Demand>> {
      if ('providerOrg' in by) {
        const links = await byIndex('byProvider', by.providerOrg, 'demand#', q, (i) => String(i.demandId));
        return { items: await getDemands(links.items), nextCursor: links.nextCursor };
      }
      return 'operatorOrg' in by
        ? byIndex('byOperator', by.operatorOrg, 'demand#', q, demandFrom)
        : byIndex('byKind', 'demand', undefined, q, demandFrom);
    },

    /** Creates an entitlement; an existing one (a replayed step) is a 409 the caller may ignore. */
    createEntitlement(tx: Transaction, e: Entitlement): Transaction {
      return tx.create(
        'entitlements',
        entitlementItem(e),
        'pk',
        () => new ConflictError('The entitlement exists', 'entitlement_exists'),
      );
    },

    saveEntitlement(tx: Transaction, e: Entitlement, previousVersion: number): Transaction {
      return tx.putVersioned('entitlements', entitlementItem(e), previousVersion);
    },

    async listEntitlements(
      by: { operatorOrg: string } | { providerOrg: string } | { all: true },
      q: {
        status?: EntitlementStatus | undefined;
        grantId?: string | undefined;
        limit: number;
        cursor?: string | undefined;
      },
    ): Promise<Page<Entitlement>> {
      if ('operatorOrg' in by)
        return byIndex('byOperator', by.operatorOrg, 'entitlement#', q, entitlementFrom);
      if ('providerOrg' in by)
        return byIndex('byProvider', by.providerOrg, 'entitlement#', q, entitlementFrom);
      return byIndex('byKind', 'entitlement', undefined, q, entitlementFrom);
    },

    /** Every entitlement of an operator to one entry (one per demand and grant): one small Query. */
    async entitlementsTo(operatorOrg: string, entryId: string): Promise<Entitlement[]> {
      const out = await deps.db.send(
        new QueryCommand({
          TableName: table,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': entitlementPk(operatorOrg, entryId) },
        }),
      );
      return (out.Items ?? []).map(entitlementFrom);
    },

    /** Every entitlement to one entry, from its provider's partition of `byProvider` (a Query, never a scan). */
    async ofEntry(providerOrg: string, entryId: string): Promise<Entitlement[]> {
      const items = await queryAll(deps, {
        TableName: table,
        IndexName: 'byProvider',
        KeyConditionExpression: 'providerOrg = :p AND begins_with(provSort, :t)',
        FilterExpression: '#e = :e',
        ExpressionAttributeNames: { '#e': 'entryId' },
        ExpressionAttributeValues: { ':p': providerOrg, ':t': 'entitlement#', ':e': entryId },
      });
      return items.map(entitlementFrom);
    },

    /** All entitlements under one grant (they follow its events). */
    async ofGrant(grantId: string): Promise<Entitlement[]> {
      const items = await queryAll(deps, {
        TableName: table,
        IndexName: 'byGrant',
        KeyConditionExpression: 'entGrant = :g',
        ExpressionAttributeValues: { ':g': grantId },
      });
      return items.map(entitlementFrom);
    },
  };
};
export type EntitlementsRepository = ReturnType<typeof entitlementsRepository>;
