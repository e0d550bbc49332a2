import {
  GrantActivated,
  GrantExitConfirmed,
  GrantReinstated,
  GrantSuspended,
  GrantTerminated,
} from '../../events/grants.js';
import { resourceHistory, withAuditHistory } from '../shared/actors.js';
import type { Principal } from '../shared/auth.js';
import { listedReason, listingsInForce, subjectKeys } from '../shared/credit-screen.js';
import type { Deps, DomainEvent } from '../shared/deps.js';
import {
  assertVersion,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  StaleVersionError,
} from '../shared/errors.js';
import { caller, pageReply, type RequestContext, type RouteTable, route } from '../shared/http.js';
import {
  auditState,
  canView,
  confirmExit,
  eventFacts,
  type Grant,
  markRenewed,
  publicViewOf,
  reinstate,
  sign,
  suspend,
  terminate,
  viewOf,
} from './domain.js';
import { grantsRepository } from './repository.js';
import {
  ConfirmExit,
  GrantId,
  ListGrantsQuery,
  PublicGrantsQuery,
  ReinstateGrant,
  SignGrant,
  SuspendGrant,
  TerminateGrant,
} from './schemas.js';

export const grantResource = (id: string) => `grant/${id}`;

const load = async (deps: Deps, id: string): Promise<Grant> => {
  const g = await grantsRepository(deps).get(id, true);
  if (!g) throw new NotFoundError('Grant');
  return g;
};

type Ctx<B> = RequestContext<B, unknown, { id: string }>;

/**
 * Applies one transition to a grant in a transaction with its audit event and domain events (outbox).
 * Without an explicit `version` from the caller, a concurrent change (e.g. the workflow storing its
 * callback token) is retried on the fresh grant, where the rule is checked again.
 */
const transition = async <B extends { version?: number | undefined }>(
  ctx: Ctx<B>,
  action: string,
  apply: (g: Grant, p: Principal) => Grant,
  events: (after: Grant) => DomainEvent[],
  extra?: (tx: ReturnType<Ctx<B>['tx']>, before: Grant, after: Grant) => Promise<void>,
): Promise<{ before: Grant; after: Grant }> => {
  const repo = grantsRepository(ctx.deps);
  for (let attempt = 0; ; attempt++) {
    const before = await load(ctx.deps, ctx.params.id);
    assertVersion(before, ctx.body.version);
    const after = apply(before, caller(ctx));
    const tx = repo
      .save(ctx.tx(), after, before.version)
      .audit({
        action,
        resource: grantResource(after.id),
        before: auditState(before),
        after: auditState(after),
      })
      .publish(...events(after));
    await extra?.(tx, before, after);
    try {
      await tx.commit();
      return { before, after };
    } catch (e) {
      if (!(e instanceof StaleVersionError) || ctx.body.version !== undefined || attempt >= 2) throw e;
    }
  }
};

