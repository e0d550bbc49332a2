import type { Role } from '../system.js';
import { seedProcessing } from './demo-processing.js';
import { DEMO_ORGS } from './orgs.js';

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
  // The third entry (社会保险参保登记信息, 市人社局) is in the active grant's scope: data, demand, a released job.
  const processing = await seedProcessing(call, catalog[2] as string, selection.grant, url);
  return { catalog, ...selection, processing };
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
