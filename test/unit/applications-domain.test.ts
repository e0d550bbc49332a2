import { describe, expect, it } from 'vitest';
import { inForce, newEntry, subjectKey } from '../../functions/applications/credit-list.js';
import {
  type Announcement,
  type Application,
  advance,
  approveApplication,
  assertRenewable,
  assertWindowOpen,
  createAnnouncement,
  publishAnnouncement,
  recordExpertReview,
  rejectApplication,
  type ScopeEntry,
  screen,
  submitApplication,
  withdrawAnnouncement,
  withdrawApplication,
} from '../../functions/applications/domain.js';
import { CreateAnnouncement, SubmitApplication } from '../../functions/applications/schemas.js';
import { DEFAULT_CRITERIA, expertTotal, panelResult } from '../../functions/applications/scoring.js';
import type { Principal } from '../../functions/shared/auth.js';
import { withCheckChar } from '../../functions/shared/credit-code.js';

const AUTHORITY = withCheckChar('11420300MB1A00001');
const PROVIDER = withCheckChar('11420300MB1A00004');
const OPERATOR = withCheckChar('91420300MA4A0000A');
const authority: Principal = { userId: 'a-1', role: 'authority', roles: ['authority'], org: AUTHORITY };
const operator: Principal = { userId: 'o-1', role: 'operator', roles: ['operator'], org: OPERATOR };
const T0 = new Date('2025-03-01T00:00:00Z');
const days = (n: number) => new Date(T0.getTime() + n * 86_400_000);

const announcement = (overrides: Record<string, unknown> = {}): Announcement =>
  createAnnouncement({
    id: 'an_0000000000001',
    principal: authority,
    body: CreateAnnouncement.parse({
      year: 2025,
      title: '公告',
      mode: 'comprehensive',
      scope: ['ce_0000000000001'],
      conditions: { text: '条件' },
      window: { opensAt: days(1).toISOString(), closesAt: days(10).toISOString() },
      ...overrides,
    }),
    now: T0,
  });

const entry = (e: Partial<ScopeEntry> = {}): Map<string, ScopeEntry> =>
  new Map([
    [
      'ce_0000000000001',
      { id: 'ce_0000000000001', providerOrg: PROVIDER, approved: true, authorizable: true, ...e },
    ],
  ]);

const body = SubmitApplication.parse({
  announcementId: 'an_0000000000001',
  organisationName: '运营公司',
  creditCode: OPERATOR,
  legalRepresentative: { name: '张三', idNumber: '42030019800101123x' },
  principal: { name: '李四' },
  businessStatus: 'in-operation',
  staff: { total: 10, dataProfessionals: 3 },
  serviceCapability: '能力',
  scenarios: [{ title: '场景', description: '描述', expectedValue: '价值' }],
  declarations: {
    soundBusinessAndFinances: true,
    qualificationsAndCapability: true,
    noSeriousViolationRecord: true,
    notDishonestJudgmentDebtor: true,
    noMajorTaxViolation: true,
    truthfulMaterials: true,
  },
});

const published = () => publishAnnouncement(announcement(), authority, undefined, entry(), T0);
const applied = (hits = [] as Parameters<typeof screen>[0]): Application =>
  submitApplication({
    id: 'ap_0000000000001',
    principal: operator,
    body,
    announcement: published(),
    hits,
    now: days(2),
  });

