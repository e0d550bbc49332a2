import {
  AnnouncementPublished,
  ApplicationRejected,
  ApplicationSubmitted,
  ApplicationWithdrawn,
} from '../../events/applications.js';
import { isAuthorizable } from '../catalog/domain.js';
import { catalogRepository } from '../catalog/repository.js';
import { actorView, principalsOf, withHistory } from '../shared/actors.js';
import type { Principal } from '../shared/auth.js';
import type { Deps } from '../shared/deps.js';
import { ConflictError, ForbiddenError, NotFoundError } from '../shared/errors.js';
import { caller, expectedVersion, pageReply, type RouteTable, route } from '../shared/http.js';
import { newId } from '../shared/ids.js';
import { normalizeName } from '../shared/names.js';
import { operatorFromApplication, organisationItem, readOrganisation } from '../shared/organisations.js';
import { tasksRepository } from '../tasks/repository.js';
import {
  creditAudit,
  creditView,
  inForce,
  listingEvents,
  newEntry,
  replaceEntry,
  updateEntry,
} from './credit-list.js';
import {
  type Announcement,
  announcementAudit,
  announcementView,
  applicationAudit,
  applicationTaskView,
  applicationView,
  assertRenewable,
  assertWindowOpen,
  canSeeAnnouncement,
  canSeeApplication,
  createAnnouncement,
  publishAnnouncement,
  type ScopeEntry,
  submitApplication,
  updateAnnouncement,
  withdrawAnnouncement,
  withdrawApplication,
} from './domain.js';
import { readGrant } from './grants-reader.js';
import { applicationsRepository, creditListRepository } from './repository.js';
import {
  AnnouncementId,
  ApplicationId,
  CreateAnnouncement,
  CreateCreditListEntry,
  CreditListEntryId,
  ImportCreditList,
  ListAnnouncementsQuery,
  ListApplicationsQuery,
  ListCreditListQuery,
  SubmitApplication,
  UpdateAnnouncement,
  UpdateCreditListEntry,
  VersionBody,
  WithdrawAnnouncement,
  WithdrawApplication,
} from './schemas.js';
import { screeningHits } from './screening.js';
import { applicationRef, applicationResource } from './steps.js';

const annResource = (id: string) => `announcement/${id}`;
const creditResource = (id: string) => `credit-list-entry/${id}`;

const isAuthority = (p: Principal | undefined) => !!p?.roles.includes('authority');

const loadAnnouncement = async (deps: Deps, id: string, p: Principal | undefined): Promise<Announcement> => {
  const a = await applicationsRepository(deps).getAnnouncement(id);
  if (!a || !canSeeAnnouncement(a, p)) throw new NotFoundError('Announcement');
  return a;
};

const loadApplication = async (deps: Deps, id: string) => {
  const a = await applicationsRepository(deps).getApplication(id);
  if (!a) throw new NotFoundError('Application');
  return a;
};

/** The scope entries as publishing needs them (Art. 5-8). */
const scopeEntries = async (deps: Deps, ids: readonly string[]): Promise<Map<string, ScopeEntry>> => {
  const found = await catalogRepository(deps).getMany(ids);
  return new Map(
    [...found.values()].map((e) => [
      e.id,
      { id: e.id, providerOrg: e.providerOrg, approved: !!e.published, authorizable: isAuthorizable(e) },
    ]),
  );
};

// ---------------------------------------------------------------------------------------------------
// Announcements (Art. 10.1)

