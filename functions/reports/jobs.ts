import { ReportDue, ReportOverdue, ReportSupplementOverdue, ReportsDuePage } from '../../events/reports.js';
import { grantsRepository } from '../grants/repository.js';
import type { BusEvent, Invocation } from '../shared/duty.js';
import { AppError, ConflictError } from '../shared/errors.js';
import { systemActor, Transaction } from '../shared/store.js';
import { auditState, duePeriods, eventFacts, openReport, overdue } from './domain.js';
import { reportsRepository } from './repository.js';
import { reportResource } from './routes.js';

export const REPORTS_JOB = 'reports-due';

/**
 * Daily (01:00 China Standard Time). Art. 12.2: every active grant gets the reports due for the
 * period that ended (quarterly) and, from 1 January, the annual report for the previous year (due by
 * 31 March). A report's id is derived from (grant, period) and created conditionally: retries and
 * reruns never create a second one. The schedule handles the first page of grants; each further page
 * is its own invocation (`ReportsDuePage`, above). Then every report past its due date (or its supplement deadline)
 * is flagged once, raising ReportOverdue / ReportSupplementOverdue; the sweep reads the sparse
 * deadline index only.
 */
/** Active grants per invocation (env REPORTS_DUE_PAGE_SIZE, read per run; default 100). */
export const duePageSize = (): number => {
  const n = Number(process.env.REPORTS_DUE_PAGE_SIZE);
  return Number.isInteger(n) && n > 0 && n <= 100 ? n : 100;
};

/** The day of a run in China Standard Time (the schedule's zone): names its continuation markers. */
const cstDay = (d: Date) => new Date(d.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);

/**
 * One page of active grants: their due reports, created once each (id from grant and period, a
 * conditional create). When more grants follow, a `ReportsDuePage` event carries the cursor onto the
 * bus for the next invocation — no invocation handles all grants. The continuation is written together
 * with a marker item (`DUERUN#<day>` / `PAGE#<n>`) created conditionally, so a retried page (or a
 * rerun of the schedule the same day) never starts a second chain.
 */
const dueReportsPage = async (
  deps: Invocation['deps'],
  requestId: string,
  at: { asOf: Date; runDay: string; page: number; cursor: string | undefined },
) => {
  const now = deps.clock.now();
  const repo = reportsRepository(deps);
  const actor = () => ({ principal: systemActor(REPORTS_JOB), requestId, now });
  let created = 0;
  let existing = 0;
  const page = await grantsRepository(deps).listPublic({ limit: duePageSize(), cursor: at.cursor });
  for (const g of page.items) {
    for (const period of duePeriods(g, at.asOf)) {
      const r = openReport(g, period, at.asOf);
      try {
        await repo
          .create(new Transaction(deps, actor()), r)
          .audit({ action: 'report.due', resource: reportResource(r.id), after: auditState(r) })
          .publish(ReportDue.make(eventFacts(r, at.asOf)))
          .commit();
        created++;
      } catch (e) {
        if (!(e instanceof ConflictError)) throw e;
        existing++;
      }
    }
  }
  let continued = false;
  if (page.nextCursor) {
    const next = {
      asOf: at.asOf.toISOString(),
      runDay: at.runDay,
      page: at.page + 1,
      cursor: page.nextCursor,
    };
    try {
      await new Transaction(deps, actor())
        .create(
          'reports',
          {
            pk: `DUERUN#${at.runDay}`,
            sk: `PAGE#${String(next.page).padStart(6, '0')}`,
            at: now.toISOString(),
          },
          'pk',
        )
        .publish(ReportsDuePage.make(next))
        .commit();
      continued = true;
    } catch (e) {
      if (!(e instanceof ConflictError)) throw e;
      deps.logger.info('The next page of the due-report run was already started', { page: next.page });
    }
  }
  return { grants: page.items.length, created, existing, continued };
};

/** Continues a `reports-due` run with its next page of grants (the bus event above). */
export const onReportsDuePage = async (event: BusEvent, { deps, requestId }: Invocation) => {
  const d = ReportsDuePage.parse(event.detail);
  const out = await dueReportsPage(deps, requestId, { ...d, asOf: new Date(d.asOf) });
  deps.logger.info('Due reports page', { page: d.page, ...out });
};

export const runReportsJob = async ({ deps, requestId }: Invocation) => {
  const now = deps.clock.now();
  const repo = reportsRepository(deps);
  const actor = () => ({ principal: systemActor(REPORTS_JOB), requestId, now });
  const first = await dueReportsPage(deps, requestId, {
    asOf: now,
    runDay: cstDay(now),
    page: 1,
    cursor: undefined,
  });
  const { grants, created, existing } = first;

  let flagged = 0;
  for await (const batch of repo.pastDeadline(now)) {
    for (const r of batch) {
      const next = overdue(r, now);
      if (!next) continue;
      const after = next.report;
      const event =
        next.kind === 'report'
          ? ReportOverdue.make(eventFacts(after, now))
          : ReportSupplementOverdue.make({
              ...eventFacts(after, now),
              supplementDueBy: after.supplements.at(-1)?.dueBy ?? '',
            });
      try {
        await repo
          .save(new Transaction(deps, actor()), after, r.version)
          .audit({
            action: next.kind === 'report' ? 'report.overdue' : 'report.supplement-overdue',
            resource: reportResource(r.id),
            before: auditState(r),
            after: auditState(after),
          })
          .publish(event)
          .commit();
        flagged++;
      } catch (e) {
        if (!(e instanceof AppError)) throw e;
        deps.logger.info('Report changed during the overdue sweep; the next run looks again', {
          reportId: r.id,
        });
      }
    }
  }
  return { grants, created, existing, flagged, continued: first.continued };
};

export const reportsSchedules = { [REPORTS_JOB]: runReportsJob };
export const reportsEvents = { [ReportsDuePage.detailType]: onReportsDuePage };
