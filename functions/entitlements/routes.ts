import { DemandFiled } from '../../events/demands.js';
import { isAuthorizable } from '../catalog/domain.js';
import { catalogRepository } from '../catalog/repository.js';
import { grantsRepository } from '../grants/repository.js';
import { resourceHistory, withAuditHistory } from '../shared/actors.js';
import type { Principal } from '../shared/auth.js';
import type { Deps } from '../shared/deps.js';
import { ForbiddenError, NotFoundError } from '../shared/errors.js';
import { caller, pageReply, type RouteTable, route } from '../shared/http.js';
import { newId } from '../shared/ids.js';
import {
  canSeeDemand,
  checkDemand,
  type Demand,
  demandAudit,
  demandView,
  type Entitlement,
  entitlementView,
  fileDemand,
  isEffective,
} from './domain.js';
import { entitlementsRepository } from './repository.js';
import {
  CheckEntitlementQuery,
  CreateDemand,
  DemandId,
  ListDemandsQuery,
  ListEntitlementsQuery,
} from './schemas.js';

export const DEMAND_REVIEW = 'data-demand-review';
export const demandResource = (id: string) => `data-demand/${id}`;

/** Least privilege: whose records a caller lists. */
const listScope = (p: Principal): { operatorOrg: string } | { providerOrg: string } | { all: true } =>
  p.role === 'operator'
    ? { operatorOrg: p.org }
    : p.role === 'provider'
      ? { providerOrg: p.org }
      : { all: true };

/** The input of the review workflow: what each parallel review task shows its reviewer. */
export const reviewInput = (d: Demand) => ({
  demandId: d.id,
  operatorOrg: d.operatorOrg,
  // Nobody decides on their own record: the filing user never reviews the demand (functions/tasks).
  submittedBy: d.createdBy,
  grantId: d.grantId,
  title: `数据需求审核 Data demand: ${d.scenario.title}`,
  entries: d.entries,
  scenario: { title: d.scenario.title, description: d.scenario.description },
  reviewers: d.reviewers,
});

/**
 * "Is operator X entitled to entry Y now": one Query on the pair's partition (a handful of items),
 * evaluated at `now`. Used by the check route and the `checkEntitlement` step.
 */
export const entitlementNow = async (
  deps: Deps,
  operatorOrg: string,
  entryId: string,
  now: Date,
): Promise<Entitlement | undefined> => {
  const found = (await entitlementsRepository(deps).entitlementsTo(operatorOrg, entryId)).find((e) =>
    isEffective(e, now),
  );
  if (!found) return undefined;
  // Art. 8 at every moment: the entry must be authorizable now, even before the catalog's event
  // has ended the entitlement.
  const entry = await catalogRepository(deps).get(entryId);
  return entry && isAuthorizable(entry) ? found : undefined;
};

export const entitlementsRoutes: RouteTable = {
  createDemand: route({
    body: CreateDemand,
    idempotent: true,
    async handle(ctx) {
      const p = caller(ctx);
      const [grant, catalog] = await Promise.all([
        grantsRepository(ctx.deps).get(ctx.body.grantId, true),
        catalogRepository(ctx.deps).getMany(ctx.body.entries),
      ]);
      // Art. 16: a grant in force, entries inside its scope and authorizable (409 naming the entry).
      const entries = checkDemand(grant, p.org, ctx.body.entries, catalog, ctx.now);
      const d = fileDemand({
        id: newId('dd', ctx.now),
        principal: p,
        grant: grant!,
        entries,
        scenario: ctx.body.scenario,
        now: ctx.now,
      });
      const body = demandView(d, p);
      await entitlementsRepository(ctx.deps)
        .createDemand(ctx.tx(), d)
        .audit({ action: 'demand.file', resource: demandResource(d.id), before: null, after: demandAudit(d) })
        .publish(
          DemandFiled.make({
            demandId: d.id,
            operatorOrg: d.operatorOrg,
            grantId: d.grantId,
            title: d.scenario.title,
            entryIds: d.entries.map((e) => e.entryId),
            reviewers: d.reviewers.map((r) => ({ role: r.role, ...(r.org ? { org: r.org } : {}) })),
            at: ctx.now.toISOString(),
          }),
        )
        // Execution name = demand id: the relay may start it again, harmlessly.
        .startWorkflow(DEMAND_REVIEW, d.id, reviewInput(d))
        .commit({ status: 201, body });
      return { status: 201, body, headers: { location: `/demands/${d.id}` } };
    },
  }),

  listDemands: route({
    query: ListDemandsQuery,
    async handle(ctx) {
      const p = caller(ctx);
      const page = await entitlementsRepository(ctx.deps).listDemands(listScope(p), ctx.query);
      return pageReply(page, (d) => demandView(d, p));
    },
  }),

  getDemand: route({
    params: DemandId,
    response: withAuditHistory(),
    async handle(ctx) {
      const p = caller(ctx);
      const d = await entitlementsRepository(ctx.deps).getDemand(ctx.params.id, true);
      if (!d) throw new NotFoundError('Data demand');
      if (!canSeeDemand(d, p))
        throw new ForbiddenError('This data demand does not concern your organisation');
      // Art. 18: who acted on the demand, with each organisation's 主要负责人.
      const { history, historyComplete } = await resourceHistory(ctx.deps, demandResource(d.id));
      return { status: 200, body: { ...demandView(d, p), history, historyComplete } };
    },
  }),

  listEntitlements: route({
    query: ListEntitlementsQuery,
    async handle(ctx) {
      const p = caller(ctx);
      const page = await entitlementsRepository(ctx.deps).listEntitlements(listScope(p), ctx.query);
      return pageReply(page, (e) => entitlementView(e, ctx.now));
    },
  }),

  checkEntitlement: route({
    query: CheckEntitlementQuery,
    async handle(ctx) {
      const p = caller(ctx);
      const { operator, entry } = ctx.query;
      if (p.role === 'operator' && p.org !== operator)
        throw new ForbiddenError('An operator checks only its own entitlements');
      const found = await entitlementNow(ctx.deps, operator, entry, ctx.now);
      // A provider learns only about its own entries.
      const visible = found && (p.role !== 'provider' || found.providerOrg === p.org) ? found : undefined;
      return {
        status: 200,
        body: {
          operatorOrg: operator,
          entryId: entry,
          entitled: !!visible,
          at: ctx.now.toISOString(),
          entitlement: visible ? entitlementView(visible, ctx.now) : null,
        },
      };
    },
  }),
};
