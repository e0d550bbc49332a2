import { createHash } from 'node:crypto';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { type Deps, tableName } from '../shared/deps.js';
import { ConflictError } from '../shared/errors.js';
import { strip } from '../shared/items.js';
import { indexPage, type Page, queryAll } from '../shared/query.js';
import type { Transaction } from '../shared/store.js';
import { isListed, type Objection, type Product, type ProductStatus } from './domain.js';
import {
  type ClosedCharge,
  type ClosedRevenue,
  capKey,
  type PriceCap,
  type UsageCounter,
} from './pricing.js';
import { type Subscription, tiersFor, type UsageRecord, type UsageRefusal } from './subscriptions.js';

/**
 * The products table holds products, their objections, price caps, subscriptions, usage and counters.
 * - Product `PRODUCT#<id>` / `HEAD`: `operatorOrg`, `prodGrant`, `kind` + `createdSort` for the
 *   operator's, a grant's and the authority's lists; `listing` (sparse: listed products) + `listSort`
 *   for the public list; `noticeKey` (sparse: versions on notice) + `noticeSort` for the notice-end
 *   schedule, which never reads more than the products whose notice ends.
 * - Objection `PRODUCT#<id>` / `OBJECTION#<id>`: a product's objections are one small partition.
 * - `REGCODE#<code>` / `GUARD`: a registration code is given once.
 * - Price caps `CAPS` / `<key>`, and every cap ever set `CAPHIST` / `<setAt>#<key>` (the disclosure of
 *   a past year shows the caps then in force).
 * - Subscription `SUB#<id>` / `HEAD` (`subProduct`, `consumerOrg`, `subOperator` + `createdSort`);
 *   its usage `USAGE#<usageId>` (conditional create: idempotent) and refusals `REFUSAL#…`.
 * - Usage counters, one per subscription, period and unit (ADD in the same transaction as the usage),
 *   in the period's partitions `COUNTERS#<period>#<shard>` / `<subscription>#<unit>`, 16 shards by
 *   subscription: a subscription's counters are one consistent query of its shard, and a period's
 *   (the close, revenue totals, the disclosure) 16 strongly consistent queries of the base table — no
 *   index, so the close, which reads after its CLOSING mark stops new uses, sees every counter.
 * - The monthly close `CLOSE#<period>`: `CLOSING` (from then on uses go to the current month: every use
 *   condition-checks its absence), `REVENUE#<view>` (the closed revenue per view), `CLOSED` (done);
 *   and per subscription `SUB#<id>` / `CHARGE#<period>` (the closed charge).
 * - `RATE#<who>#<hour>` / `RATE`: objection rate limits, expiring by TTL.
 */
const productPk = (id: string) => `PRODUCT#${id}`;
const closePk = (period: string) => `CLOSE#${period}`;
const CLOSING = 'CLOSING';
const CLOSED = 'CLOSED';
const subPk = (id: string) => `SUB#${id}`;
const COUNTER_SHARDS = 16;
const counterShard = (subscriptionId: string): number =>
  Number.parseInt(createHash('sha256').update(subscriptionId).digest('hex').slice(0, 8), 16) % COUNTER_SHARDS;
const countersPk = (period: string, shard: number) => `COUNTERS#${period}#${String(shard).padStart(2, '0')}`;
const HEAD = 'HEAD';
const LISTED = 'listed';
const NOTICE = 'notice';

/** The form of the version a list shows: the registered one, else the pending one. */
const formOf = (p: Product): string | undefined => (p.current ?? p.pending)?.content.form;

