import { parseQuery } from '../search/domain.js';
import { searchCatalog } from '../search/service.js';
import { actorView, principalsOf } from '../shared/actors.js';
import type { Principal } from '../shared/auth.js';
import type { Deps } from '../shared/deps.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../shared/errors.js';
import {
  caller,
  expectedVersion,
  pageReply,
  type Reply,
  type RequestContext,
  type RouteTable,
  route,
} from '../shared/http.js';
import { newId } from '../shared/ids.js';
import {
  auditState,
  type CatalogEntry,
  canSeeWorking,
  createEntry,
  deciderView,
  eventsOf,
  isPublic,
  reviewEntry,
  submitEntry,
  updateEntry,
  viewOf,
  withdrawEntry,
} from './domain.js';
import { catalogRepository } from './repository.js';
import {
  CatalogEntryWithVersions,
  CreateCatalogEntry,
  EntryId,
  ListCatalogQuery,
  ReviewCatalogEntry,
  SubmitCatalogEntry,
  UpdateCatalogEntry,
  WithdrawCatalogEntry,
} from './schemas.js';

const resource = (id: string) => `catalog-entry/${id}`;

const load = async (deps: Deps, id: string) => {
  const e = await catalogRepository(deps).get(id);
  if (!e) throw new NotFoundError('Catalog entry');
  return e;
};

/**
 * Every change to an entry: load it, apply the domain rule, save it conditionally on the version read,
 * with its audit event in the same transaction.
 */
const change = async (
  ctx: RequestContext<{ version?: number | undefined }, unknown, { id: string }>,
  action: string,
  rule: (e: CatalogEntry, p: Principal, expected: number | undefined) => CatalogEntry,
  auditExtra: Record<string, unknown> = {},
): Promise<Reply> => {
  const before = await load(ctx.deps, ctx.params.id);
  const after = rule(before, caller(ctx), expectedVersion(ctx.body, ctx.headers));
  await catalogRepository(ctx.deps)
    .save(ctx.tx(), after, before.version)
    .audit({
      action,
      resource: resource(after.id),
      before: auditState(before),
      after: { ...auditState(after), ...auditExtra },
    })
    .publish(...eventsOf(before, after))
    .commit();
  return { status: 200, body: viewOf(after, ctx.principal) };
};

