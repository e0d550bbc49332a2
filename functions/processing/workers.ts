import { GrantExpired, GrantSuspended, GrantTerminated } from '../../events/grants.js';
import { ResourceUsed } from '../../events/metering.js';
import { JobQueued, OutputCheckOverdue, OutputCheckRequested } from '../../events/processing.js';
import type { DomainEvent } from '../shared/deps.js';
import type { BusEvent, Invocation } from '../shared/duty.js';
import { AppError, ConflictError } from '../shared/errors.js';
import { systemActor, Transaction } from '../shared/store.js';
import {
  checkOutput,
  type Dataset,
  effectiveEntitlements,
  failJob,
  finishJob,
  isCheckOverdue,
  type Job,
  jobAudit,
  type Limits,
  markCheckOverdue,
  scopesOf,
  startJob,
  stopJob,
  type Usage,
} from './domain.js';
import { processingRepository } from './repository.js';
import { jobResource, scenarioOf } from './routes.js';
import type { ProcessingServices } from './services.js';
import { checkQuery, scopedSql } from './sql.js';

const RUNNER = 'job-runner';

const csvCell = (v: unknown): string => {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};
export const toCsv = (columns: readonly string[], rows: readonly (readonly unknown[])[]): string =>
  `${[columns, ...rows].map((r) => r.map(csvCell).join(',')).join('\n')}\n`;

/** Usage records of one job (Art. 17: the operator bears the resources it consumes). */
export const usageEvents = (j: Job, u: Usage, at: string): DomainEvent[] =>
  (
    [
      ['bytes-scanned', 'byte', u.bytesScanned],
      ['rows-out', 'row', u.rowsOut],
      ['run-time', 'ms', u.runtimeMs],
    ] as const
  ).map(([what, unit, quantity]) =>
    ResourceUsed.make({
      usageId: `job/${j.id}/${what}`,
      operatorOrg: j.operatorOrg,
      resource: 'job',
      unit,
      quantity,
      at,
      subject: `job/${j.id}`,
      grantId: j.grantId,
      ...(j.entitlementIds[0] ? { entitlementId: j.entitlementIds[0] } : {}),
    }),
  );

/**
 * The runner: a queued job is re-checked (its entitlements may have ended since it was submitted, its
 * SQL is checked again against the dataset versions it names), run on the engine, its output checked
 * and written to the operator's output area, then released or sent to the manual output check. Every
 * write is conditional on the job's version: a job stopped meanwhile (grant suspended) keeps its
 * `stopped` status and its result is dropped; its usage is still metered.
 */
