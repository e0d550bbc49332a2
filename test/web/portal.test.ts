/**
 * The portal in a real browser (Debian's Chromium driven by playwright-core): a citizen searches the
 * catalog; an operator applies; every reviewer decides in their inbox; both parties sign; the grant is
 * public. Each page is checked with axe-core (no serious or critical violations) and photographed
 * into docs/screenshots/. The selection steps are one table (STEPS): a new workflow step is one line.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { apiClient } from '../../infra/local/demo.js';
import { DEMO_ORGS } from '../../infra/local/orgs.js';
import {
  animationsDone,
  checkA11y,
  HAS_CHROMIUM,
  type Portal,
  SHOTS,
  selectsClosed,
  usePortal,
} from './harness.js';

const OPERATOR = `${DEMO_ORGS.operatorC.code}-applicant`;
const OPERATOR_NAME = DEMO_ORGS.operatorC.name;

/** Fills a decision form generically: approve, comment every text box, score every criterion, name the panel. */
const fillDecision = async (page: Page, panel: readonly string[]) => {
  const approve = page.getByRole('radio', { name: '通过', exact: true });
  if (await approve.count()) await approve.check();
  const tags = page.locator('.ant-select-selection-search-input');
  if (await tags.count()) {
    for (const e of panel) {
      await tags.first().fill(e);
      await tags.first().press('Enter');
    }
  }
  for (const n of await page.locator('input.ant-input-number-input').all()) await n.fill('85');
  for (const a of await page.locator('form textarea').all()) await a.fill('同意，材料齐全');
};

/** The selection's human steps, in order; each: who decides in which inbox, and the task kind. */
const PANEL = ['expert-1', 'expert-2', 'expert-3'] as const;
const STEPS: readonly { user: string; kind: string }[] = [
  { user: 'authority-reviewer', kind: 'qualification-review' },
  { user: 'authority-reviewer', kind: 'expert-panel' },
  ...PANEL.map((user) => ({ user, kind: 'expert-score' })),
  // Art. 10.3: the authority submits the review result to the government.
  { user: 'authority-reviewer', kind: 'result-submission' },
  { user: 'gov-approver', kind: 'government-approval' },
];

/** One reviewer decides their task of the application in their inbox. */
const decideInInbox = async (
  { newPage, signIn, visit }: Portal,
  user: string,
  kind: string,
  applicationId: string,
  shot?: string,
) => {
  const { ctx, page } = await newPage();
  await signIn(page, user);
  const row = page.locator(`tr:has([data-kind="${kind}"])`);
  for (let i = 0; i < 40 && !(await row.count()); i++) {
    await page.goto(`/tasks?subjectId=${applicationId}`);
    await page.waitForLoadState('networkidle');
    if (!(await row.count())) await page.waitForTimeout(250);
  }
  if (shot) await visit(page, `/tasks?subjectId=${applicationId}`, `${shot}-inbox`);
  await row.first().getByRole('link').click();
  await page.getByRole('button', { name: '提交决定' }).waitFor();
  if (kind === 'expert-panel') {
    // The panel is picked from the pool; the applicant's own expert is offered disabled. axe runs on
    // the closed form (antd's open option list marks its divs aria-selected: antd's own markup).
    await checkA11y(page, 'expert-panel form');
    await page.getByRole('combobox', { name: '评审专家' }).click();
    await expect
      .poll(() => page.locator('.ant-select-item-option-disabled').filter({ hasText: '赵工程师' }).count())
      .toBe(1);
    await page.screenshot({ path: join(SHOTS, 'expert-panel-picker.png') });
    await page.keyboard.press('Escape');
  }
  await fillDecision(page, PANEL);
  if (shot) {
    await checkA11y(page, `${kind} form`);
    await page.screenshot({ path: join(SHOTS, `${shot}-decision.png`) });
  }
  await page.getByRole('button', { name: '提交决定' }).click();
  await page.waitForURL(/\/tasks$/, { timeout: 10_000 }).catch(async (e) => {
    await page.screenshot({ path: join(SHOTS, `failed-${kind}.png`) });
    throw e;
  });
  await ctx.close();
};

