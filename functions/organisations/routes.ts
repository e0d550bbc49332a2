import { ForbiddenError, NotFoundError } from '../shared/errors.js';
import { caller, expectedVersion, pageReply, type RouteTable, route } from '../shared/http.js';
import { forgetOrganisation } from '../shared/organisations.js';
import {
  canSeeExpert,
  canSeeOrganisation,
  expertView,
  newExpert,
  newOrganisation,
  organisationView,
  updateExpert,
  updateOrganisation,
} from './domain.js';
import { organisationsRepository } from './repository.js';
import {
  CreateExpert,
  CreateOrganisation,
  ExpertUserId,
  ListExpertsQuery,
  ListOrganisationsQuery,
  OrganisationCode,
  UpdateExpert,
  UpdateOrganisation,
} from './schemas.js';

const orgResource = (code: string) => `organisation/${code}`;
const expertResource = (userId: string) => `expert/${userId}`;

export const organisationsRoutes: RouteTable = {
  listOrganisations: route({
    query: ListOrganisationsQuery,
    async handle({ query, deps }) {
      const page = await organisationsRepository(deps).list(query);
      return pageReply(page, organisationView);
    },
  }),

  getOrganisation: route({
    params: OrganisationCode,
    async handle(ctx) {
      const p = caller(ctx);
      if (!canSeeOrganisation(ctx.params.code, p))
        throw new ForbiddenError('Only your own organisation’s registry entry');
      const o = await organisationsRepository(ctx.deps).get(ctx.params.code);
      if (!o) throw new NotFoundError('Organisation');
      return { status: 200, body: organisationView(o), headers: { etag: `"${o.version}"` } };
    },
  }),

  createOrganisation: route({
    body: CreateOrganisation,
    idempotent: true,
    async handle(ctx) {
      const o = newOrganisation(ctx.body, caller(ctx), ctx.now);
      const body = organisationView(o);
      await organisationsRepository(ctx.deps)
        .create(ctx.tx(), o)
        .audit({ action: 'organisation.create', resource: orgResource(o.code), before: null, after: body })
        .commit({ status: 201, body });
      forgetOrganisation(o.code);
      return { status: 201, body, headers: { location: `/organisations/${o.code}` } };
    },
  }),

  updateOrganisation: route({
    params: OrganisationCode,
    body: UpdateOrganisation,
    async handle(ctx) {
      const repo = organisationsRepository(ctx.deps);
      const before = await repo.get(ctx.params.code);
      if (!before) throw new NotFoundError('Organisation');
      const after = updateOrganisation(
        before,
        { ...ctx.body, version: expectedVersion(ctx.body, ctx.headers) },
        caller(ctx),
        ctx.deps.authorityOrg,
        ctx.now,
      );
      await repo
        .save(ctx.tx(), after, before.version)
        .audit({
          action: 'organisation.update',
          resource: orgResource(after.code),
          before: organisationView(before),
          after: organisationView(after),
        })
        .commit();
      forgetOrganisation(after.code);
      return { status: 200, body: organisationView(after) };
    },
  }),

  listExperts: route({
    query: ListExpertsQuery,
    async handle({ query, deps }) {
      return pageReply(await organisationsRepository(deps).listExperts(query), expertView);
    },
  }),

  getExpert: route({
    params: ExpertUserId,
    async handle(ctx) {
      const e = await organisationsRepository(ctx.deps).getExpert(ctx.params.userId);
      if (!e || !canSeeExpert(e, caller(ctx))) throw new NotFoundError('Expert');
      return { status: 200, body: expertView(e), headers: { etag: `"${e.version}"` } };
    },
  }),

  createExpert: route({
    body: CreateExpert,
    idempotent: true,
    async handle(ctx) {
      const e = newExpert(ctx.body, caller(ctx), ctx.now);
      const body = expertView(e);
      await organisationsRepository(ctx.deps)
        .createExpert(ctx.tx(), e)
        .audit({ action: 'expert.create', resource: expertResource(e.userId), before: null, after: body })
        .commit({ status: 201, body });
      return { status: 201, body, headers: { location: `/experts/${e.userId}` } };
    },
  }),

  updateExpert: route({
    params: ExpertUserId,
    body: UpdateExpert,
    async handle(ctx) {
      const repo = organisationsRepository(ctx.deps);
      const before = await repo.getExpert(ctx.params.userId);
      if (!before) throw new NotFoundError('Expert');
      const after = updateExpert(
        before,
        { ...ctx.body, version: expectedVersion(ctx.body, ctx.headers) },
        caller(ctx),
        ctx.now,
      );
      await repo
        .saveExpert(ctx.tx(), after, before.version)
        .audit({
          action: 'expert.update',
          resource: expertResource(after.userId),
          before: expertView(before),
          after: expertView(after),
        })
        .commit();
      return { status: 200, body: expertView(after) };
    },
  }),
};
