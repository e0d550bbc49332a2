import { randomUUID } from 'node:crypto';
import { as, type Caller, orgName, type Platform } from '../support/platform.js';

/** Shared setup of the grants, demands, governance and notifications API tests. */

export { auditOf } from '../support/platform.js';

export interface GrantSetup {
  readonly scope: readonly string[];
  readonly operator?: Caller;
  /** The grantor: the authority (comprehensive, default) or a provider (domain mode). */
  readonly grantor?: Caller;
  readonly renewalOf?: string;
  readonly applicationId?: string;
  /** Default: a made-up id (the grants duty does not read announcements). */
  readonly announcementId?: string;
  /** Art. 10.4: the signature deadline in days (default: the grants duty's). */
  readonly signatureDueInDays?: number;
}

/** Drafts a grant through the `draftGrant` step (Contract B), as the selection workflow does. */
export const draftGrant = async (p: Platform, s: GrantSetup): Promise<string> => {
  const operator = s.operator ?? as.operatorA;
  const grantor = s.grantor ?? as.authority;
  const grantorRole = grantor.role === 'provider' ? 'provider' : 'authority';
  const out = (await p.rt.invoke('grants', {
    step: 'draftGrant',
    applicationId: s.applicationId ?? `ap_test${randomUUID().replace(/-/g, '').slice(0, 16)}`,
    announcementId: s.announcementId ?? 'an_test0000000001',
    mode: grantorRole === 'provider' ? 'domain' : 'comprehensive',
    ...(grantorRole === 'provider' ? { domain: 'transport' } : {}),
    scope: s.scope,
    grantor: { org: grantor.org, role: grantorRole, name: orgName(grantor.org) },
    operator: { org: operator.org, name: orgName(operator.org) },
    ...(s.renewalOf ? { renewalOf: s.renewalOf } : {}),
    ...(grantorRole === 'provider' ? { authorityOrg: as.authority.org } : {}),
    ...(s.signatureDueInDays ? { signatureDueInDays: s.signatureDueInDays } : {}),
  })) as { grantId: string };
  return out.grantId;
};

/** A grant signed by both parties (active from now). */
export const activeGrant = async (
  p: Platform,
  s: GrantSetup,
): Promise<{ id: string; body: Record<string, unknown> }> => {
  const id = await draftGrant(p, s);
  const first = await p.post(`/grants/${id}/sign`, s.grantor ?? as.authority);
  if (first.status !== 200)
    throw new Error(`grantor signature: ${first.status} ${JSON.stringify(first.body)}`);
  const second = await p.post(`/grants/${id}/sign`, s.operator ?? as.operatorA);
  if (second.status !== 200)
    throw new Error(`operator signature: ${second.status} ${JSON.stringify(second.body)}`);
  await p.rt.settle();
  return { id, body: second.body };
};

/** Events published on the local bus about one subject. */
export const eventsAbout = (p: Platform, detailType: string, key: string, value: string) =>
  p.rt.bus.events({ detailType }).filter((e) => (e.detail as Record<string, unknown>)[key] === value);

/** Has a provider restrict an approved entry (Art. 8) and the authority approve that new version. */
export const restrictEntry = async (p: Platform, owner: Caller, entryId: string): Promise<void> => {
  const changed = await p.patch(`/catalog/${entryId}`, owner, {
    restrictions: { stateSecret: false, publicSafety: true, closedByLaw: false },
  });
  if (changed.status !== 200) throw new Error(`restrict: ${changed.status} ${JSON.stringify(changed.body)}`);
  if (changed.body.status !== 'approved') {
    const reviewed = await p.post(`/catalog/${entryId}/review`, as.authority, { decision: 'approve' });
    if (reviewed.status !== 200)
      throw new Error(`review: ${reviewed.status} ${JSON.stringify(reviewed.body)}`);
  }
  const view = await p.get(`/catalog/${entryId}`, as.authority);
  if (view.body.authorizable !== false) throw new Error(`still authorizable: ${JSON.stringify(view.body)}`);
};

export const scenario = (overrides: Record<string, unknown> = {}) => ({
  title: '城市公交出行分析',
  description: '基于公交刷卡数据分析通勤客流，优化线路',
  implementationPlan: '在平台内建模，输出线路优化报告',
  expectedValue: { social: '缩短市民通勤时间', economic: '降低公交运营成本' },
  dataFields: ['卡号', '刷卡时间', '线路'],
  durationMonths: 12,
  ...overrides,
});