const announcementRoutes: RouteTable = {
  listAnnouncements: route({
    query: ListAnnouncementsQuery,
    async handle({ query, principal, deps }) {
      // Drafts are the authority's: the public asking for them is refused, not answered with nothing.
      if (!isAuthority(principal) && query.status === 'draft') {
        throw new ForbiddenError('Only the authority lists draft announcements');
      }
      const page = await applicationsRepository(deps).listAnnouncements(query, isAuthority(principal));
      return pageReply(page, (a) => announcementView(a, principal));
    },
  }),

  getAnnouncement: route({
    params: AnnouncementId,
    async handle({ params, principal, deps }) {
      const a = await loadAnnouncement(deps, params.id, principal);
      return {
        status: 200,
        body: announcementView(a, principal),
        headers: isAuthority(principal) ? { etag: `"${a.version}"` } : ({} as Record<string, string>),
      };
    },
  }),

  createAnnouncement: route({
    body: CreateAnnouncement,
    idempotent: true,
    async handle(ctx) {
      const a = createAnnouncement({
        id: newId('an', ctx.now),
        principal: caller(ctx),
        body: ctx.body,
        now: ctx.now,
      });
      const body = announcementView(a, ctx.principal);
      await applicationsRepository(ctx.deps)
        .createAnnouncement(ctx.tx(), a)
        .audit({
          action: 'announcement.create',
          resource: annResource(a.id),
          before: null,
          after: announcementAudit(a),
        })
        .commit({ status: 201, body });
      return { status: 201, body, headers: { location: `/announcements/${a.id}` } };
    },
  }),

  updateAnnouncement: route({
    params: AnnouncementId,
    body: UpdateAnnouncement,
    async handle(ctx) {
      const before = await loadAnnouncement(ctx.deps, ctx.params.id, ctx.principal);
      const after = updateAnnouncement(
        before,
        caller(ctx),
        ctx.body,
        expectedVersion(ctx.body, ctx.headers),
        ctx.now,
      );
      await applicationsRepository(ctx.deps)
        .saveAnnouncement(ctx.tx(), after, before.version)
        .audit({
          action: 'announcement.update',
          resource: annResource(after.id),
          before: announcementAudit(before),
          after: announcementAudit(after),
        })
        .commit();
      return { status: 200, body: announcementView(after, ctx.principal) };
    },
  }),

  publishAnnouncement: route({
    params: AnnouncementId,
    body: VersionBody,
    async handle(ctx) {
      const before = await loadAnnouncement(ctx.deps, ctx.params.id, ctx.principal);
      const entries = await scopeEntries(ctx.deps, before.scope);
      const after = publishAnnouncement(
        before,
        caller(ctx),
        expectedVersion(ctx.body, ctx.headers),
        entries,
        ctx.now,
      );
      await applicationsRepository(ctx.deps)
        .saveAnnouncement(ctx.tx(), after, before.version)
        .audit({
          action: 'announcement.publish',
          resource: annResource(after.id),
          before: announcementAudit(before),
          after: announcementAudit(after),
        })
        .publish(
          AnnouncementPublished.make({
            announcementId: after.id,
            year: after.year,
            title: after.title,
            mode: after.mode,
            ...(after.domain ? { domain: after.domain } : {}),
            scope: [...after.scope],
            opensAt: after.window.opensAt,
            closesAt: after.window.closesAt,
          }),
        )
        .commit();
      return { status: 200, body: announcementView(after, ctx.principal) };
    },
  }),

  withdrawAnnouncement: route({
    params: AnnouncementId,
    body: WithdrawAnnouncement,
    async handle(ctx) {
      const before = await loadAnnouncement(ctx.deps, ctx.params.id, ctx.principal);
      const after = withdrawAnnouncement(
        before,
        caller(ctx),
        ctx.body.reason,
        expectedVersion(ctx.body, ctx.headers),
        ctx.now,
      );
      await applicationsRepository(ctx.deps)
        .saveAnnouncement(ctx.tx(), after, before.version)
        .audit({
          action: 'announcement.withdraw',
          resource: annResource(after.id),
          before: announcementAudit(before),
          after: { ...announcementAudit(after), reason: ctx.body.reason },
        })
        .commit();
      return { status: 200, body: announcementView(after, ctx.principal) };
    },
  }),
};

// ---------------------------------------------------------------------------------------------------
// Credit list (Art. 9)

/**
 * Entries per transaction: each entry is one item, its audit event and (an organisation in force) its
 * CreditListEntryListed event in the outbox (DynamoDB allows 100 items).
 */
const IMPORT_CHUNK = 30;

/** The HMAC lookup key of a listed person's identity number, if the entry gives one (PIPL). */
const personKeyOf = async (deps: Deps, b: { idNumber?: string | undefined }): Promise<string | undefined> =>
  b.idNumber ? deps.personKeys.lookupKey(b.idNumber) : undefined;

