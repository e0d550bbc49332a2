/**
 * The portal's public product pages and the regulator's area in Chromium (playwright-core): a citizen
 * on a phone reads the data products, objects to one on public notice without signing in, and reads
 * the annual disclosure; a regulator reads applications, reports, incidents and the audit trail (with
 * its hash-chain verification) and is offered no state-changing button anywhere. Every page is checked
 * with axe-core and photographed into docs/screenshots/.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { apiClient } from '../../infra/local/demo.js';
import { DEMO_ORGS } from '../../infra/local/orgs.js';
import type { LocalRuntime } from '../../infra/local/runtime.js';
import { checkA11y, HAS_CHROMIUM, SHOTS, usePortal } from './harness.js';

const NOTICED = '公交客流热力分析报告';
let noticedId = '';

/** A second product of the demo operator, approved onto a 10-working-day public notice (Art. 12). */
const productOnNotice = async (rt: LocalRuntime, grantId: string): Promise<string> => {
  const call = apiClient(rt.url, rt.token);
  const operator = {
    role: 'operator' as const,
    org: DEMO_ORGS.operatorB.code,
    sub: `${DEMO_ORGS.operatorB.code}-products`,
  };
  const authority = { role: 'authority' as const, org: DEMO_ORGS.authority.code, sub: 'authority-products' };
  const ents = await call('GET', `/entitlements?grantId=${grantId}`, operator);
  const entitlementId = String((ents.items as { id: string }[])[0]?.id);
  const product = await call('POST', '/products', operator, {
    grantId,
    name: NOTICED,
    form: 'data-service',
    description: '按线路与时段统计的公交客流热力',
    entitlementIds: [entitlementId],
    intendedUsers: '交通规划单位',
    intendedUses: '线网优化',
    delivery: 'API（平台内调用）',
    securityMeasures: '调用鉴权、全量日志审计',
    prices: [{ unit: 'call', tiers: [{ upTo: null, unitPriceFen: 8 }] }],
    publicInterestTerms: '公益用途免费',
    reuse: { reprovision: false, redevelopment: false },
  });
  const id = String(product.id);
  await call('POST', `/products/${id}/review`, authority, { decision: 'approve', noticeWorkingDays: 10 });
  return id;
};