/** The stored product item (exported for bulk seeding in the benchmark). */
export const productItem = (p: Product) => ({
  pk: productPk(p.id),
  sk: HEAD,
  kind: 'product',
  ...p,
  prodGrant: p.grantId,
  createdSort: `${p.createdAt}#${p.id}`,
  // The form the lists show and filter on (the registered version's, else the pending one's): a plain
  // attribute so `?form=` is a filter inside the query, applied before paging (full pages, exact cursors).
  ...(formOf(p) ? { listForm: formOf(p) } : {}),
  ...(isListed(p)
    ? {
        listing: LISTED,
        listSort: `${p.current?.registeredAt ?? p.pending?.noticeStartsAt ?? p.createdAt}#${p.id}`,
      }
    : {}),
  ...(p.pending?.stage === 'on-notice' && !p.ending
    ? { noticeKey: NOTICE, noticeSort: `${p.pending.noticeEndsAt}#${p.id}` }
    : {}),
});
const PRODUCT_ATTRS = [
  'pk',
  'listForm',
  'sk',
  'kind',
  'prodGrant',
  'createdSort',
  'listing',
  'listSort',
  'noticeKey',
  'noticeSort',
];
const productFrom = (i: Record<string, unknown>) => strip<Product>(i, PRODUCT_ATTRS);

/** The stored subscription item (exported for bulk seeding in the benchmark). */
export const subItem = (s: Subscription) => ({
  pk: subPk(s.id),
  sk: HEAD,
  kind: 'subscription',
  ...s,
  subProduct: s.productId,
  subOperator: s.operatorOrg,
  createdSort: `${s.createdAt}#${s.id}`,
});
const subFrom = (i: Record<string, unknown>) =>
  strip<Subscription>(i, ['pk', 'sk', 'kind', 'subProduct', 'subOperator', 'createdSort']);

const objectionFrom = (i: Record<string, unknown>) => strip<Objection>(i, ['pk', 'sk']);
const counterFrom = (i: Record<string, unknown>) => strip<UsageCounter>(i, ['pk', 'sk']);

