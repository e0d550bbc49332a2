import { describe, expect, it } from 'vitest';
import { inForce, newEntry, subjectKey } from '../../functions/applications/credit-list.js';
import {
  type Announcement,
  type Application,
  advance,
  applicationTaskView,
  applicationView,
  approveApplication,
  assertRenewable,
  assertWindowOpen,
  createAnnouncement,
  DEFAULT_DEADLINES,
  draftFailureReason,
  failureMessage,
  publishAnnouncement,
  recordExpertReview,
  rejectApplication,
  type ScopeEntry,
  SELECTION_TAKEN_REASON,
  screen,
  signingRejectionReason,
  submitApplication,
  takesSelectionSlot,
  updateAnnouncement,
  withdrawAnnouncement,
  withdrawApplication,
  workflowPlan,
} from '../../functions/applications/domain.js';
import {
  CreateAnnouncement,
  SubmitApplication,
  UpdateAnnouncement,
} from '../../functions/applications/schemas.js';
import { DEFAULT_CRITERIA, expertTotal, panelResult } from '../../functions/applications/scoring.js';
import { draftGrant, termOf } from '../../functions/grants/domain.js';
import type { Principal } from '../../functions/shared/auth.js';
import { withCheckChar } from '../../functions/shared/credit-code.js';
import { AppError, ForbiddenError } from '../../functions/shared/errors.js';
import { applicationBody } from '../support/selection.js';

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
  ...applicationBody(
    { org: OPERATOR },
    // Lower-case check character: the identity number is normalised before it is hashed and masked.
    { legalRepresentative: { name: '张三', idNumber: '42030019800101123x' } },
  ),
});

