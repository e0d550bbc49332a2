/**
 * Applications and their selection (Art. 5, 9, 10.2-10.5) as plain rules: no AWS, no I/O. Each
 * function takes the current record and returns the next one, or throws the error the caller should see.
 */
import type { Principal } from '../shared/auth.js';
import { ConflictError, ForbiddenError } from '../shared/errors.js';
import { type Announcement, DEFAULT_DEADLINES, type Mode } from './announcements.js';
import { type CreditHit, screen } from './credit-list.js';
import type { StepDeadlines, SubmitApplication } from './schemas.js';
import type { Criterion } from './scoring.js';

// ---------------------------------------------------------------------------------------------------
// Applications (Art. 9, 10.2-10.5)

export type ApplicationStatus = 'under-review' | 'signing' | 'approved' | 'rejected' | 'withdrawn';

/** The steps of selection, in order (Art. 10.3-10.5). */
export const STEPS = [
  'screening',
  'qualification-review',
  'expert-panel',
  'expert-review',
  'result-submission',
  'government-approval',
  'signing',
  'closed',
] as const;
export type Step = (typeof STEPS)[number];
const rank = (s: Step) => STEPS.indexOf(s);

export interface Actor {
  readonly userId: string;
  readonly role: string;
  readonly org: string;
}

export interface HistoryEntry {
  /** Unique per entry: a replayed workflow step records nothing twice. */
  readonly key: string;
  readonly step: Step;
  readonly action: string;
  readonly actor: Actor;
  readonly at: string;
  readonly decision?: 'approve' | 'reject';
  readonly reason?: string;
  readonly comment?: string;
  readonly score?: number;
  readonly detail?: Readonly<Record<string, unknown>>;
}

type ApplicantInput = Omit<SubmitApplication, 'announcementId' | 'renewalOf'>;
/**
 * The applicant as stored (PIPL): the legal representative's identity number only as a mask and as a
 * keyed lookup key (HMAC under the platform's person key, functions/shared/person-key.ts) for the
 * credit list; the key is never returned.
 */
export type StoredApplicant = Omit<ApplicantInput, 'legalRepresentative'> & {
  readonly legalRepresentative: {
    readonly name: string;
    readonly idNumberKey: string;
    readonly idNumberMasked: string;
  };
};