export const runJob =
  (services: ProcessingServices, limits: Limits) => async (event: BusEvent, inv: Invocation) => {
    const { deps, requestId } = inv;
    const { jobId } = JobQueued.parse(event.detail);
    const repo = processingRepository(deps);
    const tx = () =>
      new Transaction(deps, { principal: systemActor(RUNNER), requestId, now: deps.clock.now() });
    const queued = await repo.getJob(jobId);
    if (queued?.status !== 'queued') return; // redelivered, or stopped before it ran

    const found = await scenarioOf(deps, queued.demandId, queued.operatorOrg);
    const owner = {
      userId: queued.submittedBy,
      role: 'operator' as const,
      roles: ['operator' as const],
      org: queued.operatorOrg,
    };
    let scopes: ReturnType<typeof scopesOf>;
    let datasets: Map<string, Dataset>;
    try {
      const { demand, entitlements } = effectiveEntitlements(
        found.demand,
        found.entitlements,
        owner,
        deps.clock.now(),
      );
      datasets = new Map();
      for (const t of queued.tables) {
        const d = await repo.datasetVersion(t.entryId, t.version);
        if (d) datasets.set(t.entryId, d);
      }
      scopes = scopesOf(demand, entitlements, datasets).filter((s) =>
        queued.tables.some((t) => t.entryId === s.name),
      );
      checkQuery(queued.sql, scopes);
    } catch (e) {
      if (!(e instanceof AppError)) throw e;
      const after = stopJob(queued, `Refused at run time: ${e.message}`, deps.clock.now());
      if (after)
        await repo
          .saveJob(tx(), after, queued.version)
          .audit({
            action: 'job.stop',
            resource: jobResource(jobId),
            before: jobAudit(queued),
            after: jobAudit(after),
          })
          .commit()
          .catch(ignoreConflict);
      return;
    }

    const running = startJob(queued, deps.clock.now());
    try {
      await repo
        .saveJob(tx(), running, queued.version)
        .audit({
          action: 'job.start',
          resource: jobResource(jobId),
          before: jobAudit(queued),
          after: jobAudit(running),
        })
        .commit();
    } catch (e) {
      if (e instanceof ConflictError) return; // stopped or started by a concurrent delivery
      throw e;
    }

    const sql = scopedSql(queued.sql, scopes, (name) => datasets.get(name)?.physical ?? name);
    const physical = [...datasets.values()].map((d) => d.physical);
    const checked = checkQuery(queued.sql, scopes);
    const started = performance.now();
    let result: Awaited<ReturnType<ProcessingServices['engine']['run']>>;
    try {
      result = await services.engine.run({
        id: jobId,
        sql,
        tables: physical,
        maxRows: limits.maxOutputRows + 1,
      });
    } catch (e) {
      const usage = { bytesScanned: 0, rowsOut: 0, runtimeMs: Math.round(performance.now() - started) };
      await settle(
        repo,
        tx,
        running,
        (j) =>
          failJob(
            j,
            `The engine refused the query: ${(e as Error).message.slice(0, 500)}`,
            usage,
            deps.clock.now(),
          ),
        usage,
      );
      return;
    }
    const usage: Usage = {
      bytesScanned: result.bytesScanned,
      rowsOut: result.rows.length,
      runtimeMs: result.runtimeMs,
    };
    const now = deps.clock.now();
    let out: ReturnType<typeof checkOutput>;
    try {
      out = checkOutput(result, checked, limits);
    } catch (e) {
      if (!(e instanceof AppError)) throw e;
      await settle(repo, tx, running, (j) => failJob(j, e.message, usage, now), usage);
      return;
    }
    // The operator's output area: the operator reaches it only through a released job's signed link.
    const key = `outputs/${queued.operatorOrg}/${jobId}/result.csv`;
    await services.storage.put(key, toCsv(result.columns, out.rows), 'text/csv; charset=utf-8');
    const output = {
      key,
      columns: [...result.columns],
      rows: out.rows.length,
      suppressedCells: out.suppressedCells,
    };
    await settle(
      repo,
      tx,
      running,
      (j) => finishJob(j, { output, usage, reasons: out.reasons, limits, now }),
      usage,
    );
  };

/** Writes the job's end and its usage; if the job was stopped meanwhile, only the usage is recorded. */
const settle = async (
  repo: ReturnType<typeof processingRepository>,
  tx: () => Transaction,
  running: Job,
  end: (j: Job) => Job,
  usage: Usage,
) => {
  const after = end(running);
  const at = after.updatedAt;
  const events = [...usageEvents(after, usage, at)];
  if (after.status === 'output-check' && after.check)
    events.push(
      OutputCheckRequested.make({
        jobId: after.id,
        operatorOrg: after.operatorOrg,
        reasons: [...after.check.reasons],
        dueAt: after.check.dueAt,
        at,
      }),
    );
  try {
    await repo
      .saveJob(tx(), after, running.version)
      .audit({
        action: `job.${after.status}`,
        resource: jobResource(after.id),
        before: jobAudit(running),
        after: jobAudit(after),
      })
      .publish(...events)
      .commit();
  } catch (e) {
    if (!(e instanceof ConflictError)) throw e;
    const current = await repo.getJob(running.id);
    if (current?.status !== 'stopped') throw e;
    // Stopped while it ran: the result is dropped, the resources used are still the operator's.
    const stopped = { ...current, usage, version: current.version + 1, updatedAt: at };
    await repo
      .saveJob(tx(), stopped, current.version)
      .audit({
        action: 'job.usage',
        resource: jobResource(current.id),
        before: jobAudit(current),
        after: jobAudit(stopped),
      })
      .publish(...usageEvents(current, usage, at))
      .commit();
  }
};

