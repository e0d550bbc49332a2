import { EvaluationFailed, EvaluationOpened, EvaluationRectified } from '../../events/evaluations.js';
import { grantsRepository } from '../grants/repository.js';
import type { Principal } from '../shared/auth.js';
import type { Deps, DomainEvent } from '../shared/deps.js';
import { ForbiddenError, NotFoundError } from '../shared/errors.js';
import {
  caller,
  expectedVersion,
  pageReply,
  type RequestContext,
  type RouteTable,
  route,
} from '../shared/http.js';
import { newId } from '../shared/ids.js';
import {
  auditState,
  canView,
  type Evaluation,
  eventFacts,
  openEvaluation,
  recordResult,
  reportRectification,
  reviewRectification,
  submitMaterials,
  viewOf,
} from './domain.js';
import { evaluationsRepository } from './repository.js';
import {
  EvaluationId,
  ListEvaluationsQuery,
  OpenEvaluation,
  RecordResult,
  ReportRectification,
  ReviewRectification,
  SubmitMaterials,
} from './schemas.js';

export const evaluationResource = (id: string) => `evaluation/${id}`;

const load = async (deps: Deps, id: string): Promise<Evaluation> => {
  const e = await evaluationsRepository(deps).get(id, true);
  if (!e) throw new NotFoundError('Evaluation');
  return e;
};

type Ctx<B> = RequestContext<B, unknown, { id: string }>;

/** Applies one transition in a transaction with its audit event and domain events (outbox). */
const transition = async <B extends { version?: number | undefined }>(
  ctx: Ctx<B>,
  action: string,
  apply: (e: Evaluation, p: Principal, expected: number | undefined) => Evaluation,
  events: (after: Evaluation) => DomainEvent[] = () => [],
): Promise<Evaluation> => {
  const before = await load(ctx.deps, ctx.params.id);
  const p = caller(ctx);
  // An operator learns nothing about another operator's evaluations.
  if (!canView(before, p)) throw new ForbiddenError('This evaluation concerns another operator');
  const after = apply(before, p, expectedVersion(ctx.body, ctx.headers));
  await evaluationsRepository(ctx.deps)
    .save(ctx.tx(), after, before.version)
    .audit({
      action,
      resource: evaluationResource(after.id),
      before: auditState(before),
      after: auditState(after),
    })
    .publish(...events(after))
    .commit();
  return after;
};

const reply = (e: Evaluation) => ({
  status: 200,
  body: viewOf(e),
  headers: { etag: `"${e.version}"` },
});

/** The evaluations duty's HTTP routes (Art. 13-14), keyed by the operationIds of infra/system.ts. */
export const evaluationsRoutes: RouteTable = {
  openEvaluation: route({
    body: OpenEvaluation,
    idempotent: true,
    async handle(ctx) {
      const grant = await grantsRepository(ctx.deps).get(ctx.body.grantId, true);
      if (!grant) throw new NotFoundError('Grant');
      const e = openEvaluation({
        id: newId('ev', ctx.now),
        principal: caller(ctx),
        grant,
        period: ctx.body.period,
        scope: ctx.body.scope,
        materialsDueAt: ctx.body.materialsDueAt,
        now: ctx.now,
      });
      const body = viewOf(e);
      await evaluationsRepository(ctx.deps)
        .create(ctx.tx(), e)
        .audit({
          action: 'evaluation.open',
          resource: evaluationResource(e.id),
          before: null,
          after: auditState(e),
        })
        .publish(EvaluationOpened.make({ ...eventFacts(e, ctx.now), materialsDueAt: e.materialsDueAt }))
        .commit({ status: 201, body });
      return { status: 201, body, headers: { location: `/evaluations/${e.id}` } };
    },
  }),

  listEvaluations: route({
    query: ListEvaluationsQuery,
    async handle(ctx) {
      const p = caller(ctx);
      const { status, grantId, limit, cursor } = ctx.query;
      // Least privilege: an operator sees its own evaluations only.
      const by =
        p.role === 'operator' ? { operatorOrg: p.org } : grantId ? { grantId } : ({ all: true } as const);
      const page = await evaluationsRepository(ctx.deps).list(by, {
        ...(status ? { status } : {}),
        ...(grantId ? { grantId } : {}),
        limit,
        cursor,
      });
      return pageReply(page, viewOf);
    },
  }),

  getEvaluation: route({
    params: EvaluationId,
    async handle(ctx) {
      const e = await load(ctx.deps, ctx.params.id);
      if (!canView(e, caller(ctx))) throw new ForbiddenError('This evaluation concerns another operator');
      return reply(e);
    },
  }),

  submitEvaluationMaterials: route({
    created: true,
    params: EvaluationId,
    body: SubmitMaterials,
    async handle(ctx) {
      const after = await transition(ctx, 'evaluation.materials', (e, p, v) =>
        submitMaterials(e, p, ctx.body, v, ctx.now),
      );
      return { ...reply(after), status: 201 };
    },
  }),

  recordEvaluationResult: route({
    params: EvaluationId,
    body: RecordResult,
    async handle(ctx) {
      const after = await transition(
        ctx,
        `evaluation.${ctx.body.outcome}`,
        (e, p, v) => recordResult(e, p, ctx.body, v, ctx.now),
        // Art. 14: 责令改正，并暂时停止其公共数据使用权限 (the grants function suspends on this event).
        (e) =>
          e.status === 'rectifying' && e.result
            ? [
                EvaluationFailed.make({
                  ...eventFacts(e, ctx.now),
                  findings: [...e.result.findings],
                  rectifyBy: e.result.rectifyBy ?? '',
                }),
              ]
            : [],
      );
      return reply(after);
    },
  }),

  reportRectification: route({
    created: true,
    params: EvaluationId,
    body: ReportRectification,
    async handle(ctx) {
      const after = await transition(ctx, 'evaluation.rectification-report', (e, p, v) =>
        reportRectification(e, p, ctx.body, v, ctx.now),
      );
      return { ...reply(after), status: 201 };
    },
  }),

  reviewRectification: route({
    params: EvaluationId,
    body: ReviewRectification,
    async handle(ctx) {
      const after = await transition(
        ctx,
        `evaluation.rectification-${ctx.body.decision}`,
        (e, p, v) => reviewRectification(e, p, ctx.body, v, ctx.now),
        // Art. 14: rectified: the grants function reinstates the data-use rights.
        (e) => (e.status === 'closed' ? [EvaluationRectified.make(eventFacts(e, ctx.now))] : []),
      );
      return reply(after);
    },
  }),
};
