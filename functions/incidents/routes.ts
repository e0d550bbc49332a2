import { SecurityIncidentClosed, SecurityIncidentReported } from '../../events/incidents.js';
import { assertVersion, ForbiddenError, NotFoundError } from '../shared/errors.js';
import { caller, expectedVersion, pageReply, type RouteTable, route } from '../shared/http.js';
import { newId } from '../shared/ids.js';
import { addUpdate, auditState, canSee, close, eventFacts, report } from './domain.js';
import { incidentsRepository } from './repository.js';
import {
  CloseIncident,
  IncidentId,
  IncidentUpdateBody,
  ListIncidentsQuery,
  ReportIncident,
} from './schemas.js';

const resource = (id: string) => `security-incident/${id}`;

export const incidentsRoutes: RouteTable = {
  reportIncident: route({
    body: ReportIncident,
    idempotent: true,
    async handle(ctx) {
      const i = report({ id: newId('si', ctx.now), body: ctx.body }, caller(ctx), ctx.now);
      await incidentsRepository(ctx.deps)
        .create(ctx.tx(), i)
        .audit({ action: 'incident.report', resource: resource(i.id), after: auditState(i) })
        .publish(SecurityIncidentReported.make(eventFacts(i, ctx.now)))
        .commit({ status: 201, body: i });
      return { status: 201, body: i, headers: { location: `/incidents/${i.id}` } };
    },
  }),

  listIncidents: route({
    query: ListIncidentsQuery,
    async handle(ctx) {
      const p = caller(ctx);
      const supervisor = p.role === 'authority' || p.role === 'regulator';
      const page = await incidentsRepository(ctx.deps).list({
        ...(supervisor ? {} : { reporterOrg: p.org }),
        ...ctx.query,
      });
      return pageReply(page, (i) => i);
    },
  }),

  getIncident: route({
    params: IncidentId,
    async handle(ctx) {
      const i = await incidentsRepository(ctx.deps).get(ctx.params.id);
      if (!i) throw new NotFoundError('Incident');
      if (!canSee(i, caller(ctx))) throw new ForbiddenError('This incident concerns another organisation');
      return { status: 200, body: i };
    },
  }),

  updateIncident: route({
    params: IncidentId,
    body: IncidentUpdateBody,
    async handle(ctx) {
      const before = await incidentsRepository(ctx.deps).get(ctx.params.id);
      if (!before) throw new NotFoundError('Incident');
      assertVersion(before, expectedVersion(ctx.body, ctx.headers));
      const after = addUpdate(before, caller(ctx), ctx.body.note, ctx.now);
      await incidentsRepository(ctx.deps)
        .save(ctx.tx(), after, before.version)
        .audit({
          action: 'incident.update',
          resource: resource(after.id),
          before: auditState(before),
          after: auditState(after),
        })
        .commit();
      return { status: 200, body: after };
    },
  }),

  closeIncident: route({
    params: IncidentId,
    body: CloseIncident,
    async handle(ctx) {
      const before = await incidentsRepository(ctx.deps).get(ctx.params.id);
      if (!before) throw new NotFoundError('Incident');
      assertVersion(before, expectedVersion(ctx.body, ctx.headers));
      const after = close(before, caller(ctx), ctx.body.conclusion, ctx.now);
      await incidentsRepository(ctx.deps)
        .save(ctx.tx(), after, before.version)
        .audit({
          action: 'incident.close',
          resource: resource(after.id),
          before: auditState(before),
          after: auditState(after),
        })
        .publish(
          SecurityIncidentClosed.make({ ...eventFacts(after, ctx.now), conclusion: ctx.body.conclusion }),
        )
        .commit();
      return { status: 200, body: after };
    },
  }),
};
