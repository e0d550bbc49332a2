import { ReportDue, ReportOverdue, ReportSupplementOverdue } from '../../events/reports.js';
import { grantsRepository } from '../grants/repository.js';
import type { Invocation } from '../shared/duty.js';
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
 * reruns never create a second one. Then every report past its due date (or its supplement deadline)
 * is flagged once, raising ReportOverdue / ReportSupplementOverdue; the sweep reads the sparse
 * deadline index only.
 */
export const runReportsJob = async ({ deps, requestId }: Invocation) => {
  const now = deps.clock.now();
  const repo = reportsRepository(deps);
  const actor = () => ({ principal: systemActor(REPORTS_JOB), requestId, now });
  let grants = 0;
  let created = 0;
  let existing = 0;
  let cursor: string | undefined;
  do {
    const page = await grantsRepository(deps).listPublic({ limit: 100, cursor });
    for (const g of page.items) {
      grants++;
      for (const period of duePeriods(g, now)) {
        const r = openReport(g, period, now);
        try {
          await repo
            .create(new Transaction(deps, actor()), r)
            .audit({ action: 'report.due', resource: reportResource(r.id), after: auditState(r) })
            .publish(ReportDue.make(eventFacts(r, now)))
            .commit();
          created++;
        } catch (e) {
          if (!(e instanceof ConflictError)) throw e;
          existing++;
        }
      }
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor);

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
  return { grants, created, existing, flagged };
};

export const reportsSchedules = { [REPORTS_JOB]: runReportsJob };
