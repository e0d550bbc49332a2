import type { z } from 'zod';
import {
  ReportAccepted,
  ReportCorrected,
  ReportSubmitted,
  ReportSupplementRequested,
} from '../../events/reports.js';
import { actorView, principalsOf } from '../shared/actors.js';
import type { Principal } from '../shared/auth.js';
import type { Deps, DomainEvent } from '../shared/deps.js';
import { assertVersion, ForbiddenError, NotFoundError } from '../shared/errors.js';
import { caller, expectedVersion, type RequestContext, type RouteTable, route } from '../shared/http.js';
import type { Transaction } from '../shared/store.js';
import {
  answerSupplement,
  auditState,
  canSee,
  correct,
  editDraft,
  eventFacts,
  isOverdue,
  type Report,
  review,
  submit,
  viewOf,
} from './domain.js';
import { reportsRepository } from './repository.js';
import {
  AnswerSupplement,
  CorrectReport,
  EditReport,
  ListReportsQuery,
  ReportId,
  ReportWithRevisions,
  ReviewReport,
  SubmitReport,
} from './schemas.js';

export const reportResource = (id: string) => `report/${id}`;

const load = async (deps: Deps, id: string, p: Principal): Promise<Report> => {
  const r = await reportsRepository(deps).get(id, true);
  if (!r) throw new NotFoundError('Report');
  if (!canSee(r, p)) throw new ForbiddenError('This report does not concern your organisation');
  return r;
};

/** One transition: load, check the version, apply the rule, save with its audit event and events. */
const transition = <S extends z.ZodType<{ version?: number | undefined }>>(
  body: S,
  action: string,
  apply: (r: Report, p: Principal, b: z.infer<S>, now: Date) => Report,
  event?: (after: Report, b: z.infer<S>, now: Date) => DomainEvent,
  extra?: (tx: Transaction, before: Report, deps: Deps) => void,
) =>
  route({
    params: ReportId,
    body,
    async handle(ctx: RequestContext<z.infer<S>, unknown, { id: string }>) {
      const p = caller(ctx);
      const before = await load(ctx.deps, ctx.params.id, p);
      assertVersion(before, expectedVersion(ctx.body, ctx.headers));
      const after = apply(before, p, ctx.body, ctx.now);
      const tx = ctx.tx();
      extra?.(tx, before, ctx.deps);
      reportsRepository(ctx.deps)
        .save(tx, after, before.version)
        .audit({
          action,
          resource: reportResource(after.id),
          before: auditState(before),
          after: auditState(after),
        });
      if (event) tx.publish(event(after, ctx.body, ctx.now));
      await tx.commit();
      return { status: 200, body: viewOf(after) };
    },
  });

export const reportsRoutes: RouteTable = {
  listReports: route({
    query: ListReportsQuery,
    async handle(ctx) {
      const p = caller(ctx);
      const supervisor = p.role === 'authority' || p.role === 'regulator';
      const page = await reportsRepository(ctx.deps).list({
        ...(supervisor ? {} : p.role === 'operator' ? { operatorOrg: p.org } : { grantorOrg: p.org }),
        ...(ctx.query.grantId ? { grantId: ctx.query.grantId } : {}),
        ...(ctx.query.status ? { status: ctx.query.status } : {}),
        limit: ctx.query.limit,
        cursor: ctx.query.cursor,
      });
      const wanted = ctx.query.overdue;
      const items = page.items
        .filter((r) => wanted === undefined || isOverdue(r) === (wanted === 'true'))
        .map(viewOf);
      return { status: 200, body: { items, nextCursor: page.nextCursor } };
    },
  }),

  getReport: route({
    params: ReportId,
    response: ReportWithRevisions,
    async handle(ctx) {
      const r = await load(ctx.deps, ctx.params.id, caller(ctx));
      const revisions = await reportsRepository(ctx.deps).revisions(r.id);
      // Art. 18: who submitted and who reviewed each revision, with the 主要负责人 (one BatchGet).
      const all = [r, ...revisions];
      const resolve = await principalsOf(
        ctx.deps,
        all.flatMap((x) => [x.operatorOrg, x.review?.org]),
      );
      const attributed = (x: Report) => ({
        actor: x.submittedBy
          ? actorView({ userId: x.submittedBy, org: x.operatorOrg, role: 'operator' }, resolve)
          : null,
        review: x.review
          ? {
              ...x.review,
              actor: actorView({ userId: x.review.by, org: x.review.org, role: 'authority' }, resolve),
            }
          : null,
      });
      return {
        status: 200,
        body: {
          ...viewOf(r),
          ...attributed(r),
          revisions: revisions.map((x) => ({ ...x, ...attributed(x) })),
        },
      };
    },
  }),

  editReport: transition(EditReport, 'report.edit', (r, p, b, now) => editDraft(r, p, b, now)),

  submitReport: transition(
    SubmitReport,
    'report.submit',
    (r, p, _b, now) => submit(r, p, now),
    (after, _b, now) => ReportSubmitted.make({ ...eventFacts(after, now), late: after.late ?? false }),
  ),

  /** The old revision is archived unchanged in the same transaction as the new draft. */
  correctReport: transition(
    CorrectReport,
    'report.correct',
    (r, p, b, now) => correct(r, p, b.reason, now),
    (after, _b, now) => ReportCorrected.make(eventFacts(after, now)),
    (tx, before, deps) => reportsRepository(deps).archive(tx, before),
  ),

  reviewReport: transition(
    ReviewReport,
    'report.review',
    (r, p, b, now) => review(r, p, b, now),
    (after, b, now) =>
      b.decision === 'accept'
        ? ReportAccepted.make(eventFacts(after, now))
        : ReportSupplementRequested.make({
            ...eventFacts(after, now),
            request: b.request,
            supplementDueBy: after.supplements.at(-1)?.dueBy ?? b.dueBy,
          }),
  ),

  answerReportSupplement: transition(
    AnswerSupplement,
    'report.supplement',
    (r, p, b, now) => answerSupplement(r, p, b, now),
    (after, _b, now) => ReportSubmitted.make({ ...eventFacts(after, now), late: after.late ?? false }),
  ),
};