describe('announcements (Art. 5, 10.1)', () => {
  it('applies the defaults for criteria, pass mark, panel size and deadlines', () => {
    const a = announcement();
    expect(a).toMatchObject({
      status: 'draft',
      passMark: 60,
      panelSize: 3,
      deadlines: { qualificationReview: 10 },
    });
    expect(a.criteria).toEqual(DEFAULT_CRITERIA);
  });

  it('publishes only with approved, authorizable scope and an open-ended window', () => {
    expect(published().status).toBe('published');
    expect(() =>
      publishAnnouncement(announcement(), authority, undefined, entry({ approved: false }), T0),
    ).toThrow(/not approved/);
    expect(() =>
      publishAnnouncement(announcement(), authority, undefined, entry({ authorizable: false }), T0),
    ).toThrow(/Art. 8/);
    expect(() => publishAnnouncement(announcement(), authority, undefined, new Map(), T0)).toThrow(
      /does not exist/,
    );
    expect(() => publishAnnouncement(announcement(), authority, undefined, entry(), days(11))).toThrow(
      /already closed/,
    );
  });

  it('in domain mode, refuses entries of another provider (Art. 5)', () => {
    const domain = announcement({ mode: 'domain', domain: 'transport', grantingProvider: { org: PROVIDER } });
    expect(publishAnnouncement(domain, authority, undefined, entry(), T0).status).toBe('published');
    expect(() =>
      publishAnnouncement(domain, authority, undefined, entry({ providerOrg: AUTHORITY }), T0),
    ).toThrow(/granting provider/);
  });

  it('withdraws only before the window opens', () => {
    expect(withdrawAnnouncement(published(), authority, '调整', undefined, T0).status).toBe('withdrawn');
    expect(() => withdrawAnnouncement(published(), authority, '调整', undefined, days(1))).toThrow(/opened/);
  });

  it('accepts applications inside the window only (Art. 10.2)', () => {
    const a = published();
    expect(() => assertWindowOpen(a, T0)).toThrow(/not opened yet/);
    expect(() => assertWindowOpen(a, days(1))).not.toThrow();
    expect(() => assertWindowOpen(a, days(10))).toThrow(/closed/);
    expect(() => assertWindowOpen(announcement(), days(2))).toThrow(/not published/);
  });
});

describe('screening (Art. 9)', () => {
  it('passes a clean applicant and rejects a listed one with the list named', () => {
    expect(screen([])).toEqual({ passed: true });
    const r = screen([
      { subject: 'organisation', list: 'major-tax-violation', source: '税务', entryId: 'cl_1' },
    ]);
    expect(r).toMatchObject({ passed: false });
    expect(r.passed ? '' : r.reason).toContain('重大税收违法案件当事人名单');
  });

  it('rejects a listed application at screening, without a workflow step', () => {
    const app = applied([
      { subject: 'legal-representative', list: 'dishonest-judgment-debtor', source: '法院', entryId: 'cl_1' },
    ]);
    expect(app).toMatchObject({
      status: 'rejected',
      currentStep: 'closed',
      rejection: { step: 'screening' },
    });
  });

  it('stores only a hash and a mask of the identity number', () => {
    const app = applied();
    expect(JSON.stringify(app)).not.toContain('42030019800101123X');
    expect(app.applicant.legalRepresentative.idNumberMasked).toBe('4203**********123X');
  });

  it('keys credit list subjects for Query lookups and honours removal', () => {
    const e = newEntry(
      {
        subjectType: 'legal-representative',
        idNumber: '42030019800101123X',
        list: 'serious-violation',
        source: 's',
        listedAt: T0.toISOString(),
        removedAt: days(5).toISOString(),
      },
      authority,
      T0,
    );
    expect(subjectKey(e)).toBe(`PERSON#${applied().applicant.legalRepresentative.idNumberHash}`);
    expect(inForce(e, days(1))).toBe(true);
    expect(inForce(e, days(5))).toBe(false);
  });
});

describe('scoring (Art. 10.3)', () => {
  it('computes a weighted total on a 0-100 scale and checks every criterion', () => {
    expect(
      expertTotal(DEFAULT_CRITERIA, { capability: 100, scenarios: 50, security: 80, compliance: 60 }),
    ).toEqual({
      ok: true,
      total: 74,
    });
    const missing = expertTotal(DEFAULT_CRITERIA, { capability: 100 });
    expect(missing.ok).toBe(false);
    const over = expertTotal(DEFAULT_CRITERIA, {
      capability: 101,
      scenarios: 1,
      security: 1,
      compliance: 1,
      extra: 1,
    });
    expect(over.ok ? [] : over.issues.map((i) => i.criterion)).toEqual(['extra', 'capability']);
  });

  it('averages the experts and compares with the pass mark', () => {
    expect(panelResult([70, 80, 90], 80)).toEqual({ average: 80, passMark: 80, passed: true, experts: 3 });
    expect(panelResult([70, 80, 89], 80).passed).toBe(false);
    expect(() => panelResult([], 60)).toThrow();
  });
});

