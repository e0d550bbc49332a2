/**
 * The applications duty's steps in the `selection` state machine (state-machines/selection.asl.json).
 * Every step is idempotent: the local runtime replays an execution from its start after a restart, and a
 * replayed step records nothing twice (history entries have unique keys, `currentStep` only moves
 * forward, events are published only when something changed). A withdrawn application makes every step
 * throw `ApplicationWithdrawn`, which the state machine catches to end the execution.
 */
import * as z from 'zod';
import { ApplicationApproved, ApplicationRejected } from '../../events/applications.js';
import { listedReason, listingsInForce, subjectKeys } from '../shared/credit-screen.js';
import type { Deps, DomainEvent } from '../shared/deps.js';
import type { Invocation, StepInvocation } from '../shared/duty.js';
import { NotFoundError, StaleVersionError } from '../shared/errors.js';
import { systemActor, Transaction } from '../shared/store.js';
import {
  type Application,
  advance,
  applicationAudit,
  approveApplication,
  draftFailureReason,
  expertRejectionReason,
  failureMessage,
  recordExpertReview,
  rejectApplication,
  SELECTION_TAKEN_REASON,
  STEPS,
  signingRejectionReason,
  type TaskOutcome,
  type Transition,
  takesSelectionSlot,
  workflowPlan,
} from './domain.js';
import { readGrant } from './grants-reader.js';
import { applicationsRepository } from './repository.js';
import { expertTotal, panelResult } from './scoring.js';

const Step = z.enum(STEPS);
const Outcome = z
  .object({
    taskId: z.string(),
    decision: z.enum(['approve', 'reject']),
    reason: z.string().optional(),
    comment: z.string().optional(),
    score: z.number().optional(),
    scores: z.record(z.string(), z.number()).optional(),
    experts: z.array(z.string()).optional(),
    decidedBy: z.object({ userId: z.string(), role: z.string(), org: z.string() }).optional(),
    decidedAt: z.string().optional(),
  })
  .loose();

const Begin = z.object({ applicationId: z.string() });
const Advance = z.object({
  applicationId: z.string(),
  /** The step entered (`step` itself names this handler). */
  enter: Step,
  completed: Step.optional(),
  outcome: Outcome.optional(),
  grantId: z.string().optional(),
});
const ScoreExperts = z.object({ applicationId: z.string(), scores: z.array(Outcome).min(1) });
const Reject = z.object({
  applicationId: z.string(),
  rejection: z.object({
    step: Step,
    outcome: Outcome.optional(),
    reason: z.string().optional(),
    /** A failed step's error as a state machine Catch hands it over; its message is the reason. */
    failure: z.object({ Error: z.string(), Cause: z.string().optional() }).optional(),
    /** What failed: `grant-draft` when the agreement could not be drafted. */
    failed: z.enum(['grant-draft']).optional(),
    /** Art. 10.4: the signatures ended without an active grant (e.g. it was terminated while signing). */
    signing: z.object({ grantId: z.string(), status: z.string() }).optional(),
  }),
});
const Approve = z.object({ applicationId: z.string(), grantId: z.string() });

export const applicationResource = (id: string) => `application/${id}`;

const outcomeOf = (o: z.infer<typeof Outcome>): TaskOutcome => ({
  taskId: o.taskId,
  decision: o.decision,
  ...(o.reason ? { reason: o.reason } : {}),
  ...(o.comment ? { comment: o.comment } : {}),
  ...(typeof o.score === 'number' ? { score: o.score } : {}),
  ...(o.experts ? { experts: o.experts } : {}),
  ...(o.decidedBy ? { decidedBy: o.decidedBy } : {}),
  ...(o.decidedAt ? { decidedAt: o.decidedAt } : {}),
});

const isTransactionConflict = (e: unknown): boolean =>
  (e as { name?: string }).name === 'TransactionCanceledException' &&
  !!(e as { CancellationReasons?: { Code?: string }[] }).CancellationReasons?.some(
    (r) => r.Code === 'TransactionConflict',
  );

/**
 * Applies a transition to the stored application: read, decide (pure), write with its audit event in one
 * conditional transaction with its domain events (the outbox). A concurrent change (e.g. a withdrawal)
 * is re-read.
 */
const transition = async (
  deps: Deps,
  requestId: string,
  id: string,
  action: string,
  decide: (app: Application) => Transition,
  events: (app: Application) => DomainEvent[] = () => [],
): Promise<Application> => {
  const repo = applicationsRepository(deps);
  for (let attempt = 0; ; attempt++) {
    const before = await repo.getApplication(id);
    if (!before) throw new NotFoundError(`Application ${id}`);
    const { app, changed } = decide(before);
    if (!changed) return app;
    const tx = new Transaction(deps, {
      principal: systemActor('selection'),
      requestId,
      now: deps.clock.now(),
    });
    try {
      await repo
        .saveApplication(tx, app, before)
        .audit({
          action,
          resource: applicationResource(id),
          before: applicationAudit(before),
          after: applicationAudit(app),
        })
        .publish(...events(app))
        .commit();
    } catch (e) {
      // A concurrent change (stale version), or DynamoDB cancelling one of two transactions racing for
      // the same item (e.g. Art. 5: two applications entering signing): read again and decide again.
      if ((e instanceof StaleVersionError || isTransactionConflict(e)) && attempt < 3) continue;
      throw e;
    }
    return app;
  }
};

/** What every application event names. */
export const applicationRef = (app: Application) => ({
  applicationId: app.id,
  announcementId: app.announcementId,
  operatorOrg: app.operatorOrg,
  ...(app.renewalOf ? { renewalOf: app.renewalOf } : {}),
});