export interface Application {
  readonly id: string;
  readonly announcementId: string;
  readonly renewalOf?: string;
  readonly operatorOrg: string;
  readonly submittedBy: string;
  readonly mode: Mode;
  readonly domain?: string;
  /** Who reviews qualifications: the authority (comprehensive) or the granting provider (domain). */
  readonly reviewerOrg: string;
  readonly authorityOrg: string;
  readonly grantor: { readonly org: string; readonly role: 'authority' | 'provider'; readonly name?: string };
  readonly governmentOrg?: string;
  readonly applicant: StoredApplicant;
  readonly status: ApplicationStatus;
  readonly currentStep: Step;
  readonly history: readonly HistoryEntry[];
  /** A snapshot of the announcement's rules when the application was made. */
  readonly plan: {
    readonly announcementTitle: string;
    readonly scope: readonly string[];
    readonly criteria: readonly Criterion[];
    readonly passMark: number;
    readonly panelSize: number;
    readonly deadlines: StepDeadlines;
  };
  readonly panel?: readonly string[];
  readonly result?: {
    readonly average: number;
    readonly passMark: number;
    readonly passed: boolean;
    readonly experts: number;
  };
  readonly grantId?: string;
  readonly rejection?: { readonly step: Step; readonly reason: string; readonly at: string };
  readonly withdrawal?: { readonly reason?: string; readonly at: string; readonly by: string };
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** Thrown by workflow steps of a withdrawn application: the state machine's Catch ends the execution. */
export class ApplicationWithdrawnError extends Error {
  constructor(id: string) {
    super(`Application ${id} was withdrawn`);
    this.name = 'ApplicationWithdrawn';
  }
}

const maskIdNumber = (idNumber: string): string => `${idNumber.slice(0, 4)}**********${idNumber.slice(-4)}`;

/** The uniqueness guard of Art. 10.2: one active application per operator and announcement (or grant renewed). */
export const activeKey = (a: Pick<Application, 'announcementId' | 'renewalOf' | 'operatorOrg'>): string =>
  a.renewalOf
    ? `ACTIVE#RENEW#${a.renewalOf}#${a.operatorOrg}`
    : `ACTIVE#${a.announcementId}#${a.operatorOrg}`;

/** Applications that still count as "active" for the duplicate rule. */
export const isActive = (s: ApplicationStatus): boolean =>
  s === 'under-review' || s === 'signing' || s === 'approved';

const SYSTEM: Actor = { userId: 'system:selection', role: 'system', org: 'platform' };

export const submitApplication = (args: {
  id: string;
  principal: Principal;
  body: SubmitApplication;
  announcement: Announcement;
  renewal?: { grantId: string; scope: readonly string[]; grantor: Application['grantor'] };
  hits: readonly CreditHit[];
  /** The HMAC lookup key of the legal representative's identity number (never a bare hash). */
  idNumberKey: string;
  now: Date;
}): Application => {
  const { principal: p, body, announcement: an, now } = args;
  if (p.role !== 'operator') throw new ForbiddenError('Only an operator applies');
  // Art. 9: the applicant applies for its own organisation.
  if (body.creditCode !== p.org) {
    throw new ForbiddenError('The unified social credit code must be that of your own organisation');
  }
  const at = now.toISOString();
  const { announcementId: _a, renewalOf: _r, legalRepresentative, ...rest } = body;
  const grantor: Application['grantor'] =
    args.renewal?.grantor ??
    (an.mode === 'domain' && an.grantingProvider
      ? {
          org: an.grantingProvider.org,
          role: 'provider',
          ...(an.grantingProvider.name ? { name: an.grantingProvider.name } : {}),
        }
      : { org: an.authorityOrg, role: 'authority' });
  const screening = screen(args.hits, body.businessStatus);
  const submitted: HistoryEntry = {
    key: 'submitted',
    step: 'screening',
    action: 'submitted',
    actor: { userId: p.userId, role: p.role, org: p.org },
    at,
  };
  const screened: HistoryEntry = {
    key: 'screening',
    step: 'screening',
    action: 'screened',
    actor: SYSTEM,
    at,
    decision: screening.passed ? 'approve' : 'reject',
    ...(screening.passed ? {} : { reason: screening.reason }),
  };
  return {
    id: args.id,
    announcementId: an.id,
    ...(args.renewal ? { renewalOf: args.renewal.grantId } : {}),
    operatorOrg: p.org,
    submittedBy: p.userId,
    mode: an.mode,
    ...(an.domain ? { domain: an.domain } : {}),
    // Art. 10.3: qualification review by the authority (comprehensive) or the granting provider (domain).
    reviewerOrg: grantor.role === 'provider' ? grantor.org : an.authorityOrg,
    authorityOrg: an.authorityOrg,
    grantor,
    ...(an.governmentOrg ? { governmentOrg: an.governmentOrg } : {}),
    applicant: {
      ...rest,
      legalRepresentative: {
        name: legalRepresentative.name,
        idNumberKey: args.idNumberKey,
        idNumberMasked: maskIdNumber(legalRepresentative.idNumber),
      },
    },
    status: screening.passed ? 'under-review' : 'rejected',
    currentStep: screening.passed ? 'qualification-review' : 'closed',
    history: [submitted, screened],
    plan: {
      announcementTitle: an.title,
      scope: args.renewal?.scope ?? an.scope,
      criteria: an.criteria,
      passMark: an.passMark,
      panelSize: an.panelSize,
      deadlines: an.deadlines,
    },
    ...(screening.passed ? {} : { rejection: { step: 'screening' as const, reason: screening.reason, at } }),
    version: 1,
    createdAt: at,
    updatedAt: at,
  };
};

/** The applicant withdraws before the final decision (government approval). */
export const withdrawApplication = (
  app: Application,
  p: Principal,
  reason: string | undefined,
  now: Date,
): Application => {
  if (p.role !== 'operator' || p.org !== app.operatorOrg)
    throw new ForbiddenError('Only the applicant may withdraw its application');
  if (app.status === 'withdrawn')
    throw new ConflictError('The application is already withdrawn', 'invalid_state');
  if (app.status !== 'under-review') {
    throw new ConflictError(
      `The application is ${app.status}: the final decision has been made`,
      'invalid_state',
    );
  }
  const at = now.toISOString();
  return {
    ...app,
    status: 'withdrawn',
    currentStep: 'closed',
    withdrawal: { ...(reason ? { reason } : {}), at, by: p.userId },
    history: [
      ...app.history,
      {
        key: 'withdrawn',
        step: app.currentStep,
        action: 'withdrawn',
        actor: { userId: p.userId, role: p.role, org: p.org },
        at,
        ...(reason ? { reason } : {}),
      },
    ],
    version: app.version + 1,
    updatedAt: at,
  };
};

/** The decision a review task handed to the workflow (functions/tasks): who decided what, when. */
export interface TaskOutcome {
  readonly taskId: string;
  readonly decision: 'approve' | 'reject';
  readonly reason?: string;
  readonly comment?: string;
  readonly score?: number;
  readonly experts?: readonly string[];
  readonly decidedBy?: Actor;
  readonly decidedAt?: string;
}

/** Workflow steps act only on applications still under review (or signing); withdrawal ends them. */
const assertInWorkflow = (app: Application): void => {
  if (app.status === 'withdrawn') throw new ApplicationWithdrawnError(app.id);
  if (app.status === 'rejected' || app.status === 'approved') {
    throw new ConflictError(`Application ${app.id} is already ${app.status}`, 'invalid_state');
  }
};

const decisionEntry = (step: Step, o: TaskOutcome, now: Date): HistoryEntry => ({
  key: `task:${o.taskId}`,
  step,
  action:
    step === 'expert-review'
      ? 'scored'
      : step === 'expert-panel'
        ? 'panel-assigned'
        : step === 'result-submission' && o.decision === 'approve'
          ? 'submitted-to-government'
          : 'decided',
  actor: o.decidedBy ?? SYSTEM,
  at: o.decidedAt ?? now.toISOString(),
  decision: o.decision,
  ...(o.reason ? { reason: o.reason } : {}),
  ...(o.comment ? { comment: o.comment } : {}),
  ...(typeof o.score === 'number' ? { score: o.score } : {}),
  ...(o.experts ? { detail: { experts: o.experts } } : {}),
});

const appendNew = (history: readonly HistoryEntry[], entries: readonly HistoryEntry[]): HistoryEntry[] => {
  const seen = new Set(history.map((h) => h.key));
  return [...history, ...entries.filter((e) => !seen.has(e.key))];
};

/** Result of a workflow transition: the next record, and whether anything changed (replays change nothing). */
export interface Transition {
  readonly app: Application;
  readonly changed: boolean;
}

const settle = (
  before: Application,
  next: Omit<Application, 'version' | 'updatedAt'>,
  now: Date,
): Transition => {
  const changed =
    JSON.stringify({ ...next, version: 0, updatedAt: '' }) !==
    JSON.stringify({ ...before, version: 0, updatedAt: '' });
  return changed
    ? { app: { ...next, version: before.version + 1, updatedAt: now.toISOString() }, changed }
    : { app: before, changed };
};

/**
 * A workflow step was completed and the next entered: records the completed step's decision (once) and
 * moves `currentStep` forward only (a replay never moves it back). Entering `signing` means the
 * government approved: the final decision is made.
 */
export const advance = (
  app: Application,
  args: { completed?: Step; outcome?: TaskOutcome; step: Step; grantId?: string },
  now: Date,
): Transition => {
  assertInWorkflow(app);
  const entries: HistoryEntry[] = [];
  if (args.completed && args.outcome) entries.push(decisionEntry(args.completed, args.outcome, now));
  if (args.grantId && !app.grantId) {
    entries.push({
      key: 'grant-drafted',
      step: 'signing',
      action: 'grant-drafted',
      actor: SYSTEM,
      at: now.toISOString(),
      detail: { grantId: args.grantId },
    });
  }
  const forward = rank(args.step) > rank(app.currentStep);
  return settle(
    app,
    {
      ...app,
      currentStep: forward ? args.step : app.currentStep,
      status: args.step === 'signing' ? 'signing' : app.status,
      ...(args.completed === 'expert-panel' && args.outcome?.experts
        ? { panel: [...args.outcome.experts] }
        : {}),
      ...(args.grantId ? { grantId: args.grantId } : {}),
      history: appendNew(app.history, entries),
    },
    now,
  );
};

/**
 * Art. 10.3: the experts' scores are recorded, their average compared with the pass mark; a passing
 * result goes to the authority, which submits it to the government (评审结果由数据主管部门统一报本级
 * 人民政府审定: the `result-submission` step, a task of the authority).
 */
export const recordExpertReview = (
  app: Application,
  outcomes: readonly TaskOutcome[],
  result: { average: number; passMark: number; passed: boolean; experts: number },
  now: Date,
  /** Art. 5: the domain's operator is already selected; a passing result is not submitted. */
  selectable = true,
): Transition => {
  assertInWorkflow(app);
  const at = now.toISOString();
  const entries: HistoryEntry[] = outcomes.map((o) => decisionEntry('expert-review', o, now));
  entries.push({
    key: 'expert-review:result',
    step: 'expert-review',
    action: result.passed ? 'passed' : 'failed',
    actor: SYSTEM,
    at,
    decision: result.passed ? 'approve' : 'reject',
    score: result.average,
    detail: { passMark: result.passMark, experts: result.experts },
  });
  const submit = result.passed && selectable;
  return settle(
    app,
    {
      ...app,
      result,
      currentStep:
        submit && rank('result-submission') > rank(app.currentStep) ? 'result-submission' : app.currentStep,
      history: appendNew(app.history, entries),
    },
    now,
  );
};

export const expertRejectionReason = (r: { average: number; passMark: number }): string =>
  `专家评审平均分 ${r.average} 低于合格分 ${r.passMark}。The experts' average score ${r.average} is below the pass mark ${r.passMark} (Art. 10.3).`;

// ---------------------------------------------------------------------------------------------------
// Art. 5: domain authorization selects ONE operator

/**
 * Art. 5: "分领域授权由数据提供单位选择一家本领域运营单位" — in domain mode the provider selects one
 * operator for its domain; comprehensive authorization may select "one or more" (一家或多家). A domain
 * application takes the announcement's selection slot when the government has approved it (it enters
 * signing), in the same transaction, so at most one application per domain announcement can ever be
 * signing or approved. A renewal (Art. 10.5) continues the selected operator's own grant: it takes no
 * slot of its own.
 */
export const takesSelectionSlot = (app: Pick<Application, 'mode' | 'renewalOf'>): boolean =>
  app.mode === 'domain' && !app.renewalOf;

export const SELECTION_TAKEN_REASON =
  '分领域授权由数据提供单位选择一家本领域运营单位（第五条），本公告已选定运营单位。Domain authorization selects one operator for the domain (Art. 5): this announcement has already selected its operator.';

/** A workflow step failed (a state machine Catch: `{ Error, Cause }`): the error's own message. */
export const failureMessage = (f: { Error: string; Cause?: string | undefined }): string => {
  if (f.Cause) {
    try {
      const parsed = JSON.parse(f.Cause) as { errorMessage?: unknown };
      if (typeof parsed.errorMessage === 'string' && parsed.errorMessage) return parsed.errorMessage;
    } catch {
      // Not JSON: the cause is the message itself.
    }
    return f.Cause;
  }
  return f.Error;
};

/** The agreement could not be drafted (Art. 4, 10.4): the application ends with the grants duty's reason. */
export const draftFailureReason = (message: string): string =>
  `授权运营协议未能起草：${message}。The agreement could not be drafted: ${message}`;

const GRANT_STATUS_ZH: Record<string, string> = {
  terminated: '已终止',
  expired: '已到期',
  suspended: '已暂停',
  signing: '未完成签署',
};

/**
 * Art. 10.4: the application is approved only when the agreement became active on the second signature.
 * Any other outcome (e.g. the grant terminated while being signed) ends it with the grant's status.
 */
export const signingRejectionReason = (status: string, terminationReason?: string): string => {
  const why = terminationReason ? `（原因：${terminationReason}）` : '';
  const whyEn = terminationReason ? ` (reason: ${terminationReason})` : '';
  return `授权运营协议未生效：协议${GRANT_STATUS_ZH[status] ?? status}${why}。The agreement did not take effect: the grant is ${status}${whyEn} (Art. 10.4).`;
};

/** Rejection at any step ends the application with the reason; idempotent. */
export const rejectApplication = (
  app: Application,
  args: { step: Step; outcome?: TaskOutcome; reason?: string },
  now: Date,
): Transition => {
  if (app.status === 'rejected') return { app, changed: false };
  assertInWorkflow(app);
  const reason = args.outcome?.reason ?? args.reason ?? 'Rejected';
  const at = now.toISOString();
  const entries: HistoryEntry[] = [];
  if (args.outcome) entries.push(decisionEntry(args.step, args.outcome, now));
  entries.push({
    key: 'rejected',
    step: args.step,
    action: 'rejected',
    actor: SYSTEM,
    at,
    decision: 'reject',
    reason,
  });
  return settle(
    app,
    {
      ...app,
      status: 'rejected',
      currentStep: 'closed',
      rejection: { step: args.step, reason, at },
      history: appendNew(app.history, entries),
    },
    now,
  );
};

/** Both parties signed: the grant is active and the application approved; idempotent. */
export const approveApplication = (app: Application, grantId: string, now: Date): Transition => {
  if (app.status === 'approved') return { app, changed: false };
  assertInWorkflow(app);
  return settle(
    app,
    {
      ...app,
      status: 'approved',
      currentStep: 'closed',
      grantId,
      history: appendNew(app.history, [
        {
          key: 'approved',
          step: 'signing',
          action: 'grant-signed',
          actor: SYSTEM,
          at: now.toISOString(),
          detail: { grantId },
        },
      ]),
    },
    now,
  );
};

/**
 * Who may read an application: the applicant, the authority, the government (it approves), regulators,
 * and the granting provider of a domain application.
 */
export const canSeeApplication = (app: Application, p: Principal): boolean => {
  switch (p.role) {
    case 'operator':
      return p.org === app.operatorOrg;
    case 'provider':
      return p.org === app.reviewerOrg || p.org === app.grantor.org;
    case 'authority':
    case 'government':
    case 'regulator':
      return true;
    default:
      return false;
  }
};

/**
 * Art. 10.3: the experts are third parties. The applicant follows its application (current step,
 * history of decisions, the experts' average and result) but never sees who the experts are, nor any
 * single expert's scores or comments; the authority, the reviewing/granting provider, the government and
 * regulators see the whole review.
 */
export const seesReviewDetail = (app: Application, p: Principal | undefined): boolean =>
  !!p && canSeeApplication(app, p) && p.role !== 'operator';

/** The history as the applicant sees it: each expert's entry left out, the panel's names removed. */
const applicantHistory = (history: readonly HistoryEntry[]): HistoryEntry[] =>
  history
    .filter((h) => !(h.step === 'expert-review' && h.action === 'scored'))
    .map((h) => {
      if (h.action !== 'panel-assigned') return h;
      const { detail: _d, comment: _c, ...rest } = h;
      return rest;
    });

/**
 * The applicant's data as the viewer needs it (PIPL: the minimum necessary). The lookup key of the
 * legal representative's identity number is never returned; the masked number only to the applicant
 * and the authority (which screens it, Art. 9); reviewers, experts and the government see the name.
 */
const applicantView = (app: Application, viewer?: Principal) => {
  const { idNumberKey: _key, idNumberMasked, name } = app.applicant.legalRepresentative;
  const seesMask =
    viewer !== undefined &&
    ((viewer.role === 'operator' && viewer.org === app.operatorOrg) ||
      (viewer.role === 'authority' && viewer.org === app.authorityOrg));
  return { ...app.applicant, legalRepresentative: seesMask ? { name, idNumberMasked } : { name } };
};

export const applicationView = (app: Application, viewer?: Principal) => {
  const full = seesReviewDetail(app, viewer);
  return {
    id: app.id,
    announcementId: app.announcementId,
    renewalOf: app.renewalOf ?? null,
    operatorOrg: app.operatorOrg,
    mode: app.mode,
    domain: app.domain ?? null,
    reviewerOrg: app.reviewerOrg,
    grantor: app.grantor,
    status: app.status,
    currentStep: app.currentStep,
    applicant: applicantView(app, viewer),
    history: full ? app.history : applicantHistory(app.history),
    panel: full ? (app.panel ?? null) : null,
    panelSize: app.panel?.length ?? null,
    result: app.result ?? null,
    grantId: app.grantId ?? null,
    rejection: app.rejection ?? null,
    withdrawal: app.withdrawal ?? null,
    plan: app.plan,
    version: app.version,
    createdAt: app.createdAt,
    updatedAt: app.updatedAt,
  };
};

/** A review task of the application as its viewer may see it: an expert's task without the expert. */
export const applicationTaskView = <
  T extends { kind: string; assignee: { role: string; org?: string; userId?: string } },
>(
  app: Application,
  viewer: Principal | undefined,
  t: T,
): T => {
  if (seesReviewDetail(app, viewer) || t.assignee.role !== 'expert') return t;
  return { ...t, assignee: { role: t.assignee.role } };
};

export const applicationAudit = (app: Application | undefined) =>
  app
    ? {
        status: app.status,
        currentStep: app.currentStep,
        version: app.version,
        ...(app.rejection ? { rejection: app.rejection } : {}),
        ...(app.grantId ? { grantId: app.grantId } : {}),
      }
    : null;

// ---------------------------------------------------------------------------------------------------
// The workflow's plan (the input every step of state-machines/selection.asl.json reads)

/**
 * Art. 10.3 third-party experts: organisations whose people may not sit on the panel or score — the
 * applicant's and, in domain mode, the granting provider's (which reviews and organises the panel).
 */
export const expertConflicts = (app: Pick<Application, 'operatorOrg' | 'grantor'>): string[] => [
  app.operatorOrg,
  ...(app.grantor.role === 'provider' ? [app.grantor.org] : []),
];

/** Days the authority has to submit a passing review result to the government (Art. 10.3). */
export const RESULT_SUBMISSION_DAYS = 10;

export const workflowPlan = (app: Application) => {
  const context = {
    applicationId: app.id,
    announcementId: app.announcementId,
    announcementTitle: app.plan.announcementTitle,
    operatorOrg: app.operatorOrg,
    operatorName: app.applicant.organisationName,
    // Nobody decides on their own record (functions/tasks/domain.ts): the submitting user never decides.
    submittedBy: app.submittedBy,
    mode: app.mode,
    ...(app.domain ? { domain: app.domain } : {}),
    ...(app.renewalOf ? { renewalOf: app.renewalOf } : {}),
  };
  const name = `${app.applicant.organisationName} — ${app.plan.announcementTitle}`;
  const reviewer = {
    role: app.grantor.role === 'provider' ? 'provider' : 'authority',
    org: app.reviewerOrg,
  };
  // Applications made before a step's deadline was configurable get the default.
  const deadlines = { ...DEFAULT_DEADLINES, ...app.plan.deadlines };
  return {
    applicationId: app.id,
    reviewer,
    // Art. 10.3: the party that reviews qualifications also organises the third-party experts — the
    // authority for comprehensive authorization, the granting provider for domain authorization
    // ("数据提供单位对申请分领域授权的单位进行资格审查，组织第三方专家进行评审").
    panelOrganiser: reviewer,
    authority: { role: 'authority', org: app.authorityOrg },
    government: { role: 'government', ...(app.governmentOrg ? { org: app.governmentOrg } : {}) },
    deadlines: { ...deadlines, resultSubmission: RESULT_SUBMISSION_DAYS },
    titles: {
      qualificationReview: `资格审查 Qualification review: ${name}`,
      expertPanel: `组建专家评审组 Assign the expert panel: ${name}`,
      expertScore: `专家评分 Expert scoring: ${name}`,
      governmentApproval: `政府审定 Government approval: ${name}`,
      resultSubmission: `评审结果报送 Submit the review result to the government: ${name}`,
    },
    context,
    panelContext: { ...context, panelSize: app.plan.panelSize, expertConflicts: expertConflicts(app) },
    // The authority submits (Art. 10.3) per announcement: `announcementId` groups its tasks for
    // POST /tasks/decisions; the result itself is on GET /applications/{id}.
    submissionContext: context,
    scoreContext: {
      ...context,
      expertConflicts: expertConflicts(app),
      criteria: app.plan.criteria,
      applicant: { scenarios: app.applicant.scenarios.map((s) => s.title) },
    },
    grantDraft: {
      step: 'draftGrant',
      applicationId: app.id,
      announcementId: app.announcementId,
      mode: app.mode,
      ...(app.domain ? { domain: app.domain } : {}),
      scope: app.plan.scope,
      grantor: app.grantor,
      operator: { org: app.operatorOrg, name: app.applicant.organisationName },
      ...(app.renewalOf ? { renewalOf: app.renewalOf } : {}),
      ...(app.grantor.org !== app.authorityOrg ? { authorityOrg: app.authorityOrg } : {}),
      // Art. 10.4: signing is a human step with the announcement's deadline, like the review steps.
      signatureDueInDays: deadlines.signing,
    },
  };
};