describe.skipIf(!HAS_CHROMIUM)('public products and the regulator area in Chromium', () => {
  const portal = usePortal({
    seed: async (rt, demo) => {
      noticedId = await productOnNotice(rt, demo.grant);
      // A low-severity incident, so the incidents list shows its labels (GET /meta/codes).
      await apiClient(rt.url, rt.token)(
        'POST',
        '/incidents',
        { role: 'operator', org: DEMO_ORGS.operatorB.code, sub: `${DEMO_ORGS.operatorB.code}-products` },
        {
          grantId: demo.grant,
          kind: 'availability',
          severity: 'low',
          occurredAt: new Date(Date.now() - 3_600_000).toISOString(),
          description: '接口短时不可用',
          measures: '已切换备用节点',
        },
      );
    },
  });
  const { newPage, signIn } = portal;
  const visit = (page: Page, path: string, name: string) =>
    portal.visit(page, path, name, { fullPage: true });

  it('a citizen on a phone reads the products, objects to one on notice, and reads the disclosure', async () => {
    const { ctx, page } = await newPage(true);
    await visit(page, '/products', 'products');
    const cards = page.getByTestId('public-product');
    await expect.poll(() => cards.count()).toBeGreaterThanOrEqual(2);
    expect(await cards.filter({ hasText: '公交到站预测服务' }).textContent()).toContain('已登记');

    // The registered product: prices and the free public-interest terms, no objection form.
    await cards.filter({ hasText: '公交到站预测服务' }).getByRole('link').click();
    await page.getByRole('heading', { level: 1, name: '公交到站预测服务' }).waitFor();
    await expect.poll(() => page.getByText('政务服务与公益用途免费').count()).toBe(1);
    expect(await page.getByRole('button', { name: '提交异议' }).count()).toBe(0);
    await checkA11y(page, 'registered product');
    await page.screenshot({ path: join(SHOTS, 'product.png'), fullPage: true });

    // The product on notice: anyone objects, without an account.
    await visit(page, `/products/${noticedId}`, 'product-on-notice');
    await page.getByLabel('异议理由（必填）').fill('该产品的客流数据可能涉及个人出行轨迹');
    await page.getByLabel('姓名或单位（可选）').fill('王市民');
    await page.getByRole('button', { name: '提交异议' }).click();
    await page.getByTestId('objection-filed').waitFor();
    await checkA11y(page, 'objection filed');
    await page.screenshot({ path: join(SHOTS, 'objection-filed.png'), fullPage: true });
    const objections = (await apiClient(portal.rt.url, portal.rt.token)(
      'GET',
      `/products/${noticedId}/objections`,
      {
        role: 'authority',
        org: DEMO_ORGS.authority.code,
        sub: 'authority-products',
      },
    )) as { items: { reasons?: string }[] };
    expect(objections.items.length).toBe(1);

    // The annual disclosure: this year's products and fees; a year picker.
    await visit(page, '/disclosures', 'disclosure');
    await expect
      .poll(() => page.getByTestId('disclosure-product').filter({ hasText: '公交到站预测服务' }).count())
      .toBe(1);
    await page.getByRole('combobox', { name: '年度' }).selectOption(String(new Date().getFullYear() - 1));
    await page.waitForURL(/year=/);
    await page
      .getByRole('heading', { level: 1, name: new RegExp(`${new Date().getFullYear() - 1}`) })
      .waitFor();
    await checkA11y(page, 'disclosure last year');
    await ctx.close();
  }, 90_000);

  it('a regulator reads the audit trail and the supervision lists and is offered no action', async () => {
    const { ctx, page } = await newPage();
    await signIn(page, 'regulator-1');
    await visit(page, '/regulator/audit', 'regulator-audit');
    const rows = page.locator('[data-testid="audit-events"] tbody tr.ant-table-row');
    await expect.poll(() => rows.count()).toBeGreaterThan(0);
    // Filter by an action, then verify that resource's hash chain.
    await page.getByLabel('操作', { exact: true }).fill('product.review-approve');
    await page.getByRole('button', { name: /查\s*询/ }).click();
    await expect
      .poll(async () => (await rows.allTextContents()).every((r) => r.includes('product.review-approve')))
      .toBe(true);
    await rows.first().getByRole('button', { name: /校验/ }).click();
    await expect.poll(() => page.getByTestId('audit-verify').textContent()).toContain('哈希链完整');
    await checkA11y(page, 'regulator audit verified');
    await page.screenshot({ path: join(SHOTS, 'regulator-audit.png') });

    // Read-only everywhere: only reading controls (search, verify, language, sign-out) are buttons.
    const ACTIONS =
      /签署|暂停|恢复|终止|发布|提交|通过|驳回|关闭|导入|新建|保存|删除|转办|答复|确认|重新打开/;
    for (const [path, name] of [
      ['/regulator/applications', 'regulator-applications'],
      ['/regulator/reports', 'regulator-reports'],
      ['/regulator/incidents', 'regulator-incidents'],
      ['/authority/grants', 'regulator-grants'],
      ['/authority/evaluations', 'regulator-evaluations'],
      ['/regulator/audit', 'regulator-audit'],
    ] as const) {
      await page.goto(path);
      await page.waitForLoadState('networkidle');
      await checkA11y(page, name);
      if (name !== 'regulator-audit') await page.screenshot({ path: join(SHOTS, `${name}.png`) });
      const labels = await page.getByRole('button').allTextContents();
      expect(
        labels.filter((l) => ACTIONS.test(l)),
        `action buttons on ${path}`,
      ).toEqual([]);
    }
    // Report and incident statuses are shown with their Chinese labels (GET /meta/codes).
    await page.goto('/regulator/reports');
    await expect.poll(() => page.getByTestId('report-status').allTextContents()).toContain('已通过');
    await page.goto('/regulator/incidents');
    await expect.poll(() => page.getByTestId('incident-status').allTextContents()).toContain('处置中');
    expect(await page.locator('tbody').textContent()).toContain('服务中断');
    // The applications list is not empty (the demo has a pending one).
    await page.goto('/regulator/applications');
    // As the loop above: the list is read once the page's requests are done (a loaded machine takes
    // longer than the poll's default second to render it).
    await page.waitForLoadState('networkidle');
    await expect.poll(() => page.locator('tbody tr.ant-table-row').count()).toBeGreaterThan(0);
    await ctx.close();
  }, 90_000);
});
