import { createHash } from 'node:crypto';
import { catalogRepository } from '../catalog/repository.js';
import type { Entitlement } from '../entitlements/domain.js';
import { entitlementsRepository } from '../entitlements/repository.js';
import { grantsRepository } from '../grants/repository.js';
import type { Principal } from '../shared/auth.js';
import type { Deps } from '../shared/deps.js';
import { ForbiddenError, NotFoundError, TooManyRequestsError, ValidationError } from '../shared/errors.js';
import {
  caller,
  expectedVersion,
  pageReply,
  type RequestContext,
  type RouteTable,
  route,
} from '../shared/http.js';
import { newId } from '../shared/ids.js';
import { type Actor, Transaction } from '../shared/store.js';
import { NOTICE_CALENDAR } from './calendar.js';
import { buildDisclosure } from './disclosure.js';
import {
  auditState,
  checkFoundation,
  fileObjection,
  fullView,
  handleObjection,
  type Product,
  type ProductContent,
  publicView,
  reviewVersion,
  submitChange,
  submitProduct,
  withdrawProduct,
} from './domain.js';
import { capKey, chargeOf, type PriceCap, periodOf, revenueTotals } from './pricing.js';
import { productsRepository } from './repository.js';
import {
  CancelSubscription,
  ChangeProduct,
  CreateProduct,
  DecideSubscription,
  Disclosure,
  DisclosureYear,
  FileObjection,
  HandleObjection,
  ListProductsQuery,
  ListSubscriptionsQuery,
  ObjectionPath,
  ObjectionReceipt,
  PeriodQuery,
  PriceCapList,
  ProductId,
  PublicProduct,
  PublicProductPage,
  PublicProductsQuery,
  RecordUsage,
  RevenueQuery,
  ReviewProduct,
  SetPriceCap,
  Subscribe,
  SubscriptionId,
  WithdrawProduct,
} from './schemas.js';
import {
  cancelSubscription,
  canViewSubscription,
  decideSubscription,
  recordUsage,
  type Subscription,
  subscribe,
} from './subscriptions.js';

export const productResource = (id: string) => `product/${id}`;
const subscriptionResource = (id: string) => `subscription/${id}`;

/** Objections one client (account or address) may file per hour: the route is open to anyone. */
export const OBJECTIONS_PER_HOUR = 10;

const loadProduct = async (deps: Deps, id: string): Promise<Product> => {
  const p = await productsRepository(deps).get(id, true);
  if (!p) throw new NotFoundError('Product');
  return p;
};

/** The operator sees its own products; the authority and regulators all of them. */
const assertCanView = (p: Product, who: Principal): void => {
  if (who.role === 'operator' && who.org !== p.operatorOrg)
    throw new ForbiddenError('This product is another operator’s');
};

/** The operator's entitlements among `ids`, read from its entitlement list (one index, a few pages). */
const entitlementsAmong = async (deps: Deps, operatorOrg: string, ids: readonly string[]) => {
  const wanted = new Set(ids);
  const found = new Map<string, Entitlement>();
  const repo = entitlementsRepository(deps);
  let cursor: string | undefined;
  do {
    const page = await repo.listEntitlements({ operatorOrg }, { limit: 100, cursor });
    for (const e of page.items) if (wanted.has(e.id)) found.set(e.id, e);
    cursor = page.nextCursor ?? undefined;
  } while (cursor && found.size < wanted.size);
  return found;
};

/** Art. 4, 16: the grant and entitlements a version is built on, checked now. */
const foundationOf = async (
  deps: Deps,
  operatorOrg: string,
  grantId: string,
  content: ProductContent,
  now: Date,
) => {
  const [grant, entitlements] = await Promise.all([
    grantsRepository(deps).get(grantId, true),
    entitlementsAmong(deps, operatorOrg, content.entitlementIds),
  ]);
  const catalog = await catalogRepository(deps).getMany([...entitlements.values()].map((e) => e.entryId));
  return {
    grant,
    ...checkFoundation({
      operatorOrg,
      grant,
      entitlementIds: content.entitlementIds,
      entitlements,
      catalog,
      now,
    }),
  };
};

