import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { SecurityIncidentClosed, SecurityIncidentReported } from '../../events/incidents.js';
import { type Deps, type DomainEvent, tableName } from '../shared/deps.js';
import { assertVersion, ForbiddenError, NotFoundError } from '../shared/errors.js';
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
import { addUpdate, auditState, canSee, close, eventFacts, type Incident, report } from './domain.js';
import { incidentsRepository } from './repository.js';
import {
  CloseIncident,
  IncidentId,
  IncidentUpdateBody,
  ListIncidentsQuery,
  ReportIncident,
} from './schemas.js';

const resource = (id: string) => `security-incident/${id}`;

/** The parties of a grant (read-only; the grants duty owns the table), or undefined when there is none. */
const readGrantParties = async (deps: Deps, id: string): Promise<{ operatorOrg: string } | undefined> => {
  const out = await deps.db.send(
    new GetCommand({
      TableName: tableName(deps, 'grants'),
      Key: { pk: `GRANT#${id}`, sk: 'GRANT' },
      ProjectionExpression: 'operatorOrg',
    }),
  );
  const org = out.Item?.operatorOrg;
  return typeof org === 'string' ? { operatorOrg: org } : undefined;
};

/**
 * Every change to an incident: load it, check the version, apply the domain rule, save it
 * conditionally with its audit event (and the events it raises) in one transaction.
 */
const change = async (
  ctx: RequestContext<{ version?: number | undefined }, unknown, { id: string }>,
  action: string,
  rule: (before: Incident, now: Date) => Incident,
  events: (after: Incident, now: Date) => DomainEvent[] = () => [],
): Promise<Reply> => {
  const before = await incidentsRepository(ctx.deps).get(ctx.params.id);
  if (!before) throw new NotFoundError('Incident');
  assertVersion(before, expectedVersion(ctx.body, ctx.headers));
  const after = rule(before, ctx.now);
  await incidentsRepository(ctx.deps)
    .save(ctx.tx(), after, before.version)
    .audit({ action, resource: resource(after.id), before: auditState(before), after: auditState(after) })
    .publish(...events(after, ctx.now))
    .commit();
  return { status: 200, body: after };
};

export const incidentsRoutes: RouteTable = {
  reportIncident: route({
    body: ReportIncident,
    idempotent: true,
    async handle(ctx) {
      const grant = ctx.body.grantId ? await readGrantParties(ctx.deps, ctx.body.grantId) : undefined;
      const i = report({ id: newId('si', ctx.now), body: ctx.body, grant }, caller(ctx), ctx.now);
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
    handle: (ctx) =>
      change(ctx, 'incident.update', (before, now) => addUpdate(before, caller(ctx), ctx.body.note, now)),
  }),

  closeIncident: route({
    params: IncidentId,
    body: CloseIncident,
    handle: (ctx) =>
      change(
        ctx,
        'incident.close',
        (before, now) => close(before, caller(ctx), ctx.body.conclusion, now),
        (after, now) => [
          SecurityIncidentClosed.make({ ...eventFacts(after, now), conclusion: ctx.body.conclusion }),
        ],
      ),
  }),
};
