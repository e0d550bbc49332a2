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
