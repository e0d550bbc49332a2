import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { closeMonth } from '../../functions/products/jobs.js';
import { Disclosure, PublicProduct, PublicProductPage } from '../../functions/products/schemas.js';
import {
  approvedEntry,
  as,
  auditOf,
  type Platform,
  recordingDeps,
  startPlatform,
} from '../support/platform.js';
import { activeGrant } from './grants-fixtures.js';
import {
  activeSubscription,
  endNotice,
  grantWithEntitlements,
  productBody,
  registeredProduct,
} from './products-fixtures.js';

/** Data products, public notice, objections, price caps, subscriptions, usage and revenue, through the gateway. */
let p: Platform;
let busEntry: string;
let lineEntry: string;
beforeAll(async () => {
  p = await startPlatform();
  busEntry = await approvedEntry(p, as.transport, { title: '公交刷卡数据' });
  lineEntry = await approvedEntry(p, as.transport, {
    title: '公交线路数据',
    dataItems: [{ name: '线路', type: 'string', personalInformation: false, description: '' }],
  });
});
afterAll(() => p.stop());
afterEach(() => p.rt.clock.reset());

const nowIso = () => p.rt.clock.now().toISOString();

describe('registering a product (Art. 4, 11.2)', () => {
  it('refuses a product on ungranted or inactive data with a 409 naming the entitlement', async () => {
    // Prepare: operator A's entitlement, and operator B's own grant and entitlement
    const a = await grantWithEntitlements(p, [lineEntry]);
    const b = await grantWithEntitlements(p, [busEntry], as.operatorB);

    // Act: B's entitlement under A's product; an unknown one; a product on a suspended grant
    const foreign = await p.post(
      '/products',
      as.operatorA,
      productBody(a.grantId, [...a.entitlementIds, ...b.entitlementIds]),
    );
    const unknown = await p.post('/products', as.operatorA, productBody(a.grantId, ['en_0000000000000000']));
    const otherGrant = await p.post('/products', as.operatorB, productBody(a.grantId, b.entitlementIds));
    await p.post(`/grants/${a.grantId}/suspend`, as.authority, { reason: '评估未通过' });
    await p.rt.settle();
    const inactive = await p.post('/products', as.operatorA, productBody(a.grantId, a.entitlementIds));

    // Assess
    expect(foreign.status).toBe(409);
    expect(foreign.body.error).toMatchObject({
      code: 'entitlement_not_granted',
      details: { entitlementId: b.entitlementIds[0] },
    });
    expect(unknown.status).toBe(409);
    expect((unknown.body.error as { details: unknown }).details).toEqual({
      entitlementId: 'en_0000000000000000',
    });
    expect(otherGrant.status).toBe(403);
    expect(inactive.status).toBe(409);
    expect((inactive.body.error as { code: string }).code).toBe('grant_not_in_force');
  });

  it('goes through review, 10 working days of public notice, and registration with a code', async () => {
    // Prepare
    // The fixed date comes first: the grant's term starts when it is signed, so a grant signed at the
    // real date with the clock then set back before it is not in force yet (the test broke on every
    // real day after 4 Dec 2026). The clock only ever moves forward from here.
    p.rt.clock.set('2026-12-04T00:00:00Z'); // Friday 4 Dec, 08:00 in Shiyan: the grant is signed
    const { grantId, entitlementIds } = await grantWithEntitlements(p, [lineEntry]);
    p.rt.clock.set('2026-12-04T02:00:00Z'); // the same Friday, 10:00 in Shiyan
    const created = await p.post('/products', as.operatorA, productBody(grantId, entitlementIds), {
      'idempotency-key': `prod-${grantId}`,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = String(created.body.id);
    const again = await p.post('/products', as.operatorA, productBody(grantId, entitlementIds), {
      'idempotency-key': `prod-${grantId}`,
    });
    expect(again.body.id).toBe(id);

    // Under review: not public
    expect((await p.get(`/public/products/${id}`)).status).toBe(404);
    const approved = await p.post(`/products/${id}/review`, as.authority, { decision: 'approve' });
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    // 10 working days from Friday 4 Dec: Mon 7 … Fri 18 Dec, ending at 24:00 CST
    expect((approved.body.pending as { noticeEndsAt: string }).noticeEndsAt).toBe('2026-12-18T16:00:00.000Z');
    const onNotice = await p.get(`/public/products/${id}`);
    expect(onNotice.body).toMatchObject({
      status: 'on-notice',
      registrationCode: null,
      notice: { endsAt: '2026-12-18T16:00:00.000Z' },
    });

    // Act: before the end nothing happens; after it the schedule registers (twice: once)
    p.rt.clock.set('2026-12-18T15:00:00Z');
    await p.rt.invoke('products', { schedule: 'product-notice-end' });
    expect((await p.get(`/products/${id}`, as.operatorA)).body.status).toBe('on-notice');
    p.rt.clock.set('2026-12-18T16:00:01Z');
    await p.rt.invoke('products', { schedule: 'product-notice-end' });
    const second = (await p.rt.invoke('products', { schedule: 'product-notice-end' })) as {
      registered: number;
    };

    // Assess
    const registered = await p.get(`/public/products/${id}`);
    expect(registered.body.status).toBe('registered');
    expect(String(registered.body.registrationCode)).toMatch(/^SYDP-2026-[0-9A-Z]{7}$/);
    expect(second.registered).toBe(0);
    const list = await p.get('/public/products?limit=100');
    expect((list.body.items as { id: string }[]).map((x) => x.id)).toContain(id);
    // The public shapes are the documented ones (OpenAPI); nothing internal leaks.
    expect(PublicProductPage.safeParse(list.body).success).toBe(true);
    expect(Object.keys(PublicProduct.strict().parse(registered.body))).not.toContain('pending');
    const audit = await auditOf(p, `product/${id}`);
    expect(audit.map((a) => a.action)).toEqual([
      'product.submit',
      'product.review-approve',
      'product.register',
    ]);
  });

  it('an upheld objection (filed without a token) rejects the version with the reasons; a dismissed one does not', async () => {
    // Prepare
    const { grantId, entitlementIds } = await grantWithEntitlements(p, [lineEntry]);
    const created = await p.post(
      '/products',
      as.operatorA,
      productBody(grantId, entitlementIds, { name: '线路数据组件' }),
    );
    const id = String(created.body.id);
    await p.post(`/products/${id}/review`, as.authority, { decision: 'approve' });

    // Act: an anonymous and a signed-in objection; invalid input
    const anonymous = await p.post(`/public/products/${id}/objections`, null, {
      reasons: '产品包含未脱敏的个人信息',
      contact: '13800000000',
    });
    const signedIn = await p.post(
      `/public/products/${id}/objections`,
      as.logistics,
      { reasons: '定价不合理' },
      { 'idempotency-key': `obj-${id}` },
    );
    // A signed-in retry under the same Idempotency-Key gets the first receipt, no second objection.
    const retried = await p.post(
      `/public/products/${id}/objections`,
      as.logistics,
      { reasons: '定价不合理' },
      { 'idempotency-key': `obj-${id}` },
    );
    expect(retried.body.id).toBe(signedIn.body.id);
    expect(retried.headers.get('idempotent-replayed')).toBe('true');
    const listed = await p.get(`/products/${id}/objections`, as.authority);
    expect((listed.body.items as unknown[]).length).toBe(2);
    const empty = await p.post(`/public/products/${id}/objections`, null, { reasons: '' });
    expect(anonymous.status, JSON.stringify(anonymous.body)).toBe(201);
    expect(signedIn.status).toBe(201);
    expect(empty.status).toBe(400);
    const dismissed = await p.post(`/products/${id}/objections/${signedIn.body.id}/decision`, as.authority, {
      decision: 'dismiss',
      response: '定价在限价以内',
    });
    expect(dismissed.status, JSON.stringify(dismissed.body)).toBe(200);
    expect((dismissed.body.product as { status: string }).status).toBe('on-notice');
    const operatorTries = await p.post(
      `/products/${id}/objections/${anonymous.body.id}/decision`,
      as.operatorA,
      { decision: 'dismiss', response: 'x' },
    );
    const upheld = await p.post(`/products/${id}/objections/${anonymous.body.id}/decision`, as.authority, {
      decision: 'uphold',
      response: '经核查属实',
    });
    const twice = await p.post(`/products/${id}/objections/${anonymous.body.id}/decision`, as.authority, {
      decision: 'dismiss',
      response: '再次',
    });

    // Assess
    expect(operatorTries.status).toBe(403);
    expect(upheld.status).toBe(200);
    const product = upheld.body.product as {
      status: string;
      pending: { stage: string; rejection: { reason: string; objectionId: string } };
    };
    expect(product.status).toBe('rejected');
    expect(product.pending.rejection.reason).toContain('产品包含未脱敏的个人信息');
    expect(product.pending.rejection.objectionId).toBe(anonymous.body.id);
    expect(twice.status).toBe(409);
    await endNotice(p, 20);
    expect((await p.get(`/products/${id}`, as.operatorA)).body.status).toBe('rejected');
    expect((await p.get(`/public/products/${id}`)).status).toBe(404);
    // Objections after the notice are refused
    expect((await p.post(`/public/products/${id}/objections`, null, { reasons: '晚到的异议' })).status).toBe(
      409,
    );
  });

  it('rate-limits objections per client', async () => {
    const { grantId, entitlementIds } = await grantWithEntitlements(p, [lineEntry]);
    const id = String(
      (await p.post('/products', as.operatorA, productBody(grantId, entitlementIds))).body.id,
    );
    await p.post(`/products/${id}/review`, as.authority, { decision: 'approve' });
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++)
      statuses.push(
        (await p.post(`/public/products/${id}/objections`, as.hospital, { reasons: `异议${i}` })).status,
      );
    expect(statuses.slice(0, 10).every((s) => s === 201)).toBe(true);
    expect(statuses[10]).toBe(429);
  });

  it('a registered product is suspended with its grant and delisted when the grant is terminated', async () => {
    // Prepare
    const { grantId, entitlementIds } = await grantWithEntitlements(p, [lineEntry]);
    const id = await registeredProduct(p, grantId, entitlementIds);

    // Act + Assess: suspension, reinstatement, termination
    await p.post(`/grants/${grantId}/suspend`, as.authority, { reason: '评估未通过' });
    await p.rt.settle();
    expect((await p.get(`/public/products/${id}`)).body.status).toBe('suspended');
    await p.post(`/grants/${grantId}/reinstate`, as.authority, { reason: '整改完成' });
    await p.rt.settle();
    expect((await p.get(`/public/products/${id}`)).body.status).toBe('registered');
    const t = await p.post(`/grants/${grantId}/terminate`, as.authority, { reason: '严重违约' });
    expect(t.status, JSON.stringify(t.body)).toBe(200);
    await p.rt.settle();
    const view = await p.get(`/products/${id}`, as.operatorA);
    expect(view.body.status).toBe('delisted');
    const list = await p.get('/public/products?limit=100');
    expect((list.body.items as { id: string }[]).map((x) => x.id)).not.toContain(id);
    const audit = await auditOf(p, `product/${id}`);
    expect(audit.at(-1)).toMatchObject({ action: 'product.GrantTerminated', actor: { role: 'system' } });
  });

  it('a registered product is suspended when an entitlement it is built on ends (entry withdrawn, Art. 8)', async () => {
    // Prepare
    const entry = await approvedEntry(p, as.transport, { title: '公交站点数据' });
    const { grantId, entitlementIds } = await grantWithEntitlements(p, [entry]);
    const id = await registeredProduct(p, grantId, entitlementIds);
    expect((await p.get(`/public/products/${id}`)).body.status).toBe('registered');

    // Act: the provider withdraws the entry; its entitlements end, and with them the product
    const w = await p.post(`/catalog/${entry}/withdraw`, as.transport, { reason: '数据停止采集' });
    expect(w.status, JSON.stringify(w.body)).toBe(200);
    await p.rt.settle();

    // Assess: suspended, audited, and a grant reinstatement does not bring it back
    expect((await p.get(`/public/products/${id}`)).body.status).toBe('suspended');
    const audit = await auditOf(p, `product/${id}`);
    expect(audit.at(-1)).toMatchObject({ action: 'product.EntitlementsEnded', actor: { role: 'system' } });
    await p.post(`/grants/${grantId}/suspend`, as.authority, { reason: '评估未通过' });
    await p.post(`/grants/${grantId}/reinstate`, as.authority, { reason: '整改完成' });
    await p.rt.settle();
    expect((await p.get(`/public/products/${id}`)).body.status).toBe('suspended');
  });

  it('a change is a new version through the same review; the registered version stays public; withdrawal', async () => {
    const { grantId, entitlementIds } = await grantWithEntitlements(p, [lineEntry]);
    const id = await registeredProduct(p, grantId, entitlementIds);
    const changed = await p.post(`/products/${id}/versions`, as.operatorA, {
      ...productBody(grantId, entitlementIds, { name: '到站预测服务 v2' }),
      grantId: undefined,
    });
    expect(changed.status, JSON.stringify(changed.body)).toBe(201);
    const pub = await p.get(`/public/products/${id}`);
    expect(pub.body).toMatchObject({ name: '公交到站预测服务', status: 'registered', version: 1 });
    const code = pub.body.registrationCode;
    await p.post(`/products/${id}/review`, as.authority, { decision: 'approve', noticeWorkingDays: 1 });
    await endNotice(p);
    const v2 = await p.get(`/public/products/${id}`);
    expect(v2.body).toMatchObject({ name: '到站预测服务 v2', version: 2, registrationCode: code });
    const other = await p.post(`/products/${id}/withdraw`, as.operatorB, { reason: 'x' });
    expect(other.status).toBe(403);
    const w = await p.post(`/products/${id}/withdraw`, as.operatorA, { reason: '停止运营' });
    expect(w.body.status).toBe('withdrawn');
    expect((await p.post(`/products/${id}/withdraw`, as.operatorA, { reason: '再次' })).status).toBe(409);
  });

  it('filters the lists by form before paging: full pages, and the cursor goes on to the next match', async () => {
    // Prepare: two verification products on notice, then three newer data services (newest first, the
    // matches lie behind a whole page of others)
    const { grantId, entitlementIds } = await grantWithEntitlements(p, [lineEntry]);
    const onNotice = async (form: string) => {
      const c = await p.post('/products', as.operatorA, productBody(grantId, entitlementIds, { form }));
      expect(c.status, JSON.stringify(c.body)).toBe(201);
      await p.post(`/products/${c.body.id}/review`, as.authority, { decision: 'approve' });
      p.rt.clock.advance(1_000);
      return String(c.body.id);
    };
    const older = await onNotice('data-verification');
    const newer = await onNotice('data-verification');
    for (let i = 0; i < 3; i++) await onNotice('data-service');

    // Act: one item per page
    const first = await p.get('/public/products?form=data-verification&limit=1');
    const second = await p.get(
      `/public/products?form=data-verification&limit=1&cursor=${encodeURIComponent(String(first.body.nextCursor))}`,
    );
    const mine = await p.get('/products?form=data-verification&limit=1', as.operatorA);

    // Assess
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect((first.body.items as { id: string }[]).map((x) => x.id)).toEqual([newer]);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    expect((second.body.items as { id: string }[]).map((x) => x.id)).toEqual([older]);
    expect((mine.body.items as { id: string; form: string }[]).map((x) => x.id)).toEqual([newer]);
  });
});

describe('price caps (Art. 12.3)', () => {
  it('refuses a price above the cap per form and unit, and per product at review', async () => {
    const { grantId, entitlementIds } = await grantWithEntitlements(p, [lineEntry]);
    const cap = await p.post('/price-caps', as.authority, {
      form: 'data-model',
      unit: 'call',
      maxUnitPriceFen: 8,
      basis: '政府指导价',
    });
    expect(cap.status, JSON.stringify(cap.body)).toBe(200);
    expect(
      (await p.post('/price-caps', as.operatorA, { form: 'data-model', unit: 'call', maxUnitPriceFen: 1 }))
        .status,
    ).toBe(403);
    expect((await p.post('/price-caps', as.authority, { unit: 'call', maxUnitPriceFen: 1 })).status).toBe(
      400,
    );

    const above = await p.post(
      '/products',
      as.operatorA,
      productBody(grantId, entitlementIds, { form: 'data-model' }),
    );
    expect(above.status).toBe(409);
    expect(above.body.error).toMatchObject({
      code: 'price_above_cap',
      details: { unit: 'call', tier: 0, maxUnitPriceFen: 8 },
    });

    // A product's own cap, set during review, is checked when the authority approves.
    const ok = await p.post('/products', as.operatorA, productBody(grantId, entitlementIds));
    expect(ok.status).toBe(201);
    await p.post('/price-caps', as.authority, { productId: ok.body.id, unit: 'call', maxUnitPriceFen: 6 });
    const review = await p.post(`/products/${ok.body.id}/review`, as.authority, { decision: 'approve' });
    expect(review.status).toBe(409);
    const caps = await p.get('/public/price-caps');
    expect((caps.body.items as unknown[]).length).toBeGreaterThanOrEqual(2);
  });
});

describe('subscriptions, usage, charges and revenue (Art. 11.2, 12.3, 18)', () => {
  it('charges usage × tiered price for commercial use and nothing for public-interest use; distributes revenue', async () => {
    // Prepare: a registered product; a hospital (public welfare) and a company (commercial). Mid-month,
    // so every use below falls in one period whatever the real date (never across a month's end).
    p.rt.clock.set('2026-11-10T02:00:00Z');
    const { grantId, entitlementIds } = await grantWithEntitlements(p, [lineEntry]);
    const id = await registeredProduct(p, grantId, entitlementIds);
    const free = await activeSubscription(p, id, as.hospital, 'public-welfare');
    const paid = await activeSubscription(p, id, as.logistics, 'commercial');
    expect(free.paid).toBe(false);
    expect(paid.paid).toBe(true);

    // Act: usage (1,500 calls each; one retried)
    const use = (
      sub: Record<string, unknown>,
      usageId: string,
      quantity: number,
      extra: Record<string, unknown> = {},
    ) =>
      p.post(`/subscriptions/${sub.id}/usage`, as.operatorA, {
        usageId,
        unit: 'call',
        quantity,
        at: nowIso(),
        ...extra,
      });
    const at = nowIso();
    const first = await use(paid, 'batch-1', 1000, { at });
    const retried = await use(paid, 'batch-1', 1000, { at });
    const clash = await use(paid, 'batch-1', 7, { at });
    await use(paid, 'batch-2', 500);
    await use(free, 'batch-1', 1500);
    const byConsumer = await p.post(`/subscriptions/${paid.id}/usage`, as.logistics, {
      usageId: 'x',
      unit: 'call',
      quantity: 1,
      at: nowIso(),
    });
    const wrongUnit = await use(paid, 'batch-3', 1, { unit: 'megabyte' });

    // Assess
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(retried.status).toBe(200);
    expect(retried.body.replayed).toBe(true);
    expect(clash.status).toBe(400);
    expect(byConsumer.status).toBe(403);
    expect(wrongUnit.status).toBe(409);
    const period = String(first.body.period);
    const paidCharges = await p.get(`/subscriptions/${paid.id}/charges?period=${period}`, as.logistics);
    // 1,000 × 10 fen + 500 × 5 fen
    expect(paidCharges.body).toMatchObject({ totalFen: 12_500, free: false });
    const freeCharges = await p.get(`/subscriptions/${free.id}/charges?period=${period}`, as.hospital);
    expect(freeCharges.body).toMatchObject({ totalFen: 0, free: true });
    expect((freeCharges.body.lines as { quantity: number }[])[0]?.quantity).toBe(1500);
    expect((await p.get(`/subscriptions/${paid.id}/charges?period=${period}`, as.hospital)).status).toBe(403);

    const revenue = await p.get(`/revenue?period=${period}`, as.operatorA);
    const parties = revenue.body.parties as { role: string; amountFen: number }[];
    const mine = (revenue.body.products as { productId: string; amountFen: number }[]).find(
      (x) => x.productId === id,
    );
    expect(mine?.amountFen).toBe(12_500);
    // Default shares 85 / 10 / 5 %, over this operator's revenue of the period
    const gross = Number(revenue.body.grossFen);
    expect(parties.find((x) => x.role === 'grantor')?.amountFen).toBe(Math.floor(gross * 0.1));
    expect(parties.reduce((s, x) => s + x.amountFen, 0)).toBe(gross);
  });

  it('closes a month once whatever the retries; a late use goes to the current month', async () => {
    // Prepare: October usage of a paid subscription
    p.rt.clock.set('2026-10-10T02:00:00Z');
    const { grantId, entitlementIds } = await grantWithEntitlements(p, [lineEntry]);
    const id = await registeredProduct(p, grantId, entitlementIds);
    const paid = await activeSubscription(p, id, as.logistics, 'commercial');
    const use = (usageId: string, at: string) =>
      p.post(`/subscriptions/${paid.id}/usage`, as.operatorA, { usageId, unit: 'call', quantity: 1000, at });
    expect((await use('oct-1', nowIso())).body.period).toBe('2026-10');

    // Act: the close fires on 1 November, three times, two of them at once; then a late October use
    p.rt.clock.set('2026-11-01T02:00:00Z');
    const close = () => p.rt.invoke('products', { schedule: 'product-month-close' });
    // The first run with every DynamoDB request it sends recorded: the counters must be read with
    // strongly consistent queries of the base table (an index could miss a just-recorded use).
    const { sent, deps } = recordingDeps(p);
    await closeMonth({ deps, requestId: 'close-consistency' });
    await Promise.all([close(), close()]);
    const queries = sent.filter((c) => c.name === 'QueryCommand');
    expect(queries.filter((q) => q.input.IndexName !== undefined)).toEqual([]);
    const counterReads = queries.filter((q) =>
      String((q.input.ExpressionAttributeValues as Record<string, unknown>)[':pk'] ?? '').startsWith(
        'COUNTERS#2026-10#',
      ),
    );
    expect(counterReads).toHaveLength(16);
    expect(counterReads.every((q) => q.input.ConsistentRead === true)).toBe(true);
    const late = await use('oct-late', '2026-10-20T03:00:00Z');

    // Assess
    const charges = await p.get(`/subscriptions/${paid.id}/charges?period=2026-10`, as.logistics);
    expect(charges.body).toMatchObject({ closed: true, totalFen: 10_000 });
    expect(late.body.period).toBe('2026-11');
    const nov = await p.get(`/subscriptions/${paid.id}/charges?period=2026-11`, as.logistics);
    expect(nov.body).toMatchObject({ closed: false, totalFen: 10_000 });
    const revenue = await p.get('/revenue?period=2026-10', as.operatorA);
    expect(revenue.body.closed).toBe(true);
    const mine = (revenue.body.products as { productId: string; amountFen: number }[]).find(
      (x) => x.productId === id,
    );
    expect(mine?.amountFen).toBe(10_000);
    const audit = await auditOf(p, `subscription/${paid.id}`);
    expect(audit.filter((a) => a.action === 'charge.close')).toHaveLength(1);
  });

  it('refuses re-provision the terms do not allow and records it; allows re-development', async () => {
    const { grantId, entitlementIds } = await grantWithEntitlements(p, [lineEntry]);
    const id = await registeredProduct(p, grantId, entitlementIds);
    const sub = await activeSubscription(p, id, as.logistics, 'industry');
    const reprovide = await p.post(`/subscriptions/${sub.id}/usage`, as.operatorA, {
      usageId: 'r1',
      kind: 'reprovision',
      unit: 'call',
      quantity: 10,
      at: nowIso(),
    });
    const redevelop = await p.post(`/subscriptions/${sub.id}/usage`, as.operatorA, {
      usageId: 'd1',
      kind: 'redevelopment',
      unit: 'call',
      quantity: 10,
      at: nowIso(),
    });
    expect(reprovide.status).toBe(403);
    expect(redevelop.status).toBe(201);
    const audit = await auditOf(p, `subscription/${sub.id}`);
    expect(audit.map((a) => a.action)).toContain('usage.refused');
  });

  it('needs the authority too for products on personal data; no subscription to a product not registered', async () => {
    const { grantId, entitlementIds } = await grantWithEntitlements(p, [busEntry]); // 卡号: personal information
    const id = await registeredProduct(p, grantId, entitlementIds);
    const s = await p.post(`/products/${id}/subscriptions`, as.logistics, {
      consumerName: '十堰智运物流有限公司',
      principal: { name: '赵六' },
      purpose: 'commercial',
      useDescription: '车队调度',
    });
    const byOperator = await p.post(`/subscriptions/${s.body.id}/decision`, as.operatorA, {
      decision: 'approve',
    });
    expect(byOperator.body.status).toBe('awaiting-authority');
    const wrongOperator = await p.post(`/subscriptions/${s.body.id}/decision`, as.operatorB, {
      decision: 'approve',
    });
    expect(wrongOperator.status).toBe(403);
    const byAuthority = await p.post(`/subscriptions/${s.body.id}/decision`, as.authority, {
      decision: 'approve',
    });
    expect(byAuthority.body.status).toBe('active');

    const pending = await p.post('/products', as.operatorA, productBody(grantId, entitlementIds));
    const early = await p.post(`/products/${pending.body.id}/subscriptions`, as.logistics, {
      consumerName: 'x',
      principal: { name: 'y' },
      purpose: 'commercial',
      useDescription: 'z',
    });
    expect(early.status).toBe(409);
  });
});

describe('annual disclosure', () => {
  it('is public, generated from the records and the same whenever asked for a past year', async () => {
    const { grantId, entitlementIds } = await grantWithEntitlements(p, [lineEntry]);
    const id = await registeredProduct(p, grantId, entitlementIds);
    const sub = await activeSubscription(p, id, as.logistics, 'commercial');
    await p.post(`/subscriptions/${sub.id}/usage`, as.operatorA, {
      usageId: 'y1',
      unit: 'call',
      quantity: 100,
      at: nowIso(),
    });
    const year = Number(nowIso().slice(0, 4));
    const first = await p.get(`/public/disclosures/${year}`);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(Disclosure.strict().parse(first.body)).toBeTruthy();
    const op = (
      first.body.operators as { org: string; products: { productId: string; feesFen: number }[] }[]
    ).find((o) => o.org === as.operatorA.org);
    expect(op?.products.find((x) => x.productId === id)?.feesFen).toBe(1000);
    expect((first.body.grants as { grantId: string }[]).map((g) => g.grantId)).toContain(grantId);

    // A year later, a new product changes nothing in the past year's disclosure
    p.rt.clock.advance(366 * 86_400_000);
    const g2 = await activeGrant(p, { scope: [lineEntry], operator: as.operatorC });
    expect(g2.id).toBeTruthy();
    const again = await p.get(`/public/disclosures/${year}`);
    expect(again.body).toEqual(first.body);
    expect((await p.get(`/public/disclosures/${year + 5}`)).status).toBe(400);
    expect((await p.get('/public/disclosures/20x6')).status).toBe(400);
  });
});