const creditRoutes: RouteTable = {
  listCreditListEntries: route({
    query: ListCreditListQuery,
    async handle({ query, deps }) {
      const subjectKey = query.creditCode
        ? `ORG#${query.creditCode}`
        : query.idNumber
          ? `PERSON#${await deps.personKeys.lookupKey(query.idNumber)}`
          : query.name
            ? `NAME#${normalizeName(query.name)}`
            : undefined;
      const page = await creditListRepository(deps).list({
        ...(subjectKey ? { subjectKey } : {}),
        ...(query.list ? { list: query.list } : {}),
        limit: query.limit,
        ...(query.cursor ? { cursor: query.cursor } : {}),
      });
      const now = deps.clock.now();
      return pageReply(page, (e) => creditView(e, now));
    },
  }),

  getCreditListEntry: route({
    params: CreditListEntryId,
    async handle({ params, deps }) {
      const e = await creditListRepository(deps).get(params.id);
      if (!e) throw new NotFoundError('Credit list entry');
      return { status: 200, body: creditView(e, deps.clock.now()), headers: { etag: `"${e.version}"` } };
    },
  }),

  createCreditListEntry: route({
    body: CreateCreditListEntry,
    idempotent: true,
    async handle(ctx) {
      const e = newEntry(ctx.body, caller(ctx), ctx.now, await personKeyOf(ctx.deps, ctx.body));
      const body = creditView(e, ctx.now);
      await creditListRepository(ctx.deps)
        .create(ctx.tx(), e)
        .audit({
          action: 'credit-list.create',
          resource: creditResource(e.id),
          before: null,
          after: creditAudit(e),
        })
        // Art. 9: a listing against a running grantee flags the grant for the authority's review.
        .publish(...listingEvents(e, ctx.now))
        .commit({ status: 201, body });
      return { status: 201, body, headers: { location: `/credit-list/${e.id}` } };
    },
  }),

  updateCreditListEntry: route({
    params: CreditListEntryId,
    body: UpdateCreditListEntry,
    async handle(ctx) {
      const repo = creditListRepository(ctx.deps);
      const before = await repo.get(ctx.params.id);
      if (!before) throw new NotFoundError('Credit list entry');
      const after = updateEntry(
        before,
        caller(ctx),
        ctx.body,
        expectedVersion(ctx.body, ctx.headers),
        ctx.now,
      );
      await repo
        .save(ctx.tx(), after, before.version)
        .audit({
          action: 'credit-list.update',
          resource: creditResource(after.id),
          before: creditAudit(before),
          after: creditAudit(after),
        })
        // Art. 9: an entry coming (back) into force is a new listing for the running grantees.
        .publish(...(inForce(before, ctx.now) ? [] : listingEvents(after, ctx.now)))
        .commit();
      return { status: 200, body: creditView(after, ctx.now) };
    },
  }),

  /**
   * Bulk import: one transaction per chunk of entries (each with its audit event). The same subject,
   * list, source and date always map to the same entry, so re-importing a file replaces, never duplicates.
   */
  importCreditList: route({
    body: ImportCreditList,
    async handle(ctx) {
      const p = caller(ctx);
      const repo = creditListRepository(ctx.deps);
      const made = await Promise.all(
        ctx.body.entries.map(async (b) => newEntry(b, p, ctx.now, await personKeyOf(ctx.deps, b))),
      );
      const byId = new Map(made.map((e) => [e.id, e]));
      const all = [...byId.values()];
      let created = 0;
      let replaced = 0;
      let chunks = 0;
      for (let i = 0; i < all.length; i += IMPORT_CHUNK) {
        const chunk = all.slice(i, i + IMPORT_CHUNK);
        const stored = await repo.getMany(chunk.map((e) => e.id));
        const tx = ctx.tx();
        for (const e of chunk) {
          const old = stored.get(e.id);
          if (old) {
            const next = replaceEntry(old, e, ctx.now);
            repo.save(tx, next, old.version).audit({
              action: 'credit-list.import',
              resource: creditResource(e.id),
              before: creditAudit(old),
              after: creditAudit(next),
            });
            tx.publish(...listingEvents(next, ctx.now));
            replaced++;
          } else {
            repo.create(tx, e).audit({
              action: 'credit-list.import',
              resource: creditResource(e.id),
              before: null,
              after: creditAudit(e),
            });
            tx.publish(...listingEvents(e, ctx.now));
            created++;
          }
        }
        try {
          await tx.commit();
        } catch (e) {
          if (e instanceof ConflictError) {
            throw new ConflictError(
              `Chunk ${chunks + 1} changed concurrently; ${chunks} chunk(s) of ${IMPORT_CHUNK} were imported. Import again: it is safe to repeat.`,
              'import_conflict',
              { importedChunks: chunks, chunkSize: IMPORT_CHUNK },
            );
          }
          throw e;
        }
        chunks++;
      }
      return {
        status: 200,
        body: { received: ctx.body.entries.length, imported: all.length, created, replaced, chunks },
      };
    },
  }),
};

