/**
 * Code lists with the labels a person reads (Chinese) and their English gloss. Codes are stable API
 * values; labels may be reworded. Served by GET /meta/codes.
 */

export interface Code {
  readonly code: string;
  readonly zh: string;
  readonly en: string;
}

const list = <const T extends readonly Code[]>(codes: T) => codes;
export const codesOf = <T extends readonly Code[]>(l: T) =>
  l.map((c) => c.code) as unknown as [T[number]['code'], ...T[number]['code'][]];

/** Art. 7: the 19 priority domains, plus `other`. */
export const DOMAINS = list([
  { code: 'credit', zh: '信用', en: 'Credit' },
  { code: 'transport', zh: '交通', en: 'Transport' },
  { code: 'medical', zh: '医疗', en: 'Medical care' },
  { code: 'health', zh: '卫生', en: 'Health' },
  { code: 'employment', zh: '就业', en: 'Employment' },
  { code: 'social-security', zh: '社保', en: 'Social security' },
  { code: 'geography', zh: '地理', en: 'Geography' },
  { code: 'culture', zh: '文化', en: 'Culture' },
  { code: 'education', zh: '教育', en: 'Education' },
  { code: 'science-technology', zh: '科技', en: 'Science & technology' },
  { code: 'natural-resources', zh: '资源', en: 'Natural resources' },
  { code: 'agriculture', zh: '农业', en: 'Agriculture' },
  { code: 'environment', zh: '环境', en: 'Environment' },
  { code: 'emergency', zh: '应急', en: 'Emergency management' },
  { code: 'finance', zh: '金融', en: 'Finance' },
  { code: 'quality', zh: '质量', en: 'Quality' },
  { code: 'statistics', zh: '统计', en: 'Statistics' },
  { code: 'meteorology', zh: '气象', en: 'Meteorology' },
  { code: 'enterprise-registration', zh: '企业登记监管', en: 'Enterprise registration & supervision' },
  { code: 'other', zh: '其他', en: 'Other' },
]);

/** Art. 6: classification and grading of public data. */
export const CLASSIFICATIONS = list([
  { code: 'general', zh: '一般数据', en: 'General data' },
  { code: 'important', zh: '重要数据', en: 'Important data' },
  { code: 'core', zh: '核心数据', en: 'Core data' },
]);

export const OPENNESS = list([
  { code: 'unconditional', zh: '无条件开放', en: 'Open without conditions' },
  { code: 'conditional', zh: '有条件开放', en: 'Open on conditions' },
  { code: 'closed', zh: '不予开放', en: 'Not open' },
]);

export const UPDATE_FREQUENCIES = list([
  { code: 'realtime', zh: '实时', en: 'Real time' },
  { code: 'daily', zh: '每日', en: 'Daily' },
  { code: 'weekly', zh: '每周', en: 'Weekly' },
  { code: 'monthly', zh: '每月', en: 'Monthly' },
  { code: 'quarterly', zh: '每季度', en: 'Quarterly' },
  { code: 'yearly', zh: '每年', en: 'Yearly' },
  { code: 'irregular', zh: '不定期', en: 'Irregular' },
]);

export const FORMATS = list([
  { code: 'api', zh: '接口', en: 'API' },
  { code: 'csv', zh: 'CSV', en: 'CSV' },
  { code: 'json', zh: 'JSON', en: 'JSON' },
  { code: 'xml', zh: 'XML', en: 'XML' },
  { code: 'xlsx', zh: '电子表格', en: 'Spreadsheet' },
  { code: 'database', zh: '数据库', en: 'Database table' },
  { code: 'file', zh: '文件', en: 'Files' },
  { code: 'other', zh: '其他', en: 'Other' },
]);

export const DATA_ITEM_TYPES = list([
  { code: 'string', zh: '字符', en: 'Text' },
  { code: 'integer', zh: '整数', en: 'Integer' },
  { code: 'decimal', zh: '数值', en: 'Decimal' },
  { code: 'boolean', zh: '布尔', en: 'Boolean' },
  { code: 'date', zh: '日期', en: 'Date' },
  { code: 'datetime', zh: '日期时间', en: 'Date and time' },
  { code: 'geo', zh: '地理坐标', en: 'Geographic' },
  { code: 'binary', zh: '二进制', en: 'Binary' },
]);