describe('application transitions', () => {
  const outcome = {
    taskId: 'rt_1',
    decision: 'approve' as const,
    decidedBy: { userId: 'a-1', role: 'authority', org: AUTHORITY },
  };

  it('moves forward only and records each decision once (replays change nothing)', () => {
    const app = applied();
    const first = advance(app, { completed: 'qualification-review', outcome, step: 'expert-panel' }, days(3));
    const replay = advance(
      first.app,
      { completed: 'qualification-review', outcome, step: 'expert-panel' },
      days(4),
    );
    const backwards = advance(first.app, { step: 'qualification-review' }, days(4));
    expect(first).toMatchObject({ changed: true, app: { currentStep: 'expert-panel', version: 2 } });
    expect(replay.changed).toBe(false);
    expect(backwards.changed).toBe(false);
    expect(first.app.history.filter((h) => h.key === 'task:rt_1')).toHaveLength(1);
  });

  it('submits a passing expert result to the government; a failing one is rejected', () => {
    const app = advance(applied(), { step: 'expert-review' }, days(3)).app;
    const passed = recordExpertReview(
      app,
      [],
      { average: 75, passMark: 60, passed: true, experts: 3 },
      days(4),
    );
    expect(passed.app.currentStep).toBe('government-approval');
    expect(passed.app.history.map((h) => h.action)).toContain('submitted-to-government');
    const rejected = rejectApplication(app, { step: 'expert-review', reason: '低于合格分' }, days(4));
    expect(rejected.app).toMatchObject({
      status: 'rejected',
      rejection: { step: 'expert-review', reason: '低于合格分' },
    });
    expect(rejectApplication(rejected.app, { step: 'expert-review', reason: 'again' }, days(5)).changed).toBe(
      false,
    );
  });

  it('withdraws before the final decision only, by the applicant only', () => {
    const app = applied();
    expect(withdrawApplication(app, operator, '调整', days(3)).status).toBe('withdrawn');
    expect(() => withdrawApplication(app, { ...operator, org: AUTHORITY }, undefined, days(3))).toThrow(
      /applicant/,
    );
    const signing = advance(app, { step: 'signing' }, days(3)).app;
    expect(() => withdrawApplication(signing, operator, undefined, days(3))).toThrow(/final decision/);
    const withdrawn = withdrawApplication(app, operator, undefined, days(3));
    expect(() => advance(withdrawn, { step: 'expert-panel' }, days(4))).toThrow(
      expect.objectContaining({ name: 'ApplicationWithdrawn' }),
    );
    expect(approveApplication(signing, 'gr_1', days(5)).app).toMatchObject({
      status: 'approved',
      grantId: 'gr_1',
    });
  });

  it('accepts a renewal only from the operator of a running grant before it expires (Art. 10.5)', () => {
    const grant = { status: 'active', operatorOrg: OPERATOR, expiresAt: days(30).toISOString() };
    expect(() => assertRenewable(grant, operator, days(1))).not.toThrow();
    expect(() => assertRenewable(grant, operator, days(30))).toThrow(
      'renewal refused: the grant has expired',
    );
    expect(() => assertRenewable({ ...grant, status: 'expired' }, operator, days(1))).toThrow(/expired/);
    expect(() => assertRenewable({ ...grant, status: 'terminated' }, operator, days(1))).toThrow(
      /terminated/,
    );
    expect(() => assertRenewable(grant, { ...operator, org: AUTHORITY }, days(1))).toThrow(/operator/);
  });
});