/** The grants duty's HTTP routes, keyed by the operationIds of infra/system.ts. */
export const grantsRoutes: RouteTable = {
  getGrant: route({
    params: GrantId,
    response: withAuditHistory(),
    async handle(ctx) {
      const g = await load(ctx.deps, ctx.params.id);
      if (!canView(g, caller(ctx)))
        throw new ForbiddenError('Only the parties, the authority and regulators see a grant');
      // Art. 8: scope entries withdrawn or restricted since, recorded from the catalog's events.
      const repo = grantsRepository(ctx.deps);
      // Art. 9: credit list entries the operator was put on while the grant ran, with their review.
      const [scopeEnded, creditListings, { history, historyComplete }] = await Promise.all([
        repo.scopeEnded(g.id),
        repo.creditListings(g.id),
        // Art. 18: who acted on the grant, with each organisation's 主要负责人.
        resourceHistory(ctx.deps, grantResource(g.id)),
      ]);
      return {
        status: 200,
        body: {
          ...viewOf(g, ctx.now),
          scopeEnded: scopeEnded.map(({ catalogVersion: _v, ...r }) => r),
          creditListings,
          history,
          historyComplete,
        },
        headers: { etag: `"${g.version}"` },
      };
    },
  }),

  listGrants: route({
    query: ListGrantsQuery,
    async handle(ctx) {
      const p = caller(ctx);
      const { status, operator, limit, cursor } = ctx.query;
      const repo = grantsRepository(ctx.deps);
      if (operator && p.role === 'operator' && operator !== p.org)
        throw new ForbiddenError('An operator sees only its own grants');
      // Least privilege: an operator sees its own grants, a provider those it granted (to one
      // operator when asked: filtered in the query, so pages stay full).
      const by =
        p.role === 'operator'
          ? { operatorOrg: p.org }
          : p.role === 'provider'
            ? { grantorOrg: p.org, ...(operator ? { operatorOrg: operator } : {}) }
            : operator
              ? { operatorOrg: operator }
              : ({ all: true } as const);
      const page = await repo.list(by, { ...(status ? { status } : {}), limit, cursor });
      return pageReply(page, (g) => viewOf(g, ctx.now));
    },
  }),

  listPublicGrants: route({
    query: PublicGrantsQuery,
    async handle(ctx) {
      const { mode, domain, limit, cursor } = ctx.query;
      const page = await grantsRepository(ctx.deps).listPublic({
        ...(mode ? { mode } : {}),
        ...(domain ? { domain } : {}),
        limit,
        cursor,
      });
      return pageReply(page, publicViewOf, { 'cache-control': 'public, max-age=60' });
    },
  }),

  signGrant: route({
    params: GrantId,
    body: SignGrant,
    async handle(ctx) {
      const repo = grantsRepository(ctx.deps);
      const { after } = await transition(
        ctx,
        'grant.sign',
        (g, p) => sign(g, p, ctx.now),
        (signed) =>
          signed.status === 'active'
            ? [
                GrantActivated.make({
                  ...eventFacts(signed, ctx.now),
                  applicationId: signed.applicationId,
                  ...(signed.renewalOf ? { renewalOf: signed.renewalOf } : {}),
                }),
              ]
            : [],
        async (tx, _before, signed) => {
          if (signed.status !== 'active') return;
          // Art. 9: screened again when the agreement would take effect; a listing since the selection
          // keeps it from taking effect (409, the grant stays unsigned by the second party).
          const [listing] = await listingsInForce(ctx.deps, subjectKeys(signed.operatorOrg), ctx.now);
          if (listing) throw new ConflictError(listedReason(listing, '协议生效时'), 'operator_listed');
          // Renewal: the old grant records its successor in the same transaction.
          if (!signed.renewalOf) return;
          const old = await repo.get(signed.renewalOf, true);
          if (!old) throw new NotFoundError('Renewed grant');
          const renewed = markRenewed(old, signed.id, ctx.now);
          repo.save(tx, renewed, old.version).audit({
            action: 'grant.renewed',
            resource: grantResource(old.id),
            before: auditState(old),
            after: auditState(renewed),
          });
        },
      );
      if (after.status === 'active') await answerSignatureWorkflow(ctx.deps, after);
      return { status: 200, body: viewOf(after, ctx.now) };
    },
  }),

  suspendGrant: route({
    params: GrantId,
    body: SuspendGrant,
    async handle(ctx) {
      const { after } = await transition(
        ctx,
        'grant.suspend',
        (g, p) => suspend(g, p, ctx.body.reason, ctx.now),
        (g) => [GrantSuspended.make({ ...eventFacts(g, ctx.now), reason: ctx.body.reason })],
      );
      return { status: 200, body: viewOf(after, ctx.now) };
    },
  }),

  reinstateGrant: route({
    params: GrantId,
    body: ReinstateGrant,
    async handle(ctx) {
      const { after } = await transition(
        ctx,
        'grant.reinstate',
        (g, p) => reinstate(g, p, ctx.body.reason, ctx.now),
        (g) => [
          GrantReinstated.make({
            ...eventFacts(g, ctx.now),
            ...(ctx.body.reason ? { reason: ctx.body.reason } : {}),
          }),
        ],
      );
      return { status: 200, body: viewOf(after, ctx.now) };
    },
  }),

  terminateGrant: route({
    params: GrantId,
    body: TerminateGrant,
    async handle(ctx) {
      const { after } = await transition(
        ctx,
        'grant.terminate',
        (g, p) => terminate(g, p, ctx.body.reason, ctx.now),
        (g) => [GrantTerminated.make({ ...eventFacts(g, ctx.now), reason: ctx.body.reason })],
      );
      // A workflow still waiting for signatures learns that the agreement will never be signed.
      await answerSignatureWorkflow(ctx.deps, after);
      return { status: 200, body: viewOf(after, ctx.now) };
    },
  }),

  confirmGrantExit: route({
    created: true,
    params: GrantId,
    body: ConfirmExit,
    async handle(ctx) {
      const { after } = await transition(
        ctx,
        'grant.exit-confirm',
        (g, p) => confirmExit(g, p, ctx.body.item, ctx.body.note, ctx.now),
        (g) => [
          GrantExitConfirmed.make({
            ...eventFacts(g, ctx.now),
            item: ctx.body.item,
            party: g.exitConfirmations[ctx.body.item]?.party ?? 'operator',
            complete: !!g.exitCompletedAt,
          }),
        ],
      );
      return { status: 201, body: viewOf(after, ctx.now), headers: { location: `/grants/${after.id}` } };
    },
  }),
};

/**
 * Answers the selection workflow waiting in `awaitSignatures`. A token from before a restart is
 * unknown to the engine: the replayed execution asks again and is answered from the grant's status.
 */
export const answerSignatureWorkflow = async (deps: Deps, g: Grant): Promise<void> => {
  if (!g.signatureToken) return;
  try {
    await deps.workflows.succeed(g.signatureToken, { grantId: g.id, status: g.status });
  } catch (e) {
    deps.logger.warn('The signature workflow could not be answered; a replay will be', {
      grantId: g.id,
      error: e as Error,
    });
  }
};