type Ctx<B, Q = unknown> = RequestContext<B, Q, { id: string }>;

/** Applies one product transition in a transaction with its audit event. */
const change = async <B>(ctx: Ctx<B>, action: string, apply: (p: Product) => Promise<Product> | Product) => {
  const before = await loadProduct(ctx.deps, ctx.params.id);
  assertCanView(before, caller(ctx));
  const after = await apply(before);
  await productsRepository(ctx.deps)
    .save(ctx.tx(), after, before.version)
    .audit({
      action,
      resource: productResource(after.id),
      before: auditState(before),
      after: auditState(after),
    })
    .commit();
  return { status: 200, body: fullView(after), headers: { etag: `"${after.version}"` } };
};

const loadSubscription = async (deps: Deps, id: string, who: Principal): Promise<Subscription> => {
  const s = await productsRepository(deps).getSubscription(id, true);
  if (!s) throw new NotFoundError('Subscription');
  if (!canViewSubscription(s, who)) throw new ForbiddenError('This subscription is not yours');
  return s;
};

const subscriptionAudit = (s: Subscription | undefined) =>
  s ? { status: s.status, version: s.version, purpose: s.purpose, paid: s.paid } : null;

const hourOf = (now: Date) => now.toISOString().slice(0, 13);

/** The products duty's HTTP routes (Art. 4, 11.2, 12.3, 18), keyed by the operationIds of infra/system.ts. */
export const productsRoutes: RouteTable = {
  createProduct: route({
    body: CreateProduct,
    idempotent: true,
    async handle(ctx) {
      const who = caller(ctx);
      const { grantId, ...content } = ctx.body;
      const [foundation, caps] = await Promise.all([
        foundationOf(ctx.deps, who.org, grantId, content, ctx.now),
        productsRepository(ctx.deps).caps(),
      ]);
      const grant = foundation.grant;
      if (!grant) throw new NotFoundError('Grant');
      const p = submitProduct({
        id: newId('pd', ctx.now),
        principal: who,
        operatorName: grant.operatorName,
        grant,
        content,
        caps,
        subscriptionNeedsAuthority: foundation.subscriptionNeedsAuthority,
        now: ctx.now,
      });
      const body = fullView(p);
      await productsRepository(ctx.deps)
        .create(ctx.tx(), p)
        .audit({
          action: 'product.submit',
          resource: productResource(p.id),
          before: null,
          after: auditState(p),
        })
        .commit({ status: 201, body });
      return { status: 201, body, headers: { location: `/products/${p.id}` } };
    },
  }),

  listProducts: route({
    query: ListProductsQuery,
    async handle(ctx) {
      const who = caller(ctx);
      const by = who.role === 'operator' ? { operatorOrg: who.org } : ({ all: true } as const);
      const page = await productsRepository(ctx.deps).list(by, {
        status: ctx.query.status,
        form: ctx.query.form,
        limit: ctx.query.limit,
        cursor: ctx.query.cursor,
      });
      return pageReply(page, fullView);
    },
  }),

  getProduct: route({
    params: ProductId,
    async handle(ctx) {
      const p = await loadProduct(ctx.deps, ctx.params.id);
      assertCanView(p, caller(ctx));
      return { status: 200, body: fullView(p), headers: { etag: `"${p.version}"` } };
    },
  }),

  changeProduct: route({
    params: ProductId,
    body: ChangeProduct,
    async handle(ctx) {
      const { version: _v, ...content } = ctx.body;
      const reply = await change(ctx, 'product.change', async (p) => {
        const [foundation, caps] = await Promise.all([
          foundationOf(ctx.deps, p.operatorOrg, p.grantId, content, ctx.now),
          productsRepository(ctx.deps).caps(),
        ]);
        return submitChange(
          p,
          caller(ctx),
          content,
          caps,
          foundation.subscriptionNeedsAuthority,
          expectedVersion(ctx.body, ctx.headers),
          ctx.now,
        );
      });
      return { ...reply, status: 201 };
    },
  }),

  reviewProduct: route({
    params: ProductId,
    body: ReviewProduct,
    async handle(ctx) {
      const caps = await productsRepository(ctx.deps).caps();
      return change(ctx, `product.review-${ctx.body.decision}`, (p) =>
        reviewVersion(
          p,
          caller(ctx),
          ctx.body,
          caps,
          NOTICE_CALENDAR,
          expectedVersion(ctx.body, ctx.headers),
          ctx.now,
        ),
      );
    },
  }),

  withdrawProduct: route({
    params: ProductId,
    body: WithdrawProduct,
    async handle(ctx) {
      return change(ctx, 'product.withdraw', (p) =>
        withdrawProduct(p, caller(ctx), ctx.body.reason, expectedVersion(ctx.body, ctx.headers), ctx.now),
      );
    },
  }),

  listObjections: route({
    params: ProductId,
    async handle(ctx) {
      const p = await loadProduct(ctx.deps, ctx.params.id);
      assertCanView(p, caller(ctx));
      const items = await productsRepository(ctx.deps).objections(p.id, true);
      return { status: 200, body: { items, nextCursor: null } };
    },
  }),

  handleObjection: route({
    params: ObjectionPath,
    body: HandleObjection,
    async handle(ctx) {
      const repo = productsRepository(ctx.deps);
      const [p, o] = await Promise.all([
        loadProduct(ctx.deps, ctx.params.id),
        repo.objection(ctx.params.id, ctx.params.objectionId),
      ]);
      if (!o) throw new NotFoundError('Objection');
      const out = handleObjection(p, o, caller(ctx), ctx.body, ctx.now);
      const tx = repo.saveObjection(ctx.tx(), out.objection, o.version).audit({
        action: `product.objection-${out.objection.status}`,
        resource: productResource(p.id),
        before: { objectionId: o.id, status: o.status },
        after: { objectionId: o.id, status: out.objection.status },
      });
      if (out.product) {
        repo.save(tx, out.product, p.version).audit({
          action: 'product.rejected-on-objection',
          resource: productResource(p.id),
          before: auditState(p),
          after: auditState(out.product),
        });
      }
      await tx.commit();
      return { status: 200, body: { objection: out.objection, product: fullView(out.product ?? p) } };
    },
  }),

  // Public (no token) ------------------------------------------------------------------------

  listPublicProducts: route({
    query: PublicProductsQuery,
    response: PublicProductPage,
    async handle(ctx) {
      const page = await productsRepository(ctx.deps).listPublic(ctx.query);
      return pageReply(page, publicView, { 'cache-control': 'public, max-age=60' });
    },
  }),

  getPublicProduct: route({
    params: ProductId,
    response: PublicProduct,
    async handle(ctx) {
      const p = await productsRepository(ctx.deps).get(ctx.params.id);
      // Only what has been on notice is public; a version under review is not.
      if (!p || (!p.current && p.pending?.stage !== 'on-notice')) throw new NotFoundError('Product');
      return { status: 200, body: publicView(p), headers: { 'cache-control': 'public, max-age=60' } };
    },
  }),

  /**
   * 公示异议: anyone, with or without a token, objects with reasons while a version is on notice. At most
   * OBJECTIONS_PER_HOUR per account (or per address without one), counted in the same transaction.
   */
  fileObjection: route({
    params: ProductId,
    body: FileObjection,
    response: ObjectionReceipt,
    // A signed-in objector's retry with the same Idempotency-Key gets the first receipt (the edge keys
    // it per account); without a token there is no account to key it to, and the key is ignored.
    idempotent: true,
    async handle(ctx) {
      const repo = productsRepository(ctx.deps);
      const p = await loadProduct(ctx.deps, ctx.params.id);
      const who = ctx.principal;
      const client = who
        ? `user#${who.org}#${who.userId}`
        : `ip#${createHash('sha256').update(ctx.sourceIp).digest('base64url').slice(0, 22)}`;
      const o = fileObjection(p, {
        id: newId('ob', ctx.now),
        reasons: ctx.body.reasons,
        objector: who
          ? { userId: who.userId, org: who.org, ...(ctx.body.name ? { name: ctx.body.name } : {}) }
          : {
              ...(ctx.body.name ? { name: ctx.body.name } : {}),
              ...(ctx.body.contact ? { contact: ctx.body.contact } : {}),
            },
        now: ctx.now,
      });
      const actor: Actor = {
        principal: who ?? { userId: `public:${client}`, role: 'system', org: 'platform' },
        requestId: ctx.requestId,
        now: ctx.now,
      };
      const tx = repo.rateLimit(
        who ? ctx.tx() : new Transaction(ctx.deps, actor),
        client,
        hourOf(ctx.now),
        OBJECTIONS_PER_HOUR,
        Math.floor(ctx.now.getTime() / 1000) + 7200,
        () => new TooManyRequestsError(`At most ${OBJECTIONS_PER_HOUR} objections an hour`),
      );
      const receipt = { id: o.id, productId: p.id, status: o.status, filedAt: o.filedAt };
      await repo
        .createObjection(tx, o)
        .audit({
          action: 'product.objection',
          resource: productResource(p.id),
          before: null,
          after: { objectionId: o.id, versionNumber: o.versionNumber },
        })
        .commit({ status: 201, body: receipt });
      return { status: 201, body: receipt };
    },
  }),

  // Price caps (Art. 12.3) -------------------------------------------------------------------

  listPriceCaps: route({
    response: PriceCapList,
    async handle(ctx) {
      const items = await productsRepository(ctx.deps).caps();
      return { status: 200, body: { items, nextCursor: null } };
    },
  }),

  setPriceCap: route({
    body: SetPriceCap,
    async handle(ctx) {
      const who = caller(ctx);
      if (ctx.body.productId && !(await productsRepository(ctx.deps).get(ctx.body.productId)))
        throw new NotFoundError('Product');
      const cap: PriceCap = {
        key: capKey(ctx.body),
        ...(ctx.body.productId ? { productId: ctx.body.productId } : {}),
        ...(ctx.body.form ? { form: ctx.body.form } : {}),
        unit: ctx.body.unit,
        maxUnitPriceFen: ctx.body.maxUnitPriceFen,
        setBy: who.userId,
        setAt: ctx.now.toISOString(),
        ...(ctx.body.basis ? { basis: ctx.body.basis } : {}),
      };
      await productsRepository(ctx.deps)
        .setCap(ctx.tx(), cap)
        .audit({ action: 'price-cap.set', resource: `price-cap/${cap.key}`, before: null, after: { ...cap } })
        .commit();
      return { status: 200, body: cap };
    },
  }),

  // Subscriptions and usage (Art. 18) --------------------------------------------------------

  subscribe: route({
    params: ProductId,
    body: Subscribe,
    idempotent: true,
    async handle(ctx) {
      const p = await loadProduct(ctx.deps, ctx.params.id);
      const grant = await grantsRepository(ctx.deps).get(p.grantId);
      const s = subscribe({
        id: newId('sb', ctx.now),
        product: p,
        principal: caller(ctx),
        consumerName: ctx.body.consumerName,
        responsible: ctx.body.principal,
        purpose: ctx.body.purpose,
        useDescription: ctx.body.useDescription,
        shares: grant?.terms.revenue.shares,
        now: ctx.now,
      });
      await productsRepository(ctx.deps)
        .createSubscription(ctx.tx(), s)
        .audit({
          action: 'subscription.request',
          resource: subscriptionResource(s.id),
          before: null,
          after: subscriptionAudit(s),
        })
        .commit({ status: 201, body: s });
      return { status: 201, body: s, headers: { location: `/subscriptions/${s.id}` } };
    },
  }),

  listSubscriptions: route({
    query: ListSubscriptionsQuery,
    async handle(ctx) {
      const who = caller(ctx);
      const repo = productsRepository(ctx.deps);
      const q = { limit: ctx.query.limit, cursor: ctx.query.cursor };
      if (who.role === 'consumer')
        return pageReply(await repo.listSubscriptions({ consumerOrg: who.org }, q), (s) => s);
      if (ctx.query.productId) {
        const p = await loadProduct(ctx.deps, ctx.query.productId);
        assertCanView(p, who);
        return pageReply(await repo.listSubscriptions({ productId: p.id }, q), (s) => s);
      }
      if (who.role === 'operator')
        return pageReply(await repo.listSubscriptions({ operatorOrg: who.org }, q), (s) => s);
      throw new ValidationError('Name the product', [
        { path: 'query.productId', message: 'Required for this role' },
      ]);
    },
  }),

  getSubscription: route({
    params: SubscriptionId,
    async handle(ctx) {
      const s = await loadSubscription(ctx.deps, ctx.params.id, caller(ctx));
      return { status: 200, body: s, headers: { etag: `"${s.version}"` } };
    },
  }),

  decideSubscription: route({
    params: SubscriptionId,
    body: DecideSubscription,
    async handle(ctx) {
      const who = caller(ctx);
      const before = await loadSubscription(ctx.deps, ctx.params.id, who);
      const after = decideSubscription(
        before,
        who,
        ctx.body,
        expectedVersion(ctx.body, ctx.headers),
        ctx.now,
      );
      await productsRepository(ctx.deps)
        .saveSubscription(ctx.tx(), after, before.version)
        .audit({
          action: `subscription.${ctx.body.decision}`,
          resource: subscriptionResource(after.id),
          before: subscriptionAudit(before),
          after: subscriptionAudit(after),
        })
        .commit();
      return { status: 200, body: after };
    },
  }),

  cancelSubscription: route({
    params: SubscriptionId,
    body: CancelSubscription,
    async handle(ctx) {
      const who = caller(ctx);
      const before = await loadSubscription(ctx.deps, ctx.params.id, who);
      const after = cancelSubscription(before, who, expectedVersion(ctx.body, ctx.headers), ctx.now);
      await productsRepository(ctx.deps)
        .saveSubscription(ctx.tx(), after, before.version)
        .audit({
          action: 'subscription.cancel',
          resource: subscriptionResource(after.id),
          before: subscriptionAudit(before),
          after: subscriptionAudit(after),
        })
        .commit();
      return { status: 200, body: after };
    },
  }),

  /**
   * The operator's delivery system reports one use. Idempotent on `usageId`: the same use again returns
   * the first record (200, `replayed: true`); a different use under the same id is a 409.
   */
  recordUsage: route({
    params: SubscriptionId,
    body: RecordUsage,
    async handle(ctx) {
      const who = caller(ctx);
      const repo = productsRepository(ctx.deps);
      const s = await loadSubscription(ctx.deps, ctx.params.id, who);
      const same = (r: { kind: string; unit: string; quantity: number; at: string }) =>
        r.kind === ctx.body.kind &&
        r.unit === ctx.body.unit &&
        r.quantity === ctx.body.quantity &&
        Date.parse(r.at) === Date.parse(ctx.body.at);
      const replay = async () => {
        const first = await repo.usage(s.id, ctx.body.usageId);
        if (!first) return undefined;
        if (!same(first))
          throw new ValidationError('This usageId was recorded with other values', [
            { path: 'body.usageId', message: 'Already used for another record' },
          ]);
        return { status: 200, body: { ...first, replayed: true } };
      };
      const earlier = await replay();
      if (earlier) return earlier;
      const product = await loadProduct(ctx.deps, s.productId);
      const asked = recordUsage(s, product, who, ctx.body, ctx.now);
      // Art. 12.3: a use of a month already closing or closed goes to the current month (as statements do).
      const out =
        asked.ok && (await repo.closing(asked.record.period))
          ? { ...asked, record: { ...asked.record, period: periodOf(ctx.now) } }
          : asked;
      if (!out.ok) {
        // Art. 18: the refused use is kept as evidence, then refused.
        await repo
          .recordRefusal(ctx.tx(), out.refusal)
          .audit({
            action: 'usage.refused',
            resource: subscriptionResource(s.id),
            before: null,
            after: { ...out.refusal },
          })
          .commit();
        throw new ForbiddenError(out.refusal.reason);
      }
      try {
        await repo
          .recordUsage(ctx.tx(), s, out.record)
          .audit({
            action: 'usage.record',
            resource: subscriptionResource(s.id),
            before: null,
            after: {
              usageId: out.record.usageId,
              unit: out.record.unit,
              quantity: out.record.quantity,
              period: out.record.period,
            },
          })
          .commit();
      } catch (e) {
        const again = await replay();
        if (again) return again;
        throw e;
      }
      return { status: 201, body: { ...out.record, replayed: false } };
    },
  }),

  getCharges: route({
    params: SubscriptionId,
    query: PeriodQuery,
    async handle(ctx) {
      const s = await loadSubscription(ctx.deps, ctx.params.id, caller(ctx));
      const repo = productsRepository(ctx.deps);
      // One body for both: a closed period's lines and total as closed, an open one's computed now.
      const body = (lines: readonly unknown[], totalFen: number, closed: boolean) => ({
        subscriptionId: s.id,
        period: ctx.query.period,
        purpose: s.purpose,
        free: !s.paid,
        lines,
        totalFen,
        closed,
      });
      // Art. 12.3: a closed period is read from its closed record, the open ones computed.
      if (await repo.closedAt(ctx.query.period)) {
        const closed = await repo.closedCharge(s.id, ctx.query.period);
        return { status: 200, body: body(closed?.lines ?? [], closed?.totalFen ?? 0, true) };
      }
      const lines = (await repo.countersOf(s.id, ctx.query.period)).map(chargeOf);
      return {
        status: 200,
        body: body(
          lines,
          lines.reduce((sum, l) => sum + l.amountFen, 0),
          false,
        ),
      };
    },
  }),

  /** Art. 12.3: revenue of a period per product and per party; an operator or grantor sees its own share. */
  getRevenue: route({
    query: RevenueQuery,
    async handle(ctx) {
      const who = caller(ctx);
      const repo = productsRepository(ctx.deps);
      const view =
        who.role === 'operator'
          ? `operator#${who.org}`
          : who.role === 'provider'
            ? `grantor#${who.org}`
            : 'all';
      if (await repo.closedAt(ctx.query.period)) {
        const closed = await repo.closedRevenue(ctx.query.period, view);
        const totals = closed
          ? { grossFen: closed.grossFen, products: closed.products, parties: closed.parties }
          : { grossFen: 0, products: [], parties: [] };
        return {
          status: 200,
          body: { period: ctx.query.period, currency: 'CNY', unit: 'fen', ...totals, closed: true },
        };
      }
      const all = await repo.countersOfPeriod(ctx.query.period);
      const mine =
        who.role === 'operator'
          ? all.filter((c) => c.operatorOrg === who.org)
          : who.role === 'provider'
            ? all.filter((c) => c.grantorOrg === who.org)
            : all;
      const totals = revenueTotals(mine);
      return {
        status: 200,
        body: { period: ctx.query.period, currency: 'CNY', unit: 'fen', ...totals, closed: false },
      };
    },
  }),

  /** Annual disclosure (公开): generated from the records, the same for a past year whenever it is asked. */
  getDisclosure: route({
    params: DisclosureYear,
    response: Disclosure,
    async handle(ctx) {
      const year = Number(ctx.params.year);
      if (year > Number(periodOf(ctx.now).slice(0, 4)))
        throw new ValidationError('The year has not begun', [
          { path: 'path.year', message: 'A past or the current year' },
        ]);
      const body = await buildDisclosure(ctx.deps, year, ctx.now);
      return { status: 200, body, headers: { 'cache-control': 'public, max-age=300' } };
    },
  }),
};
