import { withCheckChar } from '../../functions/shared/credit-code.js';

/**
 * Demo organisations of Shiyan City with valid unified social credit codes (check characters computed
 * by GB 32100-2015). Public bodies use registration-authority code 1 (机关), companies 9 (工商).
 */
export const DEMO_ORGS = {
  authority: {
    code: withCheckChar('11420300MB1A00001'),
    name: '十堰市政务服务和大数据管理局',
    role: 'authority',
  },
  police: { code: withCheckChar('11420300MB1A00002'), name: '十堰市公安局', role: 'provider' },
  hrss: { code: withCheckChar('11420300MB1A00003'), name: '十堰市人力资源和社会保障局', role: 'provider' },
  transport: { code: withCheckChar('11420300MB1A00004'), name: '十堰市交通运输局', role: 'provider' },
  health: { code: withCheckChar('11420300MB1A00005'), name: '十堰市卫生健康委员会', role: 'provider' },
  government: { code: withCheckChar('11420300MB1A00006'), name: '十堰市人民政府', role: 'government' },
  regulator: { code: withCheckChar('11420300MB1A00007'), name: '十堰市委网信办', role: 'regulator' },
  operatorA: { code: withCheckChar('91420300MA4A0000A'), name: '十堰数据运营有限公司', role: 'operator' },
  operatorB: { code: withCheckChar('91420300MA4A0000B'), name: '武当数智科技有限公司', role: 'operator' },
  operatorC: { code: withCheckChar('91420300MA4A0000C'), name: '汉江信息服务有限公司', role: 'operator' },
  experts: { code: withCheckChar('12420300MB1A00008'), name: '十堰市公共数据专家委员会', role: 'expert' },
  // Data product users (数据产品使用单位, Art. 18): a public institution and a company.
  hospital: { code: withCheckChar('12420300MB1A0000H'), name: '十堰市太和医院', role: 'consumer' },
  logistics: { code: withCheckChar('91420300MA4A0000L'), name: '十堰智运物流有限公司', role: 'consumer' },
} as const;
export type DemoOrg = keyof typeof DEMO_ORGS;

/** The registry kind of each demo organisation (functions/shared/organisations.ts). */
const KIND_OF_ROLE = {
  authority: 'authority',
  provider: 'provider',
  operator: 'operator',
  government: 'government',
  regulator: 'regulator',
  expert: 'expert-body',
  consumer: 'consumer',
} as const;

/** Principal responsible persons (主要负责人, Art. 18) of the demo organisations. */
const PRINCIPALS: Record<DemoOrg, string> = {
  authority: '王建国',
  police: '陈志强',
  hrss: '刘晓红',
  transport: '赵海峰',
  health: '孙丽华',
  government: '周国平',
  regulator: '吴文斌',
  operatorA: '郑明远',
  operatorB: '冯志伟',
  operatorC: '褚建华',
  experts: '卫学成',
  hospital: '蒋春明',
  logistics: '沈立新',
};

/** The registry entries of the demo organisations, as `POST /organisations` takes them. */
export const DEMO_REGISTRY = (Object.keys(DEMO_ORGS) as DemoOrg[]).map((k) => ({
  code: DEMO_ORGS[k].code,
  name: DEMO_ORGS[k].name,
  kind: KIND_OF_ROLE[DEMO_ORGS[k].role],
  principal: { name: PRINCIPALS[k], title: '主要负责人' },
}));

/**
 * Third-party experts of the authority's pool (Art. 10.3): each works for an organisation that is not
 * an applicant (universities and institutes, registration authority 1, type 2: 事业单位).
 */
export const DEMO_EXPERTS = [1, 2, 3, 4, 5].map((n) => ({
  userId: `expert-${n}`,
  name: ['李教授', '王研究员', '张教授', '陈高工', '杨博士'][n - 1] ?? `专家${n}`,
  org: withCheckChar(`12420000MB0B0000${n}`),
  fields: ['transport', 'social-security', 'employment', 'medical', 'health', 'credit', 'emergency'],
}));

/**
 * Registers the demo organisations and the expert pool through the API, as the authority (whose own
 * organisation is the registry's root). `post` answers the HTTP status; 409 (already there) is fine.
 */
export const seedRegistry = async (post: (path: string, body: unknown) => Promise<number>): Promise<void> => {
  for (const org of DEMO_REGISTRY) {
    const status = await post('/organisations', org);
    if (status !== 201 && status !== 409) throw new Error(`registering ${org.code}: ${status}`);
  }
  for (const expert of DEMO_EXPERTS) {
    const status = await post('/experts', expert);
    if (status !== 201 && status !== 409) throw new Error(`adding expert ${expert.userId}: ${status}`);
  }
};