/** The catalog's HTTP routes, keyed by the operationIds of infra/system.ts. */
export const catalogRoutes: RouteTable = {
  listCatalogEntries: route({
    query: ListCatalogQuery,
    async handle({ query, principal, deps }) {
      const privileged = principal?.role === 'authority' || principal?.role === 'regulator';
      const scope = query.scope ?? (privileged ? 'all' : 'public');
      if (scope === 'mine' && principal?.role !== 'provider') {
        throw new ForbiddenError('Only a provider has entries of its own');
      }
      if (scope === 'all' && !privileged)
        throw new ForbiddenError('Only the authority and regulators see every entry');
      // The public listing holds approved versions only: a status filter there would be silently
      // ignored, so it is refused (the working status is for `scope=mine` and `scope=all`).
      if (scope === 'public' && query.status) {
        throw new ValidationError('The status filter needs scope=mine (providers) or scope=all', [
          { path: 'query.status', message: 'Not available on the public listing' },
        ]);
      }
      const q = query.q || undefined;
      // The public search reads the search index: ranked, with facets (issue 11).
      if (scope === 'public' && q && parseQuery(q).terms.length > 0) {
        const found = await searchCatalog(deps, {
          text: q,
          filters: {
            domain: query.domain,
            provider: query.provider,
            classification: query.classification,
            openness: query.openness,
          },
          limit: query.limit,
          cursor: query.cursor,
        });
        return {
          status: 200,
          body: {
            items: found.entries.map(({ entry, score, highlights }) => ({
              ...viewOf(entry, principal),
              score,
              highlights,
            })),
            nextCursor: found.nextCursor,
            total: found.total,
            facets: found.facets,
          },
          headers: { 'x-search-items-read': String(found.itemsRead) },
        };
      }
      const page = await catalogRepository(deps).list({ ...query, q, scope }, principal?.org);
      return pageReply(page, (e) => viewOf(e, principal));
    },
  }),

  getCatalogEntry: route({
    params: EntryId,
    response: CatalogEntryWithVersions,
    async handle({ params, principal, deps }) {
      const e = await load(deps, params.id);
      const insider = canSeeWorking(e, principal);
      if (!insider && !isPublic(e)) throw new NotFoundError('Catalog entry');
      const revisions = (await catalogRepository(deps).revisions(e.id))
        // Art. 8: a revision once approved as a state secret stays hidden even after declassification.
        .filter((r) => insider || (r.status === 'approved' && !r.content.restrictions.stateSecret));
      // Art. 18: each decision names its organisation's principal responsible person (one BatchGet).
      const resolve = await principalsOf(
        deps,
        revisions.map((r) => r.decidedBy?.org),
      );
      const versions = revisions.map((r) => ({
        revision: r.revision,
        status: r.status,
        createdAt: r.createdAt,
        submittedAt: r.submittedAt ?? null,
        reviewedAt: r.reviewedAt ?? null,
        // Art. 18: who decided (user, organisation, role); the public sees organisation and role.
        decidedBy: deciderView(r, insider),
        // The decider in the shared history shape (the public does not see the user).
        actor: r.decidedBy ? actorView(r.decidedBy, resolve, { hideUser: !insider }) : null,
        ...(insider ? { reason: r.reason ?? null, content: r.content } : { content: r.content }),
      }));
      return {
        status: 200,
        body: { ...viewOf(e, principal), versions },
        headers: insider ? { etag: `"${e.version}"` } : ({} as Record<string, string>),
      };
    },
  }),

  createCatalogEntry: route({
    body: CreateCatalogEntry,
    idempotent: true,
    async handle(ctx) {
      const { providerName, ...content } = ctx.body;
      const repo = catalogRepository(ctx.deps);
      const e = createEntry({
        id: newId('ce', ctx.now),
        principal: caller(ctx),
        content,
        ...(providerName ? { providerName } : {}),
        now: ctx.now,
      });
      const body = viewOf(e, ctx.principal);
      const tx = repo
        .create(ctx.tx(), e)
        .audit({ action: 'catalog.create', resource: resource(e.id), before: null, after: auditState(e) });
      await tx.commit({ status: 201, body });
      return { status: 201, body, headers: { location: `/catalog/${e.id}` } };
    },
  }),

  updateCatalogEntry: route({
    params: EntryId,
    body: UpdateCatalogEntry,
    async handle(ctx) {
      const { version: _v, ...patch } = ctx.body;
      return change(ctx, 'catalog.update', (e, p, v) => updateEntry(e, p, patch, v, ctx.now));
    },
  }),

  submitCatalogEntry: route({
    params: EntryId,
    body: SubmitCatalogEntry,
    handle: (ctx) => change(ctx, 'catalog.submit', (e, p, v) => submitEntry(e, p, v, ctx.now)),
  }),

  withdrawCatalogEntry: route({
    params: EntryId,
    body: WithdrawCatalogEntry,
    handle: (ctx) =>
      change(ctx, 'catalog.withdraw', (e, p, v) => withdrawEntry(e, p, ctx.body.reason, v, ctx.now), {
        reason: ctx.body.reason,
      }),
  }),

  reviewCatalogEntry: route({
    params: EntryId,
    body: ReviewCatalogEntry,
    handle: (ctx) =>
      change(ctx, `catalog.${ctx.body.decision}`, (e, p, v) => reviewEntry(e, p, ctx.body, v, ctx.now), {
        reason: ctx.body.decision === 'reject' ? ctx.body.reason : null,
      }),
  }),
};