/**
 * The reason a rejection records: the reviewer's (outcome), the workflow's (reason), a failed step's
 * error message, or the status the agreement ended in while being signed (Art. 10.4).
 */
const rejectionReason = async (
  deps: Deps,
  r: z.infer<typeof Reject>['rejection'],
): Promise<string | undefined> => {
  if (r.reason) return r.reason;
  if (r.failure) {
    const message = failureMessage(r.failure);
    return r.failed === 'grant-draft' ? draftFailureReason(message) : message;
  }
  if (r.signing) {
    const grant = await readGrant(deps, r.signing.grantId);
    return signingRejectionReason(grant?.status ?? r.signing.status, grant?.termination?.reason);
  }
  return undefined;
};

/** A listing found when screening again at government approval (the state machine catches it). */
export class CreditListed extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'CreditListed';
  }
}

const screenAgain = async (deps: Deps, applicationId: string): Promise<void> => {
  const app = await applicationsRepository(deps).getApplication(applicationId);
  if (app?.currentStep !== 'government-approval') return; // replayed: already past (or gone)
  const rep = app.applicant.legalRepresentative;
  const keys = subjectKeys(app.operatorOrg, { personKey: rep.idNumberKey, name: rep.name });
  const [listing] = await listingsInForce(deps, keys, deps.clock.now());
  if (listing) throw new CreditListed(listedReason(listing, '政府审定时'));
};

export const applicationSteps = {
  /** First step: the application enters qualification review; returns the plan every later state reads. */
  async begin(raw: StepInvocation, { deps, requestId }: Invocation) {
    const { applicationId } = Begin.parse(raw);
    const app = await transition(deps, requestId, applicationId, 'application.advance', (a) =>
      advance(a, { step: 'qualification-review' }, deps.clock.now()),
    );
    return workflowPlan(app);
  },

  /**
   * A human step was decided (approved) and the next one is entered. Entering signing (the government
   * approved), the applicant is screened again (Art. 9): a listing since submission fails the step
   * with `CreditListed`, and the workflow records the rejection.
   */
  async advance(raw: StepInvocation, { deps, requestId }: Invocation) {
    const input = Advance.parse(raw);
    if (input.enter === 'signing') await screenAgain(deps, input.applicationId);
    const app = await transition(deps, requestId, input.applicationId, 'application.advance', (a) =>
      advance(
        a,
        {
          step: input.enter,
          ...(input.completed ? { completed: input.completed } : {}),
          ...(input.outcome ? { outcome: outcomeOf(input.outcome) } : {}),
          ...(input.grantId ? { grantId: input.grantId } : {}),
        },
        deps.clock.now(),
      ),
    );
    return { currentStep: app.currentStep, status: app.status };
  },

  /**
   * Art. 10.3: every expert scored; their totals are recomputed from the application's own criteria,
   * averaged and compared with the pass mark. A passing result is submitted to the government.
   */
  async scoreExperts(raw: StepInvocation, { deps, requestId }: Invocation) {
    const { applicationId, scores } = ScoreExperts.parse(raw);
    const repo = applicationsRepository(deps);
    const stored = await repo.getApplication(applicationId);
    if (!stored) throw new NotFoundError(`Application ${applicationId}`);
    const outcomes = scores.map((o) => {
      const total = o.scores ? expertTotal(stored.plan.criteria, o.scores) : undefined;
      const score = total?.ok ? total.total : o.score;
      if (typeof score !== 'number') throw new Error(`Expert task ${o.taskId} carries no valid scores`);
      return { ...outcomeOf(o), score };
    });
    const result = panelResult(
      outcomes.map((o) => o.score),
      stored.plan.passMark,
    );
    // Art. 5: a domain announcement whose operator is already selected submits no further result to the
    // government (the binding check is the slot taken on entering signing, see repository.saveApplication).
    const slot =
      result.passed && takesSelectionSlot(stored)
        ? await repo.getSelection(stored.announcementId)
        : undefined;
    const selectable = !(slot?.held && slot.applicationId !== stored.id);
    await transition(deps, requestId, applicationId, 'application.expert-review', (a) =>
      recordExpertReview(a, outcomes, result, deps.clock.now(), selectable),
    );
    const reason = !result.passed
      ? expertRejectionReason(result)
      : !selectable
        ? SELECTION_TAKEN_REASON
        : undefined;
    return { ...result, selectable, ...(reason ? { reason } : {}) };
  },

  /** Rejection at any step: records the decision and the reason, ends the application. */
  async reject(raw: StepInvocation, { deps, requestId }: Invocation) {
    const { applicationId, rejection } = Reject.parse(raw);
    const reason = await rejectionReason(deps, rejection);
    const app = await transition(
      deps,
      requestId,
      applicationId,
      'application.reject',
      (a) =>
        rejectApplication(
          a,
          {
            step: rejection.step,
            ...(rejection.outcome ? { outcome: outcomeOf(rejection.outcome) } : {}),
            ...(reason ? { reason } : {}),
          },
          deps.clock.now(),
        ),
      (a) => [
        ApplicationRejected.make({
          ...applicationRef(a),
          step: rejection.step,
          reason: a.rejection?.reason ?? 'Rejected',
        }),
      ],
    );
    return { status: app.status, step: rejection.step };
  },

  /** Both parties signed: the application is approved with its grant (Art. 10.5). */
  async approve(raw: StepInvocation, { deps, requestId }: Invocation) {
    const { applicationId, grantId } = Approve.parse(raw);
    const app = await transition(
      deps,
      requestId,
      applicationId,
      'application.approve',
      (a) => approveApplication(a, grantId, deps.clock.now()),
      (a) => [ApplicationApproved.make({ ...applicationRef(a), grantId })],
    );
    return { status: app.status, grantId };
  },
};
