import { actorOrgs, principalsOf } from '../shared/actors.js';
import type { Principal } from '../shared/auth.js';
import type { Deps } from '../shared/deps.js';
import { ForbiddenError } from '../shared/errors.js';
import { caller, type RouteTable, route } from '../shared/http.js';
import { type AuditEventView, csvHeader, csvRow, effectiveFilters, SUPERVISORS, viewOf } from './domain.js';
import { auditRepository } from './repository.js';
import { AuditExportQuery, AuditPage, AuditQuery, VerificationView, VerifyQuery } from './schemas.js';

/** Events per export response; a longer export continues with the `x-next-cursor` header. */
export const EXPORT_MAX = 2000;

const isSupervisor = (p: Principal) => (SUPERVISORS as readonly string[]).includes(p.role);

/** The audit trail routes (Art. 15, 18); each event names its organisation's principal responsible person. */
export const auditRoutes = (): RouteTable => ({
  listAuditEvents: route({
    query: AuditQuery,
    response: AuditPage,
    async handle(ctx) {
      const f = effectiveFilters(ctx.query, caller(ctx), ctx.now);
      const page = await auditRepository(ctx.deps).page(f, ctx.query.limit, ctx.query.cursor);
      const resolve = await principalsOf(ctx.deps, actorOrgs(page.items));
      return {
        status: 200,
        body: {
          items: page.items.map((i) => viewOf(i, resolve)),
          nextCursor: page.nextCursor,
        },
      };
    },
  }),

  /** An inspection export: CSV or JSON Lines, oldest first, up to EXPORT_MAX events per response. */
  exportAuditEvents: route({
    query: AuditExportQuery,
    async handle(ctx) {
      const f = effectiveFilters(ctx.query, caller(ctx), ctx.now);
      const repo = auditRepository(ctx.deps);
      const events: AuditEventView[] = [];
      let cursor = ctx.query.cursor;
      do {
        const page = await repo.page(f, Math.min(200, EXPORT_MAX - events.length), cursor);
        const resolve = await principalsOf(ctx.deps, actorOrgs(page.items));
        events.push(...page.items.map((i) => viewOf(i, resolve)));
        cursor = page.nextCursor ?? undefined;
      } while (cursor && events.length < EXPORT_MAX);
      const csv = ctx.query.format === 'csv';
      const text = csv
        ? `${[csvHeader(), ...events.map(csvRow)].join('\r\n')}\r\n`
        : events.map((e) => `${JSON.stringify(e)}\n`).join('');
      const stamp = ctx.now.toISOString().replace(/[:.]/g, '');
      return {
        status: 200,
        text,
        headers: {
          'content-type': csv ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
          'content-disposition': `attachment; filename="audit-${stamp}.${csv ? 'csv' : 'jsonl'}"`,
          'x-event-count': String(events.length),
          ...(cursor ? { 'x-next-cursor': cursor } : {}),
        },
      };
    },
  }),

  /** Recomputes one resource's hash chain and names the first break (supervisors only). */
  verifyAuditChain: route({
    query: VerifyQuery,
    response: VerificationView,
    async handle(ctx) {
      if (!isSupervisor(caller(ctx)) && caller(ctx).role !== 'admin') {
        throw new ForbiddenError('Only the authority, regulators and platform operations verify the trail');
      }
      return { status: 200, body: await auditRepository(ctx.deps).verify(ctx.query.resource) };
    },
  }),
});