const ignoreConflict = (e: unknown) => {
  if (!(e instanceof ConflictError)) throw e;
};

/** Art. 14: a suspended, terminated or expired grant stops its queued and running jobs. */
export const stopJobsOfGrant = (services: ProcessingServices) => async (event: BusEvent, inv: Invocation) => {
  const type = event['detail-type'];
  const parse =
    type === GrantSuspended.detailType
      ? GrantSuspended.parse
      : type === GrantTerminated.detailType
        ? GrantTerminated.parse
        : GrantExpired.parse;
  const g = parse(event.detail);
  const repo = processingRepository(inv.deps);
  const now = inv.deps.clock.now();
  for (const found of await repo.activeJobsOfGrant(g.grantId)) {
    // A job may move from queued to running meanwhile: re-read and retry, so the stop is never lost.
    let j: Job | undefined = found;
    for (let attempt = 0; j && attempt < 3; attempt++) {
      const after = stopJob(j, `Grant ${g.grantId}: ${type}`, now);
      if (!after) break;
      try {
        await repo
          .saveJob(
            new Transaction(inv.deps, {
              principal: systemActor('grant-follow'),
              requestId: inv.requestId,
              now,
            }),
            after,
            j.version,
          )
          .audit({
            action: 'job.stop',
            resource: jobResource(j.id),
            before: jobAudit(j),
            after: jobAudit(after),
          })
          .commit();
        await services.engine.cancel(j.id);
        break;
      } catch (e) {
        if (!(e instanceof ConflictError)) throw e;
        j = await repo.getJob(j.id);
      }
    }
  }
};

export const CHECK_DEADLINES_JOB = 'output-check-deadlines';

/**
 * Hourly: every manual output check still undecided at its deadline is flagged (`check.overdueAt`) and
 * raises OutputCheckOverdue (the authority is reminded, the operator told). Reads only the sparse
 * `byCheckDue` index, which a flagged check leaves: a second run finds nothing. Each job is its own
 * conditional transaction, so a decision taken meanwhile wins.
 */
export const flagOverdueChecks = async ({ deps, requestId }: Invocation) => {
  const repo = processingRepository(deps);
  const now = deps.clock.now();
  const due = (await repo.checksDue(now)).filter((j) => isCheckOverdue(j, now));
  let flagged = 0;
  for (const j of due) {
    const after = markCheckOverdue(j, now);
    try {
      await repo
        .saveJob(
          new Transaction(deps, { principal: systemActor(CHECK_DEADLINES_JOB), requestId, now }),
          after,
          j.version,
        )
        .audit({
          action: 'job.output-check-overdue',
          resource: jobResource(j.id),
          before: jobAudit(j),
          after: jobAudit(after),
        })
        .publish(
          OutputCheckOverdue.make({
            jobId: j.id,
            operatorOrg: j.operatorOrg,
            dueAt: j.check?.dueAt ?? '',
            at: now.toISOString(),
          }),
        )
        .commit();
      flagged++;
    } catch (e) {
      if (!(e instanceof ConflictError)) throw e;
      deps.logger.info('Job changed during the output-check sweep; the next run looks again', {
        jobId: j.id,
      });
    }
  }
  return { candidates: due.length, flagged };
};

export const processingEvents = (services: ProcessingServices, limits: Limits) => ({
  [JobQueued.detailType]: runJob(services, limits),
  [GrantSuspended.detailType]: stopJobsOfGrant(services),
  [GrantTerminated.detailType]: stopJobsOfGrant(services),
  [GrantExpired.detailType]: stopJobsOfGrant(services),
});