// ---------------------------------------------------------------------------------------------------
// Applications (Art. 9, 10.2-10.5)

/** The announcement applied for, or (renewal, Art. 10.5) the grant's announcement and the grant's terms. */
const resolveTarget = async (deps: Deps, body: SubmitApplication, p: Principal, now: Date) => {
  const repo = applicationsRepository(deps);
  if (body.renewalOf) {
    const grant = await readGrant(deps, body.renewalOf);
    if (!grant) throw new NotFoundError('Grant');
    assertRenewable(grant, p, now);
    const announcement = await repo.getAnnouncement(grant.announcementId);
    if (!announcement)
      throw new ConflictError('The grant’s announcement no longer exists', 'announcement_missing');
    return {
      announcement,
      renewal: {
        grantId: grant.id,
        scope: grant.scope,
        grantor: {
          org: grant.grantorOrg,
          role: grant.grantorRole,
          ...(grant.grantorName ? { name: grant.grantorName } : {}),
        },
      },
    };
  }
  const announcement = await repo.getAnnouncement(body.announcementId ?? '');
  if (!announcement || announcement.status === 'draft') throw new NotFoundError('Announcement');
  assertWindowOpen(announcement, now);
  return { announcement };
};

const applicationRoutes: RouteTable = {
  submitApplication: route({
    body: SubmitApplication,
    idempotent: true,
    async handle(ctx) {
      const p = caller(ctx);
      const { announcement, renewal } = await resolveTarget(ctx.deps, ctx.body, p, ctx.now);
      const idNumberKey = await ctx.deps.personKeys.lookupKey(ctx.body.legalRepresentative.idNumber);
      const hits = await screeningHits(ctx.deps, ctx.body, idNumberKey, ctx.now);
      const app = submitApplication({
        id: newId('ap', ctx.now),
        principal: p,
        body: ctx.body,
        announcement,
        ...(renewal ? { renewal } : {}),
        hits,
        idNumberKey,
        now: ctx.now,
      });
      const body = applicationView(app, p);
      const ref = applicationRef(app);
      const tx = applicationsRepository(ctx.deps)
        .createApplication(ctx.tx(), app)
        .audit({
          action: 'application.submit',
          resource: applicationResource(app.id),
          before: null,
          after: applicationAudit(app),
        })
        .publish(ApplicationSubmitted.make({ ...ref, mode: app.mode, reviewerOrg: app.reviewerOrg }));
      if (app.rejection) {
        tx.audit({
          action: 'application.reject',
          resource: applicationResource(app.id),
          before: null,
          after: applicationAudit(app),
        }).publish(
          ApplicationRejected.make({ ...ref, step: app.rejection.step, reason: app.rejection.reason }),
        );
      }
      // Art. 10.3: a screened application enters the review chain, committed with it through the
      // outbox. Execution name = application id: the relay may start it again, harmlessly.
      if (app.status === 'under-review') tx.startWorkflow('selection', app.id, { applicationId: app.id });
      // Art. 18: an operator enters the organisation registry with its first application.
      if (!(await readOrganisation(ctx.deps, p.org, { fresh: true }))) {
        const org = operatorFromApplication(ctx.body, p, ctx.now);
        tx.create(
          'organisations',
          organisationItem(org),
          'pk',
          () => new ConflictError('The organisation was registered concurrently; retry', 'retry'),
        ).audit({
          action: 'organisation.register',
          resource: `organisation/${org.code}`,
          before: null,
          after: { code: org.code, name: org.name, kind: org.kind, principal: org.principal },
        });
      }
      await tx.commit({ status: 201, body });
      return { status: 201, body, headers: { location: `/applications/${app.id}` } };
    },
  }),

  listApplications: route({
    query: ListApplicationsQuery,
    async handle(ctx) {
      const p = caller(ctx);
      const repo = applicationsRepository(ctx.deps);
      let by: Parameters<typeof repo.listApplications>[0];
      if (p.role === 'operator') by = { index: 'byOperator', value: p.org };
      else if (p.role === 'provider') by = { index: 'byReviewer', value: p.org };
      else if (ctx.query.announcementId) by = { index: 'byAnnouncement', value: ctx.query.announcementId };
      else by = { index: 'byKind', value: 'application' };
      const page = await repo.listApplications(by, ctx.query);
      return pageReply(page, (a) => applicationView(a, p));
    },
  }),

  getApplication: route({
    params: ApplicationId,
    response: withHistory('history', 'Every step of the selection: step, action, time, and who acted'),
    async handle(ctx) {
      const p = caller(ctx);
      const app = await loadApplication(ctx.deps, ctx.params.id);
      if (!canSeeApplication(app, p)) throw new ForbiddenError('You may not see this application');
      // The review tasks of the application: who must act, by when, and whether the deadline passed
      // (the applicant does not learn which expert holds which task, Art. 10.3).
      const tasks = (await tasksRepository(ctx.deps).listBySubject({ type: 'application', id: app.id })).map(
        ({ task: t }) =>
          applicationTaskView(app, p, {
            id: t.id,
            kind: t.kind,
            status: t.status,
            assignee: t.assignee,
            dueAt: t.dueAt,
            overdue: t.overdue,
            escalatedAt: t.escalatedAt ?? null,
            decision: t.decision ?? null,
            decidedAt: t.decidedAt ?? null,
          }),
      );
      const pending = tasks.filter((t) => t.status === 'pending');
      const deadline = pending.length
        ? { dueAt: pending.map((t) => t.dueAt).sort()[0], overdue: pending.some((t) => t.overdue) }
        : null;
      // Art. 18: each step of the application's own history names who acted, with the 主要负责人 of
      // its organisation (one BatchGet); the applicant's view already leaves the experts out (Art. 10.3).
      const view = applicationView(app, p);
      const resolve = await principalsOf(
        ctx.deps,
        view.history.map((h) => h.actor.org),
      );
      const history = view.history.map((h) => ({ ...h, actor: actorView(h.actor, resolve) }));
      return {
        status: 200,
        body: { ...view, tasks, deadline, history },
        headers: { etag: `"${app.version}"` },
      };
    },
  }),

  /**
   * The applicant withdraws before the final decision. The application is marked withdrawn here; the
   * `ApplicationWithdrawn` event makes the tasks duty cancel the pending review tasks and fail their
   * waiting step, and every later step of the workflow refuses a withdrawn application: the execution
   * ends in its `Withdrawn` state.
   */
  withdrawApplication: route({
    params: ApplicationId,
    body: WithdrawApplication,
    async handle(ctx) {
      const before = await loadApplication(ctx.deps, ctx.params.id);
      const after = withdrawApplication(before, caller(ctx), ctx.body.reason, ctx.now);
      await applicationsRepository(ctx.deps)
        .saveApplication(ctx.tx(), after, before)
        .audit({
          action: 'application.withdraw',
          resource: applicationResource(after.id),
          before: applicationAudit(before),
          after: applicationAudit(after),
        })
        .publish(
          ApplicationWithdrawn.make({
            ...applicationRef(after),
            ...(ctx.body.reason ? { reason: ctx.body.reason } : {}),
          }),
        )
        .commit();
      return { status: 200, body: applicationView(after, ctx.principal) };
    },
  }),
};

/** The applications duty's HTTP routes, keyed by the operationIds of infra/system.ts. */
export const applicationsRoutes: RouteTable = {
  ...announcementRoutes,
  ...creditRoutes,
  ...applicationRoutes,
};