describe.skipIf(!HAS_CHROMIUM)('portal in Chromium', () => {
  const portal = usePortal({
    // A pool expert who works for the applicant: the panel form offers them disabled (Art. 10.3).
    seed: async (rt) => {
      await apiClient(rt.url, rt.token)(
        'POST',
        '/experts',
        { role: 'authority', org: DEMO_ORGS.authority.code, sub: 'authority-pool' },
        {
          userId: 'expert-conflicted',
          name: '赵工程师',
          org: DEMO_ORGS.operatorC.code,
          fields: ['transport'],
        },
      );
    },
  });
  const { newPage, signIn, visit } = portal;

  it('a citizen searches the catalog on a phone and opens an entry', async () => {
    const { ctx, page } = await newPage(true);
    await visit(page, '/', 'home');
    await visit(page, '/catalog', 'catalog');
    await page.getByRole('searchbox', { name: '关键词' }).fill('公交');
    await page.getByRole('button', { name: /搜\s*索/ }).click();
    await page.waitForURL(/q=/);
    const first = page.locator('.results a').first();
    await expect.poll(() => first.textContent(), { timeout: 10_000 }).toContain('公交');
    const title = await first.textContent();
    await first.click();
    await page.getByRole('heading', { level: 1, name: title ?? '' }).waitFor();
    await checkA11y(page, 'catalog entry');
    await page.screenshot({ path: join(SHOTS, 'catalog-entry.png') });
    await visit(page, '/announcements', 'announcements');
    await ctx.close();
  });

  it('a wrong-role user neither sees nor reaches another role’s pages, and the API refuses', async () => {
    const { ctx, page } = await newPage();
    await signIn(page, 'expert-1');
    expect(await page.getByRole('link', { name: '我的申请' }).count()).toBe(0);
    expect(await page.getByRole('link', { name: '目录审核' }).count()).toBe(0);
    await page.goto('/authority/grants');
    await page.getByText('无权访问').waitFor();
    await checkA11y(page, 'forbidden');
    const status = await page.evaluate(async () => {
      const s = JSON.parse(sessionStorage.getItem('session') ?? '{}') as { token?: string };
      return (await fetch('/api/grants', { headers: { authorization: `Bearer ${s.token}` } })).status;
    });
    expect(status).toBe(403);
    await ctx.close();
  });

  it('an operator applies, every reviewer decides in their inbox, both sign, the grant is public', async () => {
    // The operator applies; a wrong identity number is shown at its field first.
    const { ctx, page } = await newPage();
    await signIn(page, OPERATOR);
    await page.goto('/announcements');
    await page.locator('.results a').first().click();
    await page.getByRole('link', { name: '申请授权' }).click();
    await page.getByLabel('法定代表人', { exact: true }).fill('赵六');
    await page.getByLabel('法定代表人身份证号').fill('123');
    await page.getByLabel('项目负责人').fill('钱七');
    await page.getByLabel('员工总数').fill('80');
    await page.getByLabel('数据专业人员').fill('20');
    await page.getByLabel('服务能力说明').fill('具备数据加工与安全运营能力');
    await page.getByLabel('场景名称').fill('汉江水质预警');
    await page.getByLabel('场景描述').fill('融合环境与气象数据的水质预警');
    await page.getByLabel('预期价值').fill('保障饮水安全');
    for (const input of await page.locator('input[id^="documentRefs_"]').all())
      await input.fill('uploads/material.pdf');
    for (const box of await page.getByRole('checkbox').all()) await box.check();
    await checkA11y(page, 'apply');
    await page.getByRole('button', { name: '提交申请' }).click();
    const fieldError = page.locator('#legalRepresentative_idNumber_help');
    await fieldError.waitFor();
    expect(await fieldError.textContent()).toMatch(/identity number/i);
    await page.screenshot({ path: join(SHOTS, 'apply-field-error.png') });
    await page.getByLabel('法定代表人身份证号').fill('42030019800101123X');
    await page.getByRole('button', { name: '提交申请' }).click();
    await page.waitForURL(/\/operator\/applications\/ap_/);
    const applicationId = page.url().split('/').pop() ?? '';

    // Every human step, in order, in the decider's inbox.
    for (const [i, s] of STEPS.entries()) {
      const shot =
        i === 0
          ? 'authority'
          : s.kind === 'expert-score' && s.user === PANEL[0]
            ? 'expert'
            : s.kind === 'government-approval'
              ? 'government'
              : undefined;
      await decideInInbox(portal, s.user, s.kind, applicationId, shot);
    }

    // Both parties sign: the operator, then the grantor (the authority, comprehensive mode).
    await page.goto('/operator/grants');
    const sign = page.getByRole('button', { name: '签署协议' });
    for (let i = 0; i < 40 && !(await sign.count()); i++) {
      await page.waitForTimeout(250);
      await page.reload();
      await page.waitForLoadState('networkidle');
    }
    await checkA11y(page, 'operator grants');
    await sign.click();
    await expect.poll(() => sign.count()).toBe(0);
    await visit(page, `/operator/applications/${applicationId}`, 'application-timeline');
    await ctx.close();

    const authority = await newPage();
    await signIn(authority.page, 'authority-reviewer');
    await visit(authority.page, '/authority', 'authority-overview');
    await authority.page.goto('/authority/grants');
    await authority.page.getByRole('button', { name: '签署协议' }).click();
    await expect.poll(() => authority.page.getByRole('button', { name: '签署协议' }).count()).toBe(0);
    await authority.page.screenshot({ path: join(SHOTS, 'authority-grants.png') });
    await authority.ctx.close();

    // The public disclosure (公示) lists the operator.
    const citizen = await newPage(true);
    await visit(citizen.page, '/operators', 'operators');
    await expect
      .poll(() => citizen.page.getByTestId('public-grant').filter({ hasText: OPERATOR_NAME }).count())
      .toBe(1);
    await citizen.ctx.close();
  }, 150_000);

  it('the authority pages a list longer than one API page with “load more” (signed cursor)', async () => {
    const call = apiClient(portal.rt.url, portal.rt.token);
    const authority = { role: 'authority' as const, org: DEMO_ORGS.authority.code, sub: 'authority-paging' };
    await call('POST', '/credit-list/import', authority, {
      entries: Array.from({ length: 105 }, (_, i) => ({
        subjectType: 'legal-representative',
        name: `分页测试人${i}`,
        list: 'serious-violation',
        source: '分页测试',
        listedAt: new Date(Date.now() - 86_400_000).toISOString(),
      })),
    });
    const { ctx, page } = await newPage();
    await signIn(page, 'authority-reviewer');
    await visit(page, '/authority/credit-list', 'authority-credit-list', false);
    const count = page.getByTestId('list-count');
    await expect.poll(() => count.textContent()).toBe('已加载 100 条，还有更多');
    await page.getByRole('button', { name: /加载更多/ }).click();
    await expect.poll(() => count.textContent()).toMatch(/^已加载 1(0[5-9]|[1-9]\d) 条$/);
    expect(await page.getByRole('button', { name: /加载更多/ }).count()).toBe(0);
    await checkA11y(page, 'credit list loaded more');
    await ctx.close();
  });

  it('the authority drafts an announcement, sees a concurrent edit as a 409 with a reload, and publishes', async () => {
    const call = apiClient(portal.rt.url, portal.rt.token);
    const authority = { role: 'authority' as const, org: DEMO_ORGS.authority.code, sub: 'authority-drafts' };
    const cst = (days: number) =>
      new Date(Date.now() + 8 * 3_600_000 + days * 86_400_000).toISOString().slice(0, 16);
    const { ctx, page } = await newPage();
    await signIn(page, 'authority-reviewer');
    await visit(page, '/authority/announcements', 'authority-announcements', false);
    const form = page.getByTestId('announcement-form');
    await form.getByLabel('公告标题').fill('2027年度交通数据授权运营公告');
    await form.getByLabel('授权范围（目录）').click();
    await page.locator('.ant-select-item-option').first().click();
    await page.keyboard.press('Escape');
    await form.getByLabel('申报开始（北京时间）').fill(cst(1));
    await form.getByLabel('申报截止（北京时间）').fill(cst(30));
    await form.getByLabel('申报条件').fill('具备数据安全管理能力');
    await form.getByRole('button', { name: /保存草稿/ }).click();
    const row = page.locator('tr', { hasText: '2027年度交通数据授权运营公告' });
    await expect.poll(() => row.getByTestId('announcement-status').textContent()).toBe('草稿');

    // The authority opens the draft; meanwhile someone else edits it: saving is refused with a reload.
    await row.getByRole('button', { name: /编\s*辑/ }).click();
    await expect.poll(() => form.getByLabel('公告标题').inputValue()).toBe('2027年度交通数据授权运营公告');
    const drafts = (await call('GET', '/announcements?status=draft', authority)) as {
      items: { id: string; title: string; version: number }[];
    };
    const draft = drafts.items.find((a) => a.title === '2027年度交通数据授权运营公告');
    if (!draft) throw new Error('the draft is not listed');
    await call('PATCH', `/announcements/${draft.id}`, authority, {
      title: '2027年度交通数据授权运营公告（修订）',
      version: draft.version,
    });
    await form.getByLabel('申报条件').fill('具备数据安全管理能力，近三年无重大安全事件');
    await form.getByRole('button', { name: /保存修改/ }).click();
    await form.getByText('记录已被他人修改').waitFor();
    await checkA11y(page, 'announcement conflict');
    await page.screenshot({ path: join(SHOTS, 'announcement-conflict.png') });
    await form.getByRole('button', { name: /重新加载/ }).click();
    await expect
      .poll(() => form.getByLabel('公告标题').inputValue())
      .toBe('2027年度交通数据授权运营公告（修订）');
    await form.getByLabel('申报条件').fill('具备数据安全管理能力，近三年无重大安全事件');
    await form.getByRole('button', { name: /保存修改/ }).click();
    await form.getByRole('heading', { name: '新建公告草稿' }).waitFor();
    const after = (await call('GET', `/announcements/${draft.id}`, authority)) as {
      conditions: { text: string };
    };
    expect(after.conditions.text).toBe('具备数据安全管理能力，近三年无重大安全事件');

    // Publish.
    const revised = page.locator('tr', { hasText: '2027年度交通数据授权运营公告（修订）' });
    await revised.getByRole('button', { name: /发\s*布/ }).click();
    await expect.poll(() => revised.getByTestId('announcement-status').textContent()).toBe('已发布');
    await ctx.close();
  });

  it('the authority asks for evaluation material, records a failing result with manual scores, and accepts the rectification', async () => {
    const call = apiClient(portal.rt.url, portal.rt.token);
    const authority = { role: 'authority' as const, org: DEMO_ORGS.authority.code, sub: 'authority-eval' };
    const operator = {
      role: 'operator' as const,
      org: DEMO_ORGS.operatorB.code,
      sub: `${DEMO_ORGS.operatorB.code}-eval`,
    };
    const cst = (days: number) =>
      new Date(Date.now() + 8 * 3_600_000 + days * 86_400_000).toISOString().slice(0, 16);
    const { ctx, page } = await newPage();
    await signIn(page, 'authority-reviewer');
    await visit(page, '/authority/evaluations', 'authority-evaluations', false);
    await page.getByRole('combobox', { name: '授权协议' }).click();
    await page.locator('.ant-select-item-option').filter({ hasText: portal.demo.grant }).click();
    await page.getByLabel('评估期间（如 2026、2026-H1）').fill(String(new Date().getFullYear()));
    await page.getByLabel('材料提交截止（北京时间）').fill(cst(14));
    await page.getByLabel('评估内容与所需材料').fill('年度运营情况与数据安全管理材料');
    await page.getByRole('button', { name: /发起评估/ }).click();
    const panel = page.getByTestId('evaluation-panel');
    const status = panel.getByTestId('evaluation-status');
    await expect.poll(() => status.textContent()).toBe('评估中');
    const listed = (await call('GET', `/evaluations?grantId=${portal.demo.grant}`, authority)) as {
      items: { id: string; status: string }[];
    };
    const id = listed.items.find((e) => e.status === 'open')?.id ?? '';
    await call('POST', `/evaluations/${id}/materials`, operator, {
      description: '年度运营报告与安全自查报告',
      truthfulnessDeclared: true,
    });
    await panel.getByRole('button', { name: /刷\s*新/ }).click();
    await panel.getByText('年度运营报告与安全自查报告').waitFor();

    // The result: manual scores and comments, fail with findings and a rectification deadline.
    await panel.getByLabel('运营报告得分').fill('90');
    await panel.getByLabel('运营报告意见').fill('按期报送');
    await panel.getByLabel('数据治理得分').fill('55');
    await panel.getByLabel('数据治理意见').fill('治理请求响应超期');
    await panel.getByRole('combobox', { name: '结论' }).click();
    await page.locator('.ant-select-item-option').filter({ hasText: '责令整改' }).click();
    await panel.getByLabel('问题清单（每行一条）').fill('数据治理请求响应超期\n安全自查不完整');
    await panel.getByLabel('整改期限（北京时间）').fill(cst(30));
    await selectsClosed(page);
    await checkA11y(page, 'evaluation result form');
    await page.screenshot({ path: join(SHOTS, 'authority-evaluation.png'), fullPage: true });
    await panel.getByRole('button', { name: /提交评估结论/ }).click();
    await expect.poll(() => status.textContent()).toBe('整改中');

    // The operator reports its rectification; the authority accepts it.
    await call('POST', `/evaluations/${id}/rectification`, operator, {
      report: '已完成治理请求积压清理与安全自查补充',
    });
    await panel.getByRole('button', { name: /刷\s*新/ }).click();
    await panel.getByRole('combobox', { name: '审核结论' }).click();
    await page.locator('.ant-select-item-option').filter({ hasText: '整改合格' }).click();
    await panel.getByLabel('审核意见').fill('整改到位');
    await panel.getByRole('button', { name: /提交审核/ }).click();
    await expect.poll(() => status.textContent()).toBe('已结束');
    await selectsClosed(page);
    await checkA11y(page, 'evaluation closed');
    const done = (await call('GET', `/evaluations/${id}`, authority)) as {
      result: { outcome: string; manualScores: { criterion: string; score: number; comment?: string }[] };
    };
    expect(done.result.outcome).toBe('fail');
    expect(done.result.manualScores).toEqual([
      { criterion: 'reports', score: 90, comment: '按期报送' },
      { criterion: 'governance', score: 55, comment: '治理请求响应超期' },
    ]);
    await ctx.close();
  });

  it('governance: the authority forwards, the provider answers, the operator reopens and then confirms', async () => {
    const call = apiClient(portal.rt.url, portal.rt.token);
    const operatorUser = `${DEMO_ORGS.operatorB.code}-applicant`;
    const operator = { role: 'operator' as const, org: DEMO_ORGS.operatorB.code, sub: operatorUser };
    const ents = (await call('GET', `/entitlements?grantId=${portal.demo.grant}`, operator)) as {
      items: { entryId: string }[];
    };
    // An entitled entry of a provider with a demo account (transport or police).
    const providers = [DEMO_ORGS.transport.code, DEMO_ORGS.police.code];
    let entryId = '';
    for (const e of ents.items) {
      const entry = (await call('GET', `/catalog/${e.entryId}`, operator)) as { providerOrg: string };
      if (providers.includes(entry.providerOrg)) {
        entryId = e.entryId;
        break;
      }
    }
    const DESCRIPTION = '到站时间数据更新滞后超过一天';
    const raised = (await call('POST', '/governance-requests', operator, {
      entryId,
      kind: 'outdated',
      description: DESCRIPTION,
    })) as { id: string; providerOrg: string };
    const providerUser = `${raised.providerOrg}-cataloguer`;
    /** One party takes its step on the request's row, in the step's dialog. */
    const step = async (
      page: Page,
      button: RegExp,
      fill: (dialog: ReturnType<Page['getByRole']>) => Promise<void>,
    ) => {
      const row = page.locator('tr', { hasText: DESCRIPTION });
      await row.getByRole('button', { name: button }).click();
      const dialog = page.getByRole('dialog');
      await fill(dialog);
      await animationsDone(page);
      await checkA11y(page, `governance ${button.source}`);
      await dialog.getByRole('button', { name: /提\s*交/ }).click();
      await dialog.waitFor({ state: 'hidden' });
      return row.getByTestId('governance-status');
    };

    const authority = await newPage();
    await signIn(authority.page, 'authority-reviewer');
    await visit(authority.page, '/authority/governance', 'authority-governance', false);
    const forwarded = await step(authority.page, /转\s*办/, async (d) => {
      await d.getByLabel('办理时限（天）').fill('5');
      await d.getByLabel('转办说明（可选）').fill('请核实更新频率');
    });
    await expect.poll(() => forwarded.textContent()).toBe('治理中');
    await authority.ctx.close();

    const provider = await newPage();
    await signIn(provider.page, providerUser);
    await visit(provider.page, '/provider/governance', 'provider-governance', false);
    const resolved = await step(provider.page, /答\s*复/, (d) =>
      d.getByLabel('处理结果').fill('已恢复实时同步'),
    );
    await expect.poll(() => resolved.textContent()).toBe('已处理');
    await provider.ctx.close();

    const op = await newPage();
    await signIn(op.page, operatorUser);
    await visit(op.page, '/operator/governance', 'operator-governance', false);
    const reopened = await step(op.page, /重新打开/, (d) =>
      d.getByLabel('重新打开理由').fill('仍有线路未更新'),
    );
    await expect.poll(() => reopened.textContent()).toBe('治理中');
    const current = (await call('GET', `/governance-requests/${raised.id}`, operator)) as { version: number };
    await call(
      'POST',
      `/governance-requests/${raised.id}/respond`,
      { role: 'provider', org: raised.providerOrg, sub: providerUser },
      { response: '全部线路已恢复同步', version: current.version },
    );
    await op.page.reload();
    const closed = await step(op.page, /确认解决/, (d) => d.getByLabel('确认意见（可选）').fill('已核实'));
    await expect.poll(() => closed.textContent()).toBe('已确认');
    await op.ctx.close();
  });

  it('the authority reviews a grantee put on the credit list (Art. 9): the task’s own choices, dismissed with reasons', async () => {
    const call = apiClient(portal.rt.url, portal.rt.token);
    const lister = { role: 'authority' as const, org: DEMO_ORGS.authority.code, sub: 'authority-credit' };
    // Operator B holds the demo's active grant: listing it opens a credit-listing-review task.
    await call('POST', '/credit-list', lister, {
      subjectType: 'organisation',
      creditCode: DEMO_ORGS.operatorB.code,
      list: 'dishonest-judgment-debtor',
      source: '最高人民法院失信被执行人名单',
      listedAt: new Date(Date.now() - 60_000).toISOString(),
    });
    const { ctx, page } = await newPage();
    await signIn(page, 'authority-reviewer');
    const row = page.locator('tr:has([data-kind="credit-listing-review"])');
    for (let i = 0; i < 40 && !(await row.count()); i++) {
      await page.goto('/tasks');
      await page.waitForLoadState('networkidle');
      if (!(await row.count())) await page.waitForTimeout(250);
    }
    await row.first().getByRole('link').click();
    await page.getByRole('button', { name: '提交决定' }).waitFor();
    // The kind's choices come from its schema's `action`, not the approve/reject of other kinds.
    await expect.poll(() => page.getByRole('radio').count()).toBe(2);
    // The task's context is labelled (名单来源 …) and its instants shown in China Standard Time.
    expect(await page.getByText('名单来源', { exact: true }).count()).toBe(1);
    expect(await page.locator('td time').allTextContents()).toContainEqual(expect.stringContaining('CST'));
    await page.getByRole('radio', { name: '不予处理' }).check();
    await page.locator('form textarea').first().fill('名单主体与本单位同名不同人，经核实不予处理');
    await checkA11y(page, 'credit-listing-review form');
    await page.screenshot({ path: join(SHOTS, 'credit-listing-review-decision.png') });
    await page.getByRole('button', { name: '提交决定' }).click();
    await page.waitForURL(/\/tasks$/, { timeout: 10_000 });
    await ctx.close();
    // The grants duty follows the decision: the flag carries the dismissal, the grant stays active.
    const reviewOf = async () => {
      const list = (await call('GET', `/grants?operator=${DEMO_ORGS.operatorB.code}`, lister)) as {
        items: { id: string }[];
      };
      const grants = (await Promise.all(list.items.map((g) => call('GET', `/grants/${g.id}`, lister)))) as {
        status: string;
        creditListings?: { review?: { decision: string } }[];
      }[];
      return grants.flatMap((g) => (g.creditListings ?? []).map((l) => [g.status, l.review?.decision]));
    };
    await expect.poll(reviewOf, { timeout: 10_000 }).toContainEqual(['active', 'dismiss']);
  });
});
