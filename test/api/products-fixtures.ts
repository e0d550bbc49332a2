import { expect } from 'vitest';
import { as, type Caller, type Platform } from '../support/platform.js';
import { activeGrant, scenario } from './grants-fixtures.js';

/** Shared setup of the products and billing API tests: grants with entitlements, products, subscriptions. */

/** A grant of `operator` over `entries` and an approved demand: returns the grant and its entitlement ids. */
export const grantWithEntitlements = async (
  p: Platform,
  entries: string[],
  operator: Caller = as.operatorA,
): Promise<{ grantId: string; entitlementIds: string[] }> => {
  const { id: grantId } = await activeGrant(p, { scope: entries, operator });
  const filed = await p.post('/demands', operator, { grantId, entries, scenario: scenario() });
  expect(filed.status, JSON.stringify(filed.body)).toBe(201);
  const demandId = String(filed.body.id);
  await p.rt.settle();
  const providers = [as.transport, as.hrss, as.police, as.health];
  for (const r of filed.body.reviewers as { role: string; org?: string }[]) {
    const reviewer = r.role === 'authority' ? as.authority : providers.find((c) => c.org === r.org);
    if (!reviewer) throw new Error(`no reviewer ${JSON.stringify(r)}`);
    const tasks = await p.get(`/tasks?kind=demand-review&subjectId=${demandId}&status=pending`, reviewer);
    const task = (tasks.body.items as { id: string }[])[0];
    if (!task) throw new Error(`no task: ${JSON.stringify(tasks.body)}`);
    const d = await p.post(`/tasks/${task.id}/decision`, reviewer, { decision: 'approve' });
    expect(d.status, JSON.stringify(d.body)).toBe(200);
  }
  await p.rt.settle();
  const list = await p.get(`/entitlements?grantId=${grantId}&limit=100`, operator);
  const entitlementIds = (list.body.items as { id: string }[]).map((e) => e.id);
  expect(entitlementIds).toHaveLength(entries.length);
  return { grantId, entitlementIds };
};

export const productBody = (
  grantId: string,
  entitlementIds: string[],
  overrides: Record<string, unknown> = {},
) => ({
  grantId,
  name: '公交到站预测服务',
  form: 'data-service',
  description: '基于公交刷卡与线路数据的实时到站预测接口',
  entitlementIds,
  intendedUsers: '出行服务企业、公交集团',
  intendedUses: '到站提醒、线路优化',
  delivery: 'API（平台内调用）',
  securityMeasures: '脱敏、调用鉴权、日志审计',
  prices: [
    {
      unit: 'call',
      tiers: [
        { upTo: 1000, unitPriceFen: 10 },
        { upTo: null, unitPriceFen: 5 },
      ],
    },
  ],
  publicInterestTerms: '政务和公益用途免费，每月不超过10万次调用',
  reuse: { reprovision: false, redevelopment: true },
  ...overrides,
});

/** Submits a product, has the authority approve it onto notice and runs the notice to its end. */
export const registeredProduct = async (
  p: Platform,
  grantId: string,
  entitlementIds: string[],
  operator: Caller = as.operatorA,
  overrides: Record<string, unknown> = {},
): Promise<string> => {
  const created = await p.post('/products', operator, productBody(grantId, entitlementIds, overrides));
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const id = String(created.body.id);
  const reviewed = await p.post(`/products/${id}/review`, as.authority, {
    decision: 'approve',
    noticeWorkingDays: 1,
  });
  expect(reviewed.status, JSON.stringify(reviewed.body)).toBe(200);
  await endNotice(p);
  const view = await p.get(`/products/${id}`, operator);
  expect(view.body.status, JSON.stringify(view.body)).toBe('registered');
  return id;
};

/** Moves the clock past any 1-working-day notice (4 days covers a weekend) and runs the schedule. */
export const endNotice = async (p: Platform, days = 4) => {
  p.rt.clock.advance(days * 86_400_000);
  await p.rt.invoke('products', { schedule: 'product-notice-end' });
};

/** A consumer's subscription, approved by the operator (and the authority when required). */
export const activeSubscription = async (
  p: Platform,
  productId: string,
  consumer: Caller,
  purpose: string,
  operator: Caller = as.operatorA,
): Promise<Record<string, unknown>> => {
  const s = await p.post(`/products/${productId}/subscriptions`, consumer, {
    consumerName: '使用单位',
    principal: { name: '王五', title: '主要负责人' },
    purpose,
    useDescription: '到站提醒服务',
  });
  expect(s.status, JSON.stringify(s.body)).toBe(201);
  let body = (await p.post(`/subscriptions/${s.body.id}/decision`, operator, { decision: 'approve' })).body;
  if (body.status === 'awaiting-authority')
    body = (await p.post(`/subscriptions/${s.body.id}/decision`, as.authority, { decision: 'approve' })).body;
  expect(body.status, JSON.stringify(body)).toBe('active');
  return body;
};
