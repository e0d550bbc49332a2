/**
 * The portal's public product pages and the regulator's area in Chromium (playwright-core): a citizen
 * on a phone reads the data products, objects to one on public notice without signing in, and reads
 * the annual disclosure; a regulator reads applications, reports, incidents and the audit trail (with
 * its hash-chain verification) and is offered no state-changing button anywhere. Every page is checked
 * with axe-core and photographed into docs/screenshots/.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { apiClient, seedDemo } from '../../infra/local/demo.js';
import { DEMO_ORGS } from '../../infra/local/orgs.js';
import { type LocalRuntime, startLocalRuntime } from '../../infra/local/runtime.js';
import { ensurePortalBuilt, PORTAL_DIST } from '../../web/scripts/build.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = resolve(import.meta.dirname, '..', '..', 'docs', 'screenshots');
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const NOTICED = '公交客流热力分析报告';

let rt: LocalRuntime;
let browser: Browser;
let noticedId = '';

const newPage = async (mobile = false) => {
  const ctx = await browser.newContext({
    baseURL: rt.url,
    locale: 'zh-CN',
    viewport: mobile ? { width: 390, height: 844 } : { width: 1280, height: 860 },
  });
  return { ctx, page: await ctx.newPage() };
};

const checkA11y = async (page: Page, name: string) => {
  await page.addScriptTag({ content: AXE });
  const violations = await page.evaluate(async () => {
    const r = await (
      globalThis as unknown as {
        axe: {
          run(): Promise<{ violations: { id: string; impact: string; nodes: { target: unknown }[] }[] }>;
        };
      }
    ).axe.run();
    return r.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${JSON.stringify(v.nodes.slice(0, 3).map((n) => n.target))}`);
  });
  expect(violations, `axe on ${name}`).toEqual([]);
};

const visit = async (page: Page, path: string, name: string) => {
  await page.goto(path);
  await page.waitForLoadState('networkidle');
  await checkA11y(page, name);
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
};

const signIn = async (page: Page, userId: string) => {
  await page.goto('/signin');
  const users = (await (await fetch(`${rt.url}/api/_local/demo-users`)).json()) as {
    items: { id: string; name: { zh: string } }[];
  };
  const who = users.items.find((u) => u.id === userId);
  if (!who) throw new Error(`no demo user ${userId}`);
  await page.getByRole('button', { name: `登录为 ${who.name.zh}` }).click();
  await page.getByTestId('whoami').waitFor();
};

/** A second product of the demo operator, approved onto a 10-working-day public notice (Art. 12). */
const productOnNotice = async (grantId: string): Promise<string> => {
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

describe.skipIf(!existsSync(CHROMIUM))('public products and the regulator area in Chromium', () => {
  beforeAll(async () => {
    await ensurePortalBuilt();
    rt = await startLocalRuntime({
      stage: `w${Math.random().toString(36).slice(2, 8)}`,
      dynamoEndpoint: inject('dynamoEndpoint'),
      logLevel: 'SILENT',
      webDir: PORTAL_DIST,
    });
    const demo = await seedDemo(rt.url, rt.token);
    noticedId = await productOnNotice(demo.grant);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
      ],
    });
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    await rt?.stop();
  });

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
    const objections = (await apiClient(rt.url, rt.token)('GET', `/products/${noticedId}/objections`, {
      role: 'authority',
      org: DEMO_ORGS.authority.code,
      sub: 'authority-products',
    })) as { items: { reasons?: string }[] };
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
    // The applications list is not empty (the demo has a pending one).
    await page.goto('/regulator/applications');
    await expect.poll(() => page.locator('tbody tr.ant-table-row').count()).toBeGreaterThan(0);
    await ctx.close();
  }, 90_000);
});