const published = () => publishAnnouncement(announcement(), authority, undefined, entry(), T0);
const applied = (hits = [] as Parameters<typeof screen>[0]): Application =>
  submitApplication({
    id: 'ap_0000000000001',
    principal: operator,
    body,
    announcement: published(),
    hits,
    idNumberKey: 'hmac:key-of-the-id-number',
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
      applied().applicant.legalRepresentative.idNumberKey,
    );
    expect(subjectKey(e)).toBe('PERSON#hmac:key-of-the-id-number');
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

  it('hands a passing expert result to the authority to submit (Art. 10.3); a failing one is rejected', () => {
    const app = advance(applied(), { step: 'expert-review' }, days(3)).app;
    const passed = recordExpertReview(
      app,
      [],
      { average: 75, passMark: 60, passed: true, experts: 3 },
      days(4),
    );
    expect(passed.app.currentStep).toBe('result-submission');
    // Not submitted by the platform itself: the authority's decision records the submission.
    expect(passed.app.history.map((h) => h.action)).not.toContain('submitted-to-government');
    const submitted = advance(
      passed.app,
      {
        step: 'government-approval',
        completed: 'result-submission',
        outcome: {
          taskId: 'rt_submission0001',
          decision: 'approve',
          decidedBy: { userId: 'authority-2', role: 'authority', org: 'AUTH' },
          decidedAt: days(5).toISOString(),
        },
      },
      days(5),
    ).app;
    expect(submitted.currentStep).toBe('government-approval');
    expect(submitted.history.at(-1)).toMatchObject({
      step: 'result-submission',
      action: 'submitted-to-government',
      actor: { userId: 'authority-2', role: 'authority' },
    });
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

  it('accepts a renewal only from the operator of a running grant, applied for before it ends, once (Art. 10.5)', () => {
    const drafted = draftGrant({
      id: 'gr_0000000000001',
      applicationId: 'ap_0000000000001',
      announcementId: 'an_0000000000001',
      mode: 'comprehensive',
      scope: ['ce_0000000000001'],
      grantor: { org: AUTHORITY, role: 'authority' },
      operator: { org: OPERATOR, name: '运营公司' },
      now: T0,
    });
    const grant = { ...drafted, status: 'active' as const, ...termOf(T0) };
    const end = new Date(grant.expiresAt);
    const code = (f: () => void) => {
      try {
        f();
      } catch (e) {
        return e instanceof AppError ? e.code : String(e);
      }
      return 'accepted';
    };

    expect(code(() => assertRenewable(grant, operator, days(1)))).toBe('accepted');
    expect(code(() => assertRenewable({ ...grant, status: 'suspended' }, operator, days(1)))).toBe(
      'accepted',
    );
    expect(code(() => assertRenewable(grant, operator, end))).toBe('renewal_too_late');
    expect(code(() => assertRenewable({ ...grant, status: 'expired' }, operator, days(1)))).toBe(
      'renewal_too_late',
    );
    expect(code(() => assertRenewable({ ...grant, status: 'terminated' }, operator, days(1)))).toBe(
      'renewal_refused',
    );
    // The grants rule: a grant is renewed once only.
    expect(code(() => assertRenewable({ ...grant, renewedBy: 'gr_0000000000002' }, operator, days(1)))).toBe(
      'already_renewed',
    );
    expect(() => assertRenewable(grant, { ...operator, org: AUTHORITY }, days(1))).toThrow(ForbiddenError);
  });
});

describe('partial updates of a draft announcement', () => {
  it('keeps the deadlines and conditions a PATCH does not name (no defaults on update)', () => {
    const a = announcement({
      deadlines: { qualificationReview: 20, governmentApproval: 25 },
      conditions: { text: '条件', requiredDocuments: [{ code: 'licence', name: '营业执照' }] },
    });
    const patch = UpdateAnnouncement.parse({ deadlines: { expertPanel: 7 }, conditions: { text: '新条件' } });

    const next = updateAnnouncement(a, authority, patch, undefined, T0);

    expect(patch).toEqual({ deadlines: { expertPanel: 7 }, conditions: { text: '新条件' } });
    expect(a.deadlines).toEqual({ ...DEFAULT_DEADLINES, qualificationReview: 20, governmentApproval: 25 });
    expect(next.deadlines).toEqual({
      ...DEFAULT_DEADLINES,
      qualificationReview: 20,
      expertPanel: 7,
      governmentApproval: 25,
    });
    expect(next.conditions).toEqual({
      text: '新条件',
      requiredDocuments: [{ code: 'licence', name: '营业执照', mandatory: true }],
    });
  });
});

describe('the expert panel organiser (Art. 10.3)', () => {
  it('is the authority in comprehensive mode and the granting provider in domain mode', () => {
    const comprehensive = workflowPlan(applied());
    const domainApp = submitApplication({
      id: 'ap_0000000000002',
      principal: operator,
      body,
      announcement: publishAnnouncement(
        announcement({ mode: 'domain', domain: 'transport', grantingProvider: { org: PROVIDER } }),
        authority,
        undefined,
        entry(),
        T0,
      ),
      hits: [],
      idNumberKey: 'hmac:key-of-the-id-number',
      now: days(2),
    });
    const domain = workflowPlan(domainApp);

    expect(comprehensive.panelOrganiser).toEqual({ role: 'authority', org: AUTHORITY });
    expect(domain.panelOrganiser).toEqual({ role: 'provider', org: PROVIDER });
    expect(domain.reviewer).toEqual(domain.panelOrganiser);
    expect(domain.grantDraft).toMatchObject({ signatureDueInDays: DEFAULT_DEADLINES.signing });
  });
});

describe('one operator per domain announcement (Art. 5)', () => {
  it('takes a selection slot in domain mode only, and never for a renewal', () => {
    expect(takesSelectionSlot({ mode: 'domain' })).toBe(true);
    expect(takesSelectionSlot({ mode: 'comprehensive' })).toBe(false);
    expect(takesSelectionSlot({ mode: 'domain', renewalOf: 'gr_0000000000001' })).toBe(false);
  });

  it('does not submit a passing result once the domain’s operator is selected', () => {
    const app = advance(applied(), { step: 'expert-review' }, days(3)).app;
    const blocked = recordExpertReview(
      app,
      [],
      { average: 75, passMark: 60, passed: true, experts: 3 },
      days(4),
      false,
    );
    expect(blocked.app.currentStep).toBe('expert-review');
    expect(blocked.app.history.map((h) => h.action)).not.toContain('submitted-to-government');
    expect(SELECTION_TAKEN_REASON).toContain('第五条');
  });
});

describe('workflow failure reasons', () => {
  it('records a failed step’s message, and why an agreement never took effect (Art. 10.4)', () => {
    const cause = JSON.stringify({
      errorType: 'ConflictError',
      errorMessage: 'A terminated grant cannot be renewed',
    });
    expect(failureMessage({ Error: 'ConflictError', Cause: cause })).toBe(
      'A terminated grant cannot be renewed',
    );
    expect(failureMessage({ Error: 'Boom', Cause: 'plain text' })).toBe('plain text');
    expect(failureMessage({ Error: 'Boom' })).toBe('Boom');
    expect(draftFailureReason('x')).toContain('The agreement could not be drafted: x');
    expect(signingRejectionReason('terminated', '违约')).toMatch(
      /已终止（原因：违约）.*terminated \(reason: 违约\)/,
    );
  });
});

describe('what the applicant sees of its review (Art. 10.3)', () => {
  it('hides the experts’ identities, scores and comments from the applicant only', () => {
    const expert = (n: number) => ({
      taskId: `rt_e${n}`,
      decision: 'approve' as const,
      score: 70 + n,
      comment: `专家${n}意见`,
      decidedBy: { userId: `expert-${n}`, role: 'expert', org: AUTHORITY },
    });
    let app = advance(applied(), { step: 'expert-review' }, days(3)).app;
    app = advance(
      app,
      {
        completed: 'expert-panel',
        outcome: { taskId: 'rt_p', decision: 'approve', experts: ['expert-1', 'expert-2', 'expert-3'] },
        step: 'expert-review',
      },
      days(3),
    ).app;
    app = recordExpertReview(
      app,
      [expert(1), expert(2), expert(3)],
      { average: 72, passMark: 60, passed: true, experts: 3 },
      days(4),
    ).app;
    const regulator: Principal = { userId: 'r-1', role: 'regulator', roles: ['regulator'], org: AUTHORITY };

    const mine = applicationView(app, operator);
    const theirs = applicationView(app, authority);
    const supervised = applicationView(app, regulator);

    expect(JSON.stringify(mine)).not.toMatch(/expert-\d|专家\d意见|"score":7[13]/);
    expect(mine).toMatchObject({ panel: null, panelSize: 3, result: { average: 72, passed: true } });
    expect(mine.history.map((h) => h.action)).toEqual(['submitted', 'screened', 'panel-assigned', 'passed']);
    expect(theirs.panel).toEqual(['expert-1', 'expert-2', 'expert-3']);
    expect(theirs.history.filter((h) => h.action === 'scored').map((h) => h.score)).toEqual([71, 72, 73]);
    expect(JSON.stringify(supervised)).toContain('专家2意见');
    expect(
      applicationTaskView(app, operator, {
        kind: 'expert-score',
        assignee: { role: 'expert', userId: 'expert-1' },
      }),
    ).toEqual({ kind: 'expert-score', assignee: { role: 'expert' } });
  });
});