export const productsRepository = (deps: Pick<Deps, 'db' | 'tables'>) => {
  const table = tableName(deps, 'products');
  const get = async (pk: string, sk: string, consistent: boolean) =>
    (await deps.db.send(new GetCommand({ TableName: table, Key: { pk, sk }, ConsistentRead: consistent })))
      .Item;

  return {
    async get(id: string, consistent = false): Promise<Product | undefined> {
      const item = await get(productPk(id), HEAD, consistent);
      return item ? productFrom(item) : undefined;
    },

    create(tx: Transaction, p: Product): Transaction {
      return tx.create('products', productItem(p), 'pk');
    },

    save(tx: Transaction, p: Product, previousVersion: number): Transaction {
      return tx.putVersioned('products', productItem(p), previousVersion);
    },

    /** Gives the registration code once: a second product with the same code is a conflict (retried). */
    claimCode(tx: Transaction, code: string, productId: string): Transaction {
      return tx.create(
        'products',
        { pk: `REGCODE#${code}`, sk: 'GUARD', productId },
        'pk',
        () => new ConflictError('Registration code collision', 'registration_code_taken'),
      );
    },

    list(
      by: { operatorOrg: string } | { grantId: string } | { all: true },
      q: {
        status?: ProductStatus | undefined;
        form?: string | undefined;
        limit: number;
        cursor: string | undefined;
      },
    ): Promise<Page<Product>> {
      const [index, attr, value] =
        'operatorOrg' in by
          ? ['byOperator', 'operatorOrg', by.operatorOrg]
          : 'grantId' in by
            ? ['byGrant', 'prodGrant', by.grantId]
            : ['byKind', 'kind', 'product'];
      return indexPage(deps, {
        table,
        index,
        attr,
        value,
        equals: { status: q.status, listForm: q.form },
        keyAttrs: ['pk', 'sk', attr, 'createdSort'],
        limit: q.limit,
        cursor: q.cursor,
        map: productFrom,
      });
    },

    /** Public list: products on notice, registered or suspended; newest first. */
    listPublic(q: {
      form?: string | undefined;
      operator?: string | undefined;
      limit: number;
      cursor?: string | undefined;
    }) {
      return indexPage(deps, {
        table,
        index: 'byListing',
        attr: 'listing',
        value: LISTED,
        equals: { operatorOrg: q.operator, listForm: q.form },
        keyAttrs: ['pk', 'sk', 'listing', 'listSort'],
        limit: q.limit,
        cursor: q.cursor,
        map: productFrom,
      });
    },

    /** Every product of a grant (they follow its events). */
    async ofGrant(grantId: string): Promise<Product[]> {
      const items = await queryAll(deps, {
        TableName: table,
        IndexName: 'byGrant',
        KeyConditionExpression: 'prodGrant = :g',
        ExpressionAttributeValues: { ':g': grantId },
      });
      return items.map(productFrom);
    },

    /** Every product ever submitted (the disclosure reads them once a year; bounded by the city's products). */
    async all(): Promise<Product[]> {
      const items = await queryAll(deps, {
        TableName: table,
        IndexName: 'byKind',
        KeyConditionExpression: 'kind = :k',
        ExpressionAttributeValues: { ':k': 'product' },
      });
      return items.map(productFrom);
    },

    /** Products whose notice ended at `now` or earlier (the sparse notice index). */
    async noticeEnded(now: Date, max = 500): Promise<Product[]> {
      const items = await queryAll(
        deps,
        {
          TableName: table,
          IndexName: 'byNoticeEnd',
          KeyConditionExpression: 'noticeKey = :k AND noticeSort <= :bound',
          ExpressionAttributeValues: { ':k': NOTICE, ':bound': `${now.toISOString()}#~` },
        },
        max,
      );
      return items.map(productFrom);
    },

    // Objections ------------------------------------------------------------------------------

    async objections(productId: string, consistent = false): Promise<Objection[]> {
      const out = await deps.db.send(
        new QueryCommand({
          TableName: table,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :o)',
          ExpressionAttributeValues: { ':pk': productPk(productId), ':o': 'OBJECTION#' },
          ConsistentRead: consistent,
        }),
      );
      return (out.Items ?? []).map(objectionFrom);
    },

    async objection(productId: string, id: string): Promise<Objection | undefined> {
      const item = await get(productPk(productId), `OBJECTION#${id}`, true);
      return item ? objectionFrom(item) : undefined;
    },

    createObjection(tx: Transaction, o: Objection): Transaction {
      return tx.create('products', { pk: productPk(o.productId), sk: `OBJECTION#${o.id}`, ...o }, 'pk');
    },

    saveObjection(tx: Transaction, o: Objection, previousVersion: number): Transaction {
      return tx.putVersioned(
        'products',
        { pk: productPk(o.productId), sk: `OBJECTION#${o.id}`, ...o },
        previousVersion,
      );
    },

    /**
     * Counts one request of `who` in the current hour and refuses (429) past `max`: one conditional
     * update, expiring with the hour.
     */
    rateLimit(
      tx: Transaction,
      who: string,
      hour: string,
      max: number,
      expiresAt: number,
      onLimit: () => ConflictError,
    ) {
      return tx.update(
        'products',
        { pk: `RATE#${who}#${hour}`, sk: 'RATE' },
        {
          expression: 'ADD #n :one SET expiresAt = :exp',
          condition: 'attribute_not_exists(#n) OR #n < :max',
          names: { '#n': 'count' },
          values: { ':one': 1, ':max': max, ':exp': expiresAt },
        },
        onLimit,
      );
    },

    // Price caps -----------------------------------------------------------------------------

    async caps(): Promise<PriceCap[]> {
      const items = await queryAll(deps, {
        TableName: table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': 'CAPS' },
      });
      return items.map((i) => strip<PriceCap>(i, ['pk', 'sk']));
    },

    /** Caps as set up to `until` (ISO), the latest per key: the caps in force at that instant. */
    async capsAsOf(until: string): Promise<PriceCap[]> {
      const items = await queryAll(deps, {
        TableName: table,
        KeyConditionExpression: 'pk = :pk AND sk <= :until',
        ExpressionAttributeValues: { ':pk': 'CAPHIST', ':until': `${until}#~` },
      });
      const latest = new Map<string, PriceCap>();
      for (const i of items) latest.set(String(i.key), strip<PriceCap>(i, ['pk', 'sk']));
      return [...latest.values()].sort((a, b) => (a.key < b.key ? -1 : 1));
    },

    setCap(tx: Transaction, cap: PriceCap): Transaction {
      return tx
        .put('products', { pk: 'CAPS', sk: capKey(cap), ...cap })
        .create('products', { pk: 'CAPHIST', sk: `${cap.setAt}#${cap.key}`, ...cap }, 'pk');
    },

    // Subscriptions and usage ------------------------------------------------------------------

    async getSubscription(id: string, consistent = false): Promise<Subscription | undefined> {
      const item = await get(subPk(id), HEAD, consistent);
      return item ? subFrom(item) : undefined;
    },

    createSubscription(tx: Transaction, s: Subscription): Transaction {
      return tx.create('products', subItem(s), 'pk');
    },

    saveSubscription(tx: Transaction, s: Subscription, previousVersion: number): Transaction {
      return tx.putVersioned('products', subItem(s), previousVersion);
    },

    listSubscriptions(
      by: { consumerOrg: string } | { operatorOrg: string } | { productId: string },
      q: { limit: number; cursor: string | undefined },
    ): Promise<Page<Subscription>> {
      const [index, attr, value] =
        'consumerOrg' in by
          ? ['byConsumer', 'consumerOrg', by.consumerOrg]
          : 'operatorOrg' in by
            ? ['bySubOperator', 'subOperator', by.operatorOrg]
            : ['byProduct', 'subProduct', by.productId];
      return indexPage(deps, {
        table,
        index,
        attr,
        value,
        keyAttrs: ['pk', 'sk', attr, 'createdSort'],
        limit: q.limit,
        cursor: q.cursor,
        map: subFrom,
      });
    },

    async usage(subscriptionId: string, usageId: string): Promise<UsageRecord | undefined> {
      const item = await get(subPk(subscriptionId), `USAGE#${usageId}`, true);
      return item ? strip<UsageRecord>(item, ['pk', 'sk']) : undefined;
    },

    /**
     * Records one use and adds it to the period's counter in the same transaction; the conditional
     * create makes a repeated `usageId` a conflict the caller turns into a replay.
     */
    recordUsage(tx: Transaction, s: Subscription, r: UsageRecord): Transaction {
      const counter: Omit<UsageCounter, 'quantity'> = {
        subscriptionId: s.id,
        productId: s.productId,
        operatorOrg: s.operatorOrg,
        grantorOrg: s.grantorOrg,
        authorityOrg: s.authorityOrg,
        consumerOrg: s.consumerOrg,
        period: r.period,
        unit: r.unit,
        purpose: s.purpose,
        tiers: tiersFor(s, r.unit),
        shares: s.shares,
      };
      const names: Record<string, string> = { '#q': 'quantity' };
      const values: Record<string, unknown> = { ':q': r.quantity };
      const sets = Object.entries(counter).map(([k, v], i) => {
        names[`#a${i}`] = k;
        values[`:a${i}`] = v;
        return `#a${i} = :a${i}`;
      });
      return tx
        .conditionCheck(
          'products',
          { pk: closePk(r.period), sk: CLOSING },
          { condition: 'attribute_not_exists(pk)' },
          () => new ConflictError(`The period ${r.period} is closed`, 'period_closed'),
        )
        .create(
          'products',
          { pk: subPk(s.id), sk: `USAGE#${r.usageId}`, ...r },
          'pk',
          () => new ConflictError('This usageId was already recorded', 'usage_exists'),
        )
        .update(
          'products',
          { pk: countersPk(r.period, counterShard(s.id)), sk: `${s.id}#${r.unit}` },
          { expression: `SET ${sets.join(', ')} ADD #q :q`, names, values },
        );
    },

    recordRefusal(tx: Transaction, r: UsageRefusal): Transaction {
      return tx.put('products', {
        pk: subPk(r.subscriptionId),
        sk: `REFUSAL#${r.refusedAt}#${r.usageId}`,
        ...r,
      });
    },

    async refusals(subscriptionId: string): Promise<UsageRefusal[]> {
      const out = await deps.db.send(
        new QueryCommand({
          TableName: table,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :r)',
          ExpressionAttributeValues: { ':pk': subPk(subscriptionId), ':r': 'REFUSAL#' },
        }),
      );
      return (out.Items ?? []).map((i) => strip<UsageRefusal>(i, ['pk', 'sk']));
    },

    /** A subscription's counters of one period. */
    async countersOf(subscriptionId: string, period: string): Promise<UsageCounter[]> {
      const out = await deps.db.send(
        new QueryCommand({
          TableName: table,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :c)',
          ExpressionAttributeValues: {
            ':pk': countersPk(period, counterShard(subscriptionId)),
            ':c': `${subscriptionId}#`,
          },
          ConsistentRead: true,
        }),
      );
      return (out.Items ?? []).map(counterFrom);
    },

    /**
     * Every counter of one period (the close, revenue totals; the disclosure reads twelve): its 16
     * shards, strongly consistent, sorted by subscription and unit.
     */
    async countersOfPeriod(period: string): Promise<UsageCounter[]> {
      const shards = await Promise.all(
        Array.from({ length: COUNTER_SHARDS }, (_, shard) =>
          queryAll(deps, {
            TableName: table,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': countersPk(period, shard) },
            ConsistentRead: true,
          }),
        ),
      );
      return shards
        .flat()
        .sort((a, b) => (String(a.sk) < String(b.sk) ? -1 : String(a.sk) > String(b.sk) ? 1 : 0))
        .map(counterFrom);
    },

    // The monthly close (Art. 12.3) ---------------------------------------------------------------

    /** Whether the close of `period` has begun: from then on no use is recorded into it. */
    async closing(period: string): Promise<boolean> {
      return !!(await get(closePk(period), CLOSING, true));
    },

    /** Marks the period closing (a use after this goes to the current month); once. */
    markClosing(tx: Transaction, period: string, at: string): Transaction {
      return tx.create(
        'products',
        { pk: closePk(period), sk: CLOSING, closingAt: at },
        'pk',
        () => new ConflictError('The period is already closing', 'period_closing'),
      );
    },

    /** The closed charge of a subscription and period, if the period was closed with usage of it. */
    async closedCharge(subscriptionId: string, period: string): Promise<ClosedCharge | undefined> {
      const i = await get(subPk(subscriptionId), `CHARGE#${period}`, true);
      return i ? strip<ClosedCharge>(i, ['pk', 'sk']) : undefined;
    },

    writeCharge(tx: Transaction, c: ClosedCharge): Transaction {
      return tx.create(
        'products',
        { pk: subPk(c.subscriptionId), sk: `CHARGE#${c.period}`, ...c },
        'pk',
        () => new ConflictError('The charge is already closed', 'charge_closed'),
      );
    },

    /** A revenue view of a closed period (`all`, `operator#<org>`, `grantor#<org>`). */
    async closedRevenue(period: string, view: string): Promise<ClosedRevenue | undefined> {
      const i = await get(closePk(period), `REVENUE#${view}`, true);
      return i ? strip<ClosedRevenue>(i, ['pk', 'sk']) : undefined;
    },

    writeRevenue(tx: Transaction, r: ClosedRevenue): Transaction {
      return tx.create(
        'products',
        { pk: closePk(r.period), sk: `REVENUE#${r.view}`, ...r },
        'pk',
        () => new ConflictError('The revenue is already closed', 'revenue_closed'),
      );
    },

    /** When the close of `period` finished (every charge and revenue record written), if it did. */
    async closedAt(period: string): Promise<string | undefined> {
      const i = await get(closePk(period), CLOSED, true);
      return i ? String(i.closedAt) : undefined;
    },

    markClosed(tx: Transaction, period: string, at: string): Transaction {
      return tx.create(
        'products',
        { pk: closePk(period), sk: CLOSED, closedAt: at },
        'pk',
        () => new ConflictError('The period is already closed', 'period_closed_exists'),
      );
    },
  };
};
export type ProductsRepository = ReturnType<typeof productsRepository>;
