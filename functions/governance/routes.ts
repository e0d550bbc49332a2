import type { z } from 'zod';
import {
  GovernanceRequestConfirmed,
  GovernanceRequestEscalated,
  GovernanceRequestFiled,
  GovernanceRequestForwarded,
  GovernanceRequestReopened,
  GovernanceRequestResolved,
} from '../../events/governance.js';
import { catalogRepository } from '../catalog/repository.js';
import { isEffective } from '../entitlements/domain.js';
import { entitlementsRepository } from '../entitlements/repository.js';
import { actorView, principalsOf } from '../shared/actors.js';
import type { Principal } from '../shared/auth.js';
import type { Deps, DomainEvent } from '../shared/deps.js';
import type { Invocation } from '../shared/duty.js';
import { AppError, assertVersion, ForbiddenError, NotFoundError } from '../shared/errors.js';
import { caller, pageReply, type RequestContext, type RouteTable, route } from '../shared/http.js';
import { newId } from '../shared/ids.js';
import { systemActor, Transaction } from '../shared/store.js';
import {
  auditState,
  canSee,
  confirm,
  escalate,
  eventFacts,
  forward,
  type GovernanceRequest,
  isOverdue,
  reopen,
  report,
  resolve,
  viewOf,
} from './domain.js';
import { governanceRepository } from './repository.js';
import {
  ConfirmGovernanceRequest,
  CreateGovernanceRequest,
  ForwardGovernanceRequest,
  GovernanceRequestId,
  GovernanceRequestWithHistory,
  ListGovernanceQuery,
  ReopenGovernanceRequest,
  RespondGovernanceRequest,
} from './schemas.js';

const resource = (id: string) => `governance-request/${id}`;

const load = async (deps: Deps, id: string, p: Principal): Promise<GovernanceRequest> => {
  const r = await governanceRepository(deps).get(id);
  if (!r) throw new NotFoundError('Governance request');
  if (!canSee(r, p)) throw new ForbiddenError('This governance request does not concern your organisation');
  return r;
};

/** One transition: load, check the version, apply the rule, save with its audit event and its event. */
const transition = <S extends z.ZodType<{ version?: number | undefined }>>(
  body: S,
  action: string,
  apply: (r: GovernanceRequest, p: Principal, b: z.infer<S>, now: Date) => GovernanceRequest,
  event: (r: GovernanceRequest, b: z.infer<S>, now: Date) => DomainEvent,
) =>
  route({
    params: GovernanceRequestId,
    body,
    async handle(ctx: RequestContext<z.infer<S>, unknown, { id: string }>) {
      const p = caller(ctx);
      const before = await load(ctx.deps, ctx.params.id, p);
      assertVersion(before, ctx.body.version);
      const after = apply(before, p, ctx.body, ctx.now);
      await governanceRepository(ctx.deps)
        .save(ctx.tx(), after, before.version)
        .audit({ action, resource: resource(after.id), before: auditState(before), after: auditState(after) })
        .publish(event(after, ctx.body, ctx.now))
        .commit();
      return { status: 200, body: viewOf(after) };
    },
  });

