import { addDays } from '../../functions/shared/clock.js';
import { DEMO_ORGS } from '../../infra/local/orgs.js';
import { orgName } from './platform.js';

/** Request bodies of the selection (announcements and applications, Art. 9, 10), shared by the tests. */

type Body = Record<string, unknown>;

/**
 * A comprehensive announcement over `scope`, its window open since yesterday (relative to `now`) for
 * 30 days, asking for a business licence.
 */
export const announcementBody = (scope: readonly string[], now: Date, overrides: Body = {}): Body => ({
  year: 2025,
  title: '2025年度公共数据综合授权运营公告',
  mode: 'comprehensive',
  scope: [...scope],
  conditions: {
    text: '依法设立、经营状况良好的法人',
    requiredDocuments: [{ code: 'licence', name: '营业执照', mandatory: true }],
  },
  window: { opensAt: addDays(now, -1).toISOString(), closesAt: addDays(now, 30).toISOString() },
  governmentOrg: DEMO_ORGS.government.code,
  ...overrides,
});

/** A complete, valid application of `operator` (name it with `announcementId` or `renewalOf`). */
export const applicationBody = (operator: { readonly org: string }, overrides: Body = {}): Body => ({
  organisationName: orgName(operator.org),
  creditCode: operator.org,
  legalRepresentative: { name: '张三', idNumber: '42030019800101123X' },
  principal: { name: '李四', title: '总经理' },
  businessStatus: 'in-operation',
  qualifications: [{ name: '数据安全管理体系认证' }],
  staff: { total: 120, dataProfessionals: 40, securityStaff: 6 },
  serviceCapability: '具备数据加工、模型开发与安全运营能力',
  scenarios: [{ title: '智慧出行', description: '公交到站预测', expectedValue: '提升市民出行效率' }],
  declarations: {
    soundBusinessAndFinances: true,
    qualificationsAndCapability: true,
    noSeriousViolationRecord: true,
    notDishonestJudgmentDebtor: true,
    noMajorTaxViolation: true,
    truthfulMaterials: true,
  },
  documents: [{ code: 'licence', name: '营业执照.pdf', ref: 'uploads/licence.pdf' }],
  ...overrides,
});
