import type { Role } from '../system.js';
import { seedProcessing } from './demo-processing.js';
import { DEMO_ORGS, seedRegistry } from './orgs.js';

type TokenFn = (role: Role, org: string, sub?: string) => Promise<string>;

/** A tiny API client for seeding: every demo record goes through the same API a person uses. */
export const apiClient = (url: string, token: TokenFn) => {
  const call = async (
    method: string,
    path: string,
    as: { role: Role; org: string; sub?: string } | null,
    body?: unknown,
  ) => {
    const headers: Record<string, string> = {};
    if (as) headers.authorization = `Bearer ${await token(as.role, as.org, as.sub)}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${url}${path}`, {
      method,
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    const json: unknown = text ? JSON.parse(text) : undefined;
    if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${text}`);
    return json as Record<string, unknown>;
  };
  return call;
};

const item = (name: string, type: string, personalInformation = false, description = '') => ({
  name,
  type,
  personalInformation,
  description,
});

/** Approved catalog entries in several domains, one provider each (Art. 6-7). */
export const DEMO_CATALOG = [
  {
    org: DEMO_ORGS.transport,
    entry: {
      title: '公交线路与站点数据',
      description: '全市公交线路、站点位置、首末班时间',
      domain: 'transport',
      dataItems: [
        item('线路编号', 'string'),
        item('站点名称', 'string'),
        item('站点坐标', 'geo'),
        item('首班时间', 'string'),
      ],
      updateFrequency: 'monthly',
      format: 'api',
      classification: 'general',
      openness: 'unconditional',
      usageRequirements: '注明数据来源',
    },
  },
  {
    org: DEMO_ORGS.transport,
    entry: {
      title: '道路运输车辆动态数据',
      description: '营运车辆实时位置与运行状态',
      domain: 'transport',
      dataItems: [
        item('车牌号', 'string'),
        item('经纬度', 'geo'),
        item('速度', 'decimal'),
        item('上报时间', 'datetime'),
      ],
      updateFrequency: 'realtime',
      format: 'api',
      classification: 'important',
      openness: 'conditional',
      usageRequirements: '仅用于交通运行分析，不得识别个人',
    },
  },
  {
    org: DEMO_ORGS.hrss,
    entry: {
      title: '社会保险参保登记信息',
      description: '单位及个人参保登记、缴费状态',
      domain: 'social-security',
      dataItems: [
        item('单位名称', 'string'),
        item('参保人数', 'integer'),
        item('缴费状态', 'string'),
        item('身份证号', 'string', true),
      ],
      updateFrequency: 'daily',
      format: 'api',
      classification: 'important',
      openness: 'conditional',
      usageRequirements: '个人信息须脱敏，经授权后按场景使用',
    },
  },
  {
    org: DEMO_ORGS.hrss,
    entry: {
      title: '就业岗位供求信息',
      description: '用人单位发布的岗位需求与求职登记汇总',
      domain: 'employment',
      dataItems: [item('岗位名称', 'string'), item('薪资区间', 'string'), item('需求人数', 'integer')],
      updateFrequency: 'weekly',
      format: 'csv',
      classification: 'general',
      openness: 'unconditional',
      usageRequirements: '',
    },
  },
  {
    org: DEMO_ORGS.health,
    entry: {
      title: '医疗机构基本信息',
      description: '全市医疗机构名称、等级、地址、诊疗科目',
      domain: 'medical',
      dataItems: [
        item('机构名称', 'string'),
        item('机构等级', 'string'),
        item('地址', 'string'),
        item('诊疗科目', 'string'),
      ],
      updateFrequency: 'quarterly',
      format: 'json',
      classification: 'general',
      openness: 'unconditional',
      usageRequirements: '',
    },
  },
  {
    org: DEMO_ORGS.health,
    entry: {
      title: '电子健康档案摘要',
      description: '居民健康档案的统计摘要（不含明细）',
      domain: 'health',
      dataItems: [item('年龄段', 'string'), item('慢病类型', 'string'), item('人数', 'integer')],
      updateFrequency: 'monthly',
      format: 'api',
      classification: 'important',
      openness: 'conditional',
      usageRequirements: '仅限统计分析场景',
    },
  },
  {
    org: DEMO_ORGS.police,
    entry: {
      title: '户籍人口统计数据',
      description: '按区县、年龄段汇总的户籍人口数',
      domain: 'statistics',
      dataItems: [item('区县', 'string'), item('年龄段', 'string'), item('人口数', 'integer')],
      updateFrequency: 'yearly',
      format: 'xlsx',
      classification: 'general',
      openness: 'conditional',
      usageRequirements: '',
    },
  },
  {
    org: DEMO_ORGS.police,
    entry: {
      title: '重点目标安保部署数据',
      description: '涉及公共安全的安保部署信息（依法不予开放，仅编目）',
      domain: 'emergency',
      dataItems: [item('目标编号', 'string'), item('部署等级', 'string')],
      updateFrequency: 'irregular',
      format: 'database',
      classification: 'core',
      openness: 'closed',
      usageRequirements: '不予开放',
      restrictions: { stateSecret: false, publicSafety: true, closedByLaw: true },
    },
  },
] as const;

/** Seeds the demo through the API: drafts, submits, and the authority approves. */
export const seedDemo = async (url: string, token: TokenFn) => {
  const call = apiClient(url, token);
  const authority = { role: 'authority' as const, org: DEMO_ORGS.authority.code, sub: 'authority-reviewer' };
  // The registry first: every role is honoured only for a registered organisation of its kind.
  await seedRegistry(async (path, body) => {
    try {
      await call('POST', path, { ...authority, sub: 'authority-registrar' }, body);
      return 201;
    } catch (e) {
      if (/→ 409 /.test(String(e))) return 409;
      throw e;
    }
  });
  const catalog: string[] = [];
  for (const { org, entry } of DEMO_CATALOG) {
    const as = { role: 'provider' as const, org: org.code, sub: `${org.code}-cataloguer` };
    const created = await call('POST', '/catalog', as, { ...entry, providerName: org.name });
    const id = String(created.id);
    await call('POST', `/catalog/${id}/submit`, as, {});
    await call('POST', `/catalog/${id}/review`, authority, { decision: 'approve' });
    catalog.push(id);
  }
  const announcement = await seedAnnouncement(call, catalog);
  const selection = await seedSelection(call, announcement);
  const products = await seedProducts(call, selection.grant, catalog[0] as string);
  // The third entry (社会保险参保登记信息, 市人社局) is in the active grant's scope: data, demand, a released job.
  const processing = await seedProcessing(call, catalog[2] as string, selection.grant, url);
  const report = await seedReport(call, selection.grant);
  return { catalog, ...selection, ...products, processing, report };
};

/**
 * One quarterly operation report (Art. 12.2), submitted and accepted, so GET /reports is not empty for
 * the demo operator. The grant starts today, so its first report falls due next quarter: the platform
 * clock moves to the first day of the next quarter (CST) for the `reports-due` run, the submission and
 * the review, then back to real time (the report is dated up to a quarter ahead).
 */
const seedReport = async (call: ReturnType<typeof apiClient>, grantId: string) => {
  const operator: Caller = {
    role: 'operator',
    org: DEMO_ORGS.operatorB.code,
    sub: `${DEMO_ORGS.operatorB.code}-reports`,
  };
  const authority: Caller = { role: 'authority', org: DEMO_ORGS.authority.code, sub: 'authority-reports' };
  const admin: Caller = { role: 'admin', org: DEMO_ORGS.authority.code, sub: 'platform-ops' };
  const wall = new Date(Date.now() + 8 * 3_600_000);
  const q = Math.floor(wall.getUTCMonth() / 3);
  const [y, m] = q === 3 ? [wall.getUTCFullYear() + 1, 0] : [wall.getUTCFullYear(), q * 3 + 3];
  // 10:00 CST on the first day of the next quarter.
  await call('POST', '/_local/clock', admin, { now: new Date(Date.UTC(y, m, 1, 2)).toISOString() });
  try {
    await call('POST', '/_local/schedules/reports-due/run', admin, {});
    const list = await call('GET', `/reports?grantId=${grantId}`, operator);
    const due = (list.items as { id: string; cadence: string }[]).find((r) => r.cadence === 'quarterly');
    if (!due) throw new Error('no quarterly report due for the demo grant');
    await call('PUT', `/reports/${due.id}`, operator, {
      content: {
        products: [{ name: '公交出行分析', description: '线路客流与换乘分析报告', users: 8 }],
        revenue: { total: 112500, distribution: [{ party: '十堰市交通运输局', amount: 22500 }] },
        dataUsed: [{ demandId: 'demo', scenario: '城市公交出行分析' }],
        securityMeasures: '数据不出平台，计算结果经输出检查后发布，访问全程留痕',
        incidents: [],
        staffTraining: { sessions: 1, participants: 12, topics: '数据安全与个人信息保护' },
        problems: '',
        plans: '扩大线路覆盖，上线参保状态统计产品',
      },
    });
    await call('POST', `/reports/${due.id}/submit`, operator, { truthfulnessDeclared: true });
    await call('POST', `/reports/${due.id}/review`, authority, { decision: 'accept' });
    return due.id;
  } finally {
    await call('POST', '/_local/clock', admin, { now: new Date().toISOString() });
  }
};

type Caller = { role: Role; org: string; sub: string };

const operatorApplication = (org: (typeof DEMO_ORGS)[keyof typeof DEMO_ORGS], announcementId: string) => ({
  announcementId,
  organisationName: org.name,
  creditCode: org.code,
  legalRepresentative: { name: '张三', idNumber: '42030019800101123X' },
  principal: { name: '李四', title: '总经理' },
  businessStatus: 'in-operation',
  qualifications: [{ name: '数据安全管理体系认证（ISO/IEC 27001）' }],
  staff: { total: 120, dataProfessionals: 40, securityStaff: 6 },
  serviceCapability: '具备数据加工、模型开发与安全运营能力',
  scenarios: [
    { title: '智慧出行', description: '基于公交与车辆动态数据的到站预测', expectedValue: '提升市民出行效率' },
  ],
  declarations: {
    soundBusinessAndFinances: true,
    qualificationsAndCapability: true,
    noSeriousViolationRecord: true,
    notDishonestJudgmentDebtor: true,
    noMajorTaxViolation: true,
    truthfulMaterials: true,
  },
  documents: [
    { code: 'business-licence', name: '营业执照.pdf', ref: 'uploads/licence.pdf' },
    { code: 'security-plan', name: '数据安全保障方案.pdf', ref: 'uploads/security.pdf' },
    { code: 'scenario-plan', name: '应用场景实施方案.pdf', ref: 'uploads/scenario.pdf' },
  ],
});

/**
 * The selection workflow in two states: 武当数智 has gone all the way to an active grant (public in
 * GET /public/grants); 十堰数据运营's application waits for the authority's qualification review.
 */
const seedSelection = async (call: ReturnType<typeof apiClient>, announcementId: string) => {
  const authority: Caller = { role: 'authority', org: DEMO_ORGS.authority.code, sub: 'authority-reviewer' };
  const government: Caller = { role: 'government', org: DEMO_ORGS.government.code, sub: 'gov-approver' };
  const expert = (n: number): Caller => ({ role: 'expert', org: DEMO_ORGS.experts.code, sub: `expert-${n}` });
  const operator = (o: (typeof DEMO_ORGS)[keyof typeof DEMO_ORGS]): Caller => ({
    role: 'operator',
    org: o.code,
    sub: `${o.code}-applicant`,
  });
  // Workflow steps run asynchronously: wait for the next task to be opened.
  const decide = async (who: Caller, applicationId: string, kind: string, decision: unknown) => {
    for (let i = 0; i < 200; i++) {
      const tasks = await call('GET', `/tasks?status=pending&subjectId=${applicationId}&kind=${kind}`, who);
      const task = (tasks.items as { id: string }[] | undefined)?.[0];
      if (task) return call('POST', `/tasks/${task.id}/decision`, who, decision);
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`demo: no ${kind} task for ${applicationId}`);
  };
  const b = operator(DEMO_ORGS.operatorB);
  const approved = String(
    (await call('POST', '/applications', b, operatorApplication(DEMO_ORGS.operatorB, announcementId))).id,
  );
  await decide(authority, approved, 'qualification-review', { decision: 'approve', comment: '资格审查通过' });
  await decide(authority, approved, 'expert-panel', { experts: ['expert-1', 'expert-2', 'expert-3'] });
  const scores = { capability: 88, scenarios: 85, security: 90, compliance: 86 };
  for (const n of [1, 2, 3])
    await decide(expert(n), approved, 'expert-score', { scores, comment: '方案可行' });
  // Art. 10.3: the authority submits the review result to the government (another of its users).
  await decide({ ...authority, sub: 'authority-submitter' }, approved, 'result-submission', {
    decision: 'approve',
    comment: '报请审定',
  });
  await decide(government, approved, 'government-approval', { decision: 'approve', comment: '同意' });
  let grantId = '';
  for (let i = 0; i < 200 && !grantId; i++) {
    grantId = String((await call('GET', `/applications/${approved}`, b)).grantId ?? '');
    if (!grantId) await new Promise((r) => setTimeout(r, 25));
  }
  await call('POST', `/grants/${grantId}/sign`, authority, {});
  await call('POST', `/grants/${grantId}/sign`, b, {});
  const a = operator(DEMO_ORGS.operatorA);
  const pending = String(
    (await call('POST', '/applications', a, operatorApplication(DEMO_ORGS.operatorA, announcementId))).id,
  );
  return { announcement: announcementId, applications: { approved, pending }, grant: grantId };
};

/**
 * A published comprehensive announcement whose application window is open (Art. 10.1), over the first
 * authorizable demo entries, so that operators can apply right after `npm start`.
 */
const seedAnnouncement = async (
  call: ReturnType<typeof apiClient>,
  catalog: readonly string[],
): Promise<string> => {
  const authority = { role: 'authority' as const, org: DEMO_ORGS.authority.code, sub: 'authority-announcer' };
  const day = 86_400_000;
  const now = Date.now();
  const created = await call('POST', '/announcements', authority, {
    year: new Date(now).getUTCFullYear(),
    title: `十堰市${new Date(now).getUTCFullYear()}年度公共数据综合授权运营公告`,
    mode: 'comprehensive',
    // The first five entries: transport, social security, employment and medical data (all authorizable).
    scope: catalog.slice(0, 5),
    conditions: {
      text: '依法设立的法人或非法人组织；经营状况良好，具备相应资质、人才和服务能力；单位及法定代表人无严重违法失信记录，未被列入失信被执行人名单或重大税收违法案件当事人名单（第九条）。',
      requiredDocuments: [
        { code: 'business-licence', name: '营业执照', mandatory: true },
        { code: 'security-plan', name: '数据安全保障方案', mandatory: true },
        { code: 'scenario-plan', name: '应用场景实施方案', mandatory: true },
      ],
    },
    window: { opensAt: new Date(now - day).toISOString(), closesAt: new Date(now + 60 * day).toISOString() },
    governmentOrg: DEMO_ORGS.government.code,
  });
  const id = String(created.id);
  await call('POST', `/announcements/${id}/publish`, authority, {});
  return id;
};

/**
 * A registered data product of 武当数智 (Art. 4, 11.2) built on an approved data demand, with two
 * subscribers — a hospital for public welfare (free) and a logistics company (paid) — and usage, so
 * the public product list (`GET /public/products`) and this year's disclosure are not empty. The
 * 1-working-day notice is run to its end by moving the platform clock just past it and back to real
 * time: the registration and the usage are dated at most a weekend ahead.
 */
const seedProducts = async (call: ReturnType<typeof apiClient>, grantId: string, entryId: string) => {
  const operator: Caller = {
    role: 'operator',
    org: DEMO_ORGS.operatorB.code,
    sub: `${DEMO_ORGS.operatorB.code}-products`,
  };
  const authority: Caller = { role: 'authority', org: DEMO_ORGS.authority.code, sub: 'authority-products' };
  const admin: Caller = { role: 'admin', org: DEMO_ORGS.authority.code, sub: 'platform-ops' };
  const transport: Caller = { role: 'provider', org: DEMO_ORGS.transport.code, sub: 'transport-reviewer' };
  const wait = () => new Promise((r) => setTimeout(r, 25));

  // Art. 16: a data demand, reviewed by the authority and the providing unit.
  const demand = await call('POST', '/demands', operator, {
    grantId,
    entries: [entryId],
    scenario: {
      title: '公交到站预测',
      description: '基于公交线路与站点数据预测车辆到站时间，服务市民出行',
      implementationPlan: '在平台内建模，以接口形式提供到站预测',
      expectedValue: { social: '减少市民候车时间', economic: '提升公交运营效率' },
      dataFields: ['线路编号', '站点名称', '站点坐标'],
      durationMonths: 24,
    },
  });
  for (const reviewer of [authority, transport]) {
    for (let i = 0; ; i++) {
      const tasks = await call(
        'GET',
        `/tasks?status=pending&kind=demand-review&subjectId=${demand.id}`,
        reviewer,
      );
      const task = (tasks.items as { id: string }[] | undefined)?.[0];
      if (task) {
        await call('POST', `/tasks/${task.id}/decision`, reviewer, { decision: 'approve' });
        break;
      }
      if (i > 200) throw new Error('demo: no demand-review task');
      await wait();
    }
  }
  let entitlementId = '';
  for (let i = 0; i < 200 && !entitlementId; i++) {
    const list = await call('GET', `/entitlements?grantId=${grantId}`, operator);
    entitlementId = String((list.items as { id: string }[])[0]?.id ?? '');
    if (!entitlementId) await wait();
  }

  // Art. 12.3: a cap for data services per call, then the product within it.
  await call('POST', '/price-caps', authority, {
    form: 'data-service',
    unit: 'call',
    maxUnitPriceFen: 20,
    basis: '十堰市公共数据产品政府指导价（示例）',
  });
  const product = await call('POST', '/products', operator, {
    grantId,
    name: '公交到站预测服务',
    form: 'data-service',
    description: '基于公交线路与站点数据的实时到站预测接口',
    entitlementIds: [entitlementId],
    intendedUsers: '出行服务企业、物流企业、医疗机构',
    intendedUses: '到站提醒、出行规划、车队调度',
    delivery: 'API（平台内调用）',
    securityMeasures: '调用鉴权、频率限制、全量日志审计',
    prices: [
      {
        unit: 'call',
        tiers: [
          { upTo: 10000, unitPriceFen: 10 },
          { upTo: null, unitPriceFen: 5 },
        ],
      },
    ],
    publicInterestTerms: '政务服务与公益用途免费，每月不超过10万次调用',
    reuse: { reprovision: false, redevelopment: true },
  });
  const productId = String(product.id);
  const reviewed = await call('POST', `/products/${productId}/review`, authority, {
    decision: 'approve',
    noticeWorkingDays: 1,
  });
  const noticeEndsAt = String((reviewed.pending as { noticeEndsAt: string }).noticeEndsAt);
  await call('POST', '/_local/clock', admin, {
    now: new Date(Date.parse(noticeEndsAt) + 60_000).toISOString(),
  });
  try {
    await call('POST', '/_local/schedules/product-notice-end/run', admin, {});
    const subscribe = async (
      org: (typeof DEMO_ORGS)['hospital' | 'logistics'],
      purpose: string,
      use: string,
    ) => {
      const consumer: Caller = { role: 'consumer', org: org.code, sub: `${org.code}-buyer` };
      const s = await call('POST', `/products/${productId}/subscriptions`, consumer, {
        consumerName: org.name,
        principal: { name: '刘主任', title: '主要负责人' },
        purpose,
        useDescription: use,
      });
      await call('POST', `/subscriptions/${s.id}/decision`, operator, { decision: 'approve' });
      return String(s.id);
    };
    const free = await subscribe(DEMO_ORGS.hospital, 'public-welfare', '患者就诊出行提醒');
    const paid = await subscribe(DEMO_ORGS.logistics, 'commercial', '车队调度');
    const at = String((await call('GET', '/_local/clock', admin)).now);
    await call('POST', `/subscriptions/${free}/usage`, operator, {
      usageId: 'demo-1',
      unit: 'call',
      quantity: 3200,
      at,
    });
    await call('POST', `/subscriptions/${paid}/usage`, operator, {
      usageId: 'demo-1',
      unit: 'call',
      quantity: 12500,
      at,
    });
    return { product: productId, subscriptions: { free, paid } };
  } finally {
    await call('POST', '/_local/clock', admin, { now: new Date().toISOString() });
  }
};