export const CATALOG_STATUSES = list([
  { code: 'draft', zh: '草稿', en: 'Draft' },
  { code: 'submitted', zh: '审核中', en: 'Under review' },
  { code: 'approved', zh: '已通过', en: 'Approved' },
  { code: 'rejected', zh: '已驳回', en: 'Rejected' },
]);

export const ROLE_LABELS = list([
  { code: 'authority', zh: '公共数据主管部门', en: 'Public data authority' },
  { code: 'provider', zh: '数据提供单位', en: 'Data provider' },
  { code: 'operator', zh: '运营单位', en: 'Operator' },
  { code: 'expert', zh: '第三方专家', en: 'Expert' },
  { code: 'government', zh: '本级人民政府', en: 'City government' },
  { code: 'regulator', zh: '监管部门', en: 'Regulator' },
  { code: 'consumer', zh: '数据产品使用单位', en: 'Data product user' },
  { code: 'admin', zh: '平台运维', en: 'Platform administrator' },
]);

/** Art. 4, 10.5, 14: states of a grant (the authorization agreement). */
export const GRANT_STATUS_LABELS = list([
  { code: 'signing', zh: '待签署', en: 'Awaiting signatures' },
  { code: 'active', zh: '生效中', en: 'Active' },
  { code: 'suspended', zh: '已暂停', en: 'Suspended' },
  { code: 'terminated', zh: '已终止', en: 'Terminated' },
  { code: 'expired', zh: '已到期', en: 'Expired' },
]);

/** Art. 16: data demands and the entitlements they create. */
export const DEMAND_STATUS_LABELS = list([
  { code: 'under-review', zh: '审核中', en: 'Under review' },
  { code: 'approved', zh: '已通过', en: 'Approved' },
  { code: 'rejected', zh: '未通过', en: 'Rejected' },
]);
export const ENTITLEMENT_STATUS_LABELS = list([
  { code: 'active', zh: '有效', en: 'Active' },
  { code: 'inactive', zh: '已暂停', en: 'Suspended with its grant' },
  { code: 'ended', zh: '已终止', en: 'Ended' },
]);

/** Art. 5: how data is authorized. */
export const AUTHORIZATION_MODES = list([
  { code: 'comprehensive', zh: '综合授权', en: 'Comprehensive authorization' },
  { code: 'domain', zh: '分领域授权', en: 'Domain authorization' },
]);

export const ANNOUNCEMENT_STATUSES = list([
  { code: 'draft', zh: '草稿', en: 'Draft' },
  { code: 'published', zh: '已发布', en: 'Published' },
  { code: 'withdrawn', zh: '已撤回', en: 'Withdrawn' },
]);

export const APPLICATION_STATUSES = list([
  { code: 'under-review', zh: '审核中', en: 'Under review' },
  { code: 'signing', zh: '待签署协议', en: 'Agreement being signed' },
  { code: 'approved', zh: '已授权', en: 'Approved' },
  { code: 'rejected', zh: '未通过', en: 'Rejected' },
  { code: 'withdrawn', zh: '已撤回', en: 'Withdrawn' },
]);

/** Art. 10.3-10.5: the selection steps, in order. */
export const APPLICATION_STEPS = list([
  { code: 'screening', zh: '自动筛查', en: 'Automatic screening' },
  { code: 'qualification-review', zh: '资格审查', en: 'Qualification review' },
  { code: 'expert-panel', zh: '组建专家评审组', en: 'Expert panel assignment' },
  { code: 'expert-review', zh: '专家评审', en: 'Expert review' },
  { code: 'result-submission', zh: '评审结果报送', en: 'Review result submitted to the government' },
  { code: 'government-approval', zh: '政府审定', en: 'Government approval' },
  { code: 'signing', zh: '签署授权运营协议', en: 'Agreement signing' },
  { code: 'closed', zh: '已结束', en: 'Closed' },
]);

/** Art. 9: the lists that exclude an applicant. */
export const CREDIT_LISTS = list([
  { code: 'dishonest-judgment-debtor', zh: '失信被执行人名单', en: 'Dishonest judgment debtors' },
  { code: 'major-tax-violation', zh: '重大税收违法案件当事人名单', en: 'Major tax violation cases' },
  { code: 'serious-violation', zh: '严重违法失信记录', en: 'Serious violation records' },
]);