export const governanceRoutes: RouteTable = {
  createGovernanceRequest: route({
    body: CreateGovernanceRequest,
    idempotent: true,
    async handle(ctx) {
      const p = caller(ctx);
      const { entryId, kind, description, examples } = ctx.body;
      // Art. 11.1: a problem found while processing data the operator is entitled to.
      const [entitlements, entry] = await Promise.all([
        entitlementsRepository(ctx.deps).entitlementsTo(p.org, entryId),
        catalogRepository(ctx.deps).get(entryId),
      ]);
      const entitlement = entitlements.find((e) => isEffective(e, ctx.now));
      if (!entitlement || !entry)
        throw new ForbiddenError(`You are not entitled to catalog entry ${entryId}`);
      const r = report({
        id: newId('gq', ctx.now),
        principal: p,
        entry: {
          entryId,
          providerOrg: entitlement.providerOrg,
          title: entry.published?.content.title ?? entryId,
        },
        kind,
        description,
        examples,
        now: ctx.now,
      });
      const body = viewOf(r);
      await governanceRepository(ctx.deps)
        .create(ctx.tx(), r)
        .audit({ action: 'governance.report', resource: resource(r.id), before: null, after: auditState(r) })
        .publish(GovernanceRequestFiled.make(eventFacts(r, ctx.now)))
        .commit({ status: 201, body });
      return { status: 201, body, headers: { location: `/governance-requests/${r.id}` } };
    },
  }),

  listGovernanceRequests: route({
    query: ListGovernanceQuery,
    async handle(ctx) {
      const p = caller(ctx);
      const by =
        p.role === 'operator'
          ? { operatorOrg: p.org }
          : p.role === 'provider'
            ? { providerOrg: p.org }
            : ({ all: true } as const);
      const page = await governanceRepository(ctx.deps).list(by, {
        status: ctx.query.status,
        overdue: ctx.query.overdue === undefined ? undefined : ctx.query.overdue === 'true',
        limit: ctx.query.limit,
        cursor: ctx.query.cursor,
      });
      return pageReply(page, viewOf);
    },
  }),

  getGovernanceRequest: route({
    params: GovernanceRequestId,
    response: GovernanceRequestWithHistory,
    async handle(ctx) {
      const r = await load(ctx.deps, ctx.params.id, caller(ctx));
      // Art. 18: each step names its organisation's principal responsible person (one BatchGet).
      const resolve = await principalsOf(
        ctx.deps,
        r.history.map((h) => h.org),
      );
      const view = viewOf(r);
      return {
        status: 200,
        body: {
          ...view,
          history: r.history.map((h) => ({
            ...h,
            actor: actorView({ userId: h.by, org: h.org, role: h.role }, resolve),
          })),
        },
      };
    },
  }),

  forwardGovernanceRequest: transition(
    ForwardGovernanceRequest,
    'governance.forward',
    (r, p, b, now) => forward(r, p, b.deadlineDays, b.note, now),
    (r, _b, now) => GovernanceRequestForwarded.make(eventFacts(r, now)),
  ),
  respondGovernanceRequest: transition(
    RespondGovernanceRequest,
    'governance.resolve',
    (r, p, b, now) => resolve(r, p, b.response, now),
    (r, _b, now) => GovernanceRequestResolved.make(eventFacts(r, now)),
  ),
  confirmGovernanceRequest: transition(
    ConfirmGovernanceRequest,
    'governance.confirm',
    (r, p, b, now) => confirm(r, p, b.note, now),
    (r, _b, now) => GovernanceRequestConfirmed.make(eventFacts(r, now)),
  ),
  reopenGovernanceRequest: transition(
    ReopenGovernanceRequest,
    'governance.reopen',
    (r, p, b, now) => reopen(r, p, b.reason, now),
    (r, b, now) => GovernanceRequestReopened.make({ ...eventFacts(r, now), reason: b.reason }),
  ),
};

export const OVERDUE_JOB = 'governance-overdue';

/** Daily (Art. 11.1): flags forwarded requests past their deadline and raises the escalation event, once each. */
export const escalateOverdue = async ({ deps, requestId }: Invocation) => {
  const repo = governanceRepository(deps);
  const now = deps.clock.now();
  const candidates = (await repo.overdue(now)).filter((r) => isOverdue(r, now));
  let escalated = 0;
  for (const r of candidates) {
    const after = escalate(r, now);
    const tx = new Transaction(deps, { principal: systemActor(OVERDUE_JOB), requestId, now });
    try {
      await repo
        .save(tx, after, r.version)
        .audit({
          action: 'governance.escalate',
          resource: resource(r.id),
          before: auditState(r),
          after: auditState(after),
        })
        .publish(GovernanceRequestEscalated.make(eventFacts(after, now)))
        .commit();
      escalated++;
    } catch (e) {
      // Resolved or escalated meanwhile.
      if (!(e instanceof AppError)) throw e;
    }
  }
  return { escalated };
};