export const REVIEW_TASK_STATUSES = list([
  { code: 'pending', zh: '待处理', en: 'Pending' },
  { code: 'decided', zh: '已决定', en: 'Decided' },
  { code: 'cancelled', zh: '已取消', en: 'Cancelled' },
]);

/** Art. 13-14: states of an evaluation of authorized operation. */
export const EVALUATION_STATUSES = list([
  { code: 'open', zh: '评估中', en: 'Under evaluation' },
  { code: 'rectifying', zh: '整改中', en: 'Rectification ordered' },
  { code: 'closed', zh: '已结束', en: 'Closed' },
  { code: 'failed-rectification', zh: '逾期未整改', en: 'Not rectified in time' },
]);

export const EVALUATION_OUTCOMES = list([
  { code: 'pass', zh: '符合要求', en: 'Meets the requirements' },
  { code: 'fail', zh: '不符合要求', en: 'Does not meet the requirements' },
]);

/** Art. 4: what each party must confirm when the agreement ends (exit mechanism, asset disposal). */
export const EXIT_ITEMS = [
  {
    code: 'data-return-destruction',
    party: 'operator',
    zh: '公共数据返还或销毁',
    en: 'Public data and derived copies returned or destroyed',
  },
  {
    code: 'asset-disposal',
    party: 'operator',
    zh: '运营资产处置',
    en: 'Operation assets and data products disposed of as agreed',
  },
  {
    code: 'access-revocation',
    party: 'grantor',
    zh: '数据访问权限收回',
    en: 'Data access channels and accounts revoked',
  },
  {
    code: 'disposal-acceptance',
    party: 'grantor',
    zh: '资产处置验收',
    en: 'Asset disposal and data destruction verified',
  },
] as const;

/** Art. 11.1: kinds of data-quality problems. */
export const PROBLEM_KINDS = [
  { code: 'missing', zh: '数据缺失', en: 'Missing data' },
  { code: 'inaccurate', zh: '数据不准确', en: 'Inaccurate data' },
  { code: 'outdated', zh: '更新不及时', en: 'Outdated data' },
  { code: 'inconsistent', zh: '数据不一致', en: 'Inconsistent data' },
  { code: 'format', zh: '格式不规范', en: 'Non-standard format' },
  { code: 'other', zh: '其他', en: 'Other' },
] as const;

export const GOVERNANCE_STATUSES = [
  { code: 'reported', zh: '已提出', en: 'Reported' },
  { code: 'forwarded', zh: '治理中', en: 'Forwarded to the provider' },
  { code: 'resolved', zh: '已处理', en: 'Resolved by the provider' },
  { code: 'closed', zh: '已确认', en: 'Confirmed by the operator' },
] as const;
/** Art. 4: forms of data products (products duty; the codes equal PRODUCT_FORMS of functions/products/pricing.ts). */
export const PRODUCT_FORMS = list([
  { code: 'data-component', zh: '数据组件', en: 'Data component' },
  { code: 'data-model', zh: '数据模型', en: 'Data model' },
  { code: 'data-verification', zh: '数据核验', en: 'Data verification' },
  { code: 'data-service', zh: '数据服务', en: 'Data service' },
  { code: 'data-report', zh: '数据报告', en: 'Data report' },
]);
export const PRODUCT_STATUSES = list([
  { code: 'under-review', zh: '审核中', en: 'Under review' },
  { code: 'on-notice', zh: '公示中', en: 'On public notice' },
  { code: 'rejected', zh: '未通过', en: 'Rejected' },
  { code: 'registered', zh: '已登记', en: 'Registered' },
  { code: 'suspended', zh: '已暂停', en: 'Suspended' },
  { code: 'delisted', zh: '已下架', en: 'Delisted' },
  { code: 'withdrawn', zh: '已注销', en: 'Withdrawn' },
]);
/** Subscription purposes: public governance and welfare are free, industry and commercial use is paid. */
export const SUBSCRIPTION_PURPOSES = list([
  { code: 'public-governance', zh: '公共治理', en: 'Public governance (free)' },
  { code: 'public-welfare', zh: '公益事业', en: 'Public welfare (free)' },
  { code: 'industry', zh: '产业发展', en: 'Industry (paid)' },
  { code: 'commercial', zh: '行业/商业', en: 'Commercial (paid)' },
]);
export const BILLING_UNITS = list([
  { code: 'call', zh: '按次', en: 'Per call' },
  { code: 'record', zh: '按条', en: 'Per record' },
  { code: 'megabyte', zh: '按数据量（MB）', en: 'Per megabyte' },
  { code: 'month', zh: '按月', en: 'Per month' },
  { code: 'report', zh: '按份', en: 'Per report' },
]);
export const STATEMENT_STATUSES = list([
  { code: 'issued', zh: '已出账', en: 'Issued' },
  { code: 'disputed', zh: '有异议', en: 'Disputed' },
  { code: 'settled', zh: '已结清', en: 'Settled' },
]);

/** Art. 12: operation reports (reports duty; the report filter and domain use these codes). */
export const REPORT_STATUSES = list([
  { code: 'due', zh: '待填报', en: 'Due' },
  { code: 'draft', zh: '草稿', en: 'Draft' },
  { code: 'submitted', zh: '已提交', en: 'Submitted' },
  { code: 'supplement-requested', zh: '待补充', en: 'Supplement requested' },
  { code: 'accepted', zh: '已通过', en: 'Accepted' },
]);
/** Art. 16: security incidents (incidents duty). */
export const INCIDENT_STATUSES = list([
  { code: 'open', zh: '处置中', en: 'Open' },
  { code: 'closed', zh: '已结案', en: 'Closed' },
]);
export const INCIDENT_SEVERITIES = list([
  { code: 'low', zh: '一般', en: 'Low' },
  { code: 'medium', zh: '较大', en: 'Medium' },
  { code: 'high', zh: '重大', en: 'High' },
  { code: 'critical', zh: '特别重大', en: 'Critical' },
]);
export const INCIDENT_KINDS = list([
  { code: 'leak', zh: '数据泄露', en: 'Data leak' },
  { code: 'unauthorized-access', zh: '未授权访问', en: 'Unauthorized access' },
  { code: 'tampering', zh: '数据篡改', en: 'Tampering' },
  { code: 'loss', zh: '数据丢失', en: 'Loss' },
  { code: 'misuse', zh: '违规使用', en: 'Misuse' },
  { code: 'availability', zh: '服务中断', en: 'Availability' },
  { code: 'other', zh: '其他', en: 'Other' },
]);

/** Every list, by name, for GET /meta/codes. Later duties add theirs here. */
export const CODE_LISTS: Record<string, readonly Code[]> = {
  domains: DOMAINS,
  classifications: CLASSIFICATIONS,
  openness: OPENNESS,
  updateFrequencies: UPDATE_FREQUENCIES,
  formats: FORMATS,
  dataItemTypes: DATA_ITEM_TYPES,
  catalogStatuses: CATALOG_STATUSES,
  roles: ROLE_LABELS,
  authorizationModes: AUTHORIZATION_MODES,
  announcementStatuses: ANNOUNCEMENT_STATUSES,
  applicationStatuses: APPLICATION_STATUSES,
  applicationSteps: APPLICATION_STEPS,
  creditLists: CREDIT_LISTS,
  reviewTaskStatuses: REVIEW_TASK_STATUSES,
  grantStatuses: GRANT_STATUS_LABELS,
  grantExitItems: EXIT_ITEMS,
  demandStatuses: DEMAND_STATUS_LABELS,
  entitlementStatuses: ENTITLEMENT_STATUS_LABELS,
  governanceProblemKinds: PROBLEM_KINDS,
  governanceStatuses: GOVERNANCE_STATUSES,
  evaluationStatuses: EVALUATION_STATUSES,
  evaluationOutcomes: EVALUATION_OUTCOMES,
  productForms: PRODUCT_FORMS,
  productStatuses: PRODUCT_STATUSES,
  subscriptionPurposes: SUBSCRIPTION_PURPOSES,
  billingUnits: BILLING_UNITS,
  statementStatuses: STATEMENT_STATUSES,
  reportStatuses: REPORT_STATUSES,
  incidentStatuses: INCIDENT_STATUSES,
  incidentSeverities: INCIDENT_SEVERITIES,
  incidentKinds: INCIDENT_KINDS,
};
