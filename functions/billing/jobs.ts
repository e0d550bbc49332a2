import type { Invocation } from '../shared/duty.js';
import { ConflictError } from '../shared/errors.js';
import { systemActor, Transaction } from '../shared/store.js';
import { buildStatement, monthOf, previousMonth, type Tariff, tariffFor } from './domain.js';
import { billingRepository } from './repository.js';

export const STATEMENTS_JOB = 'platform-statements';

/** Statements built at once: enough to overlap DynamoDB round trips, small for a Lambda's sockets. */
const CONCURRENCY = 10;

/** The tariff of this deployment's stage, read once at cold start. */
const TARIFF = tariffFor(process.env.STAGE);

export interface StatementRun {
  readonly month: string;
  readonly operators: number;
  readonly issued: number;
  readonly alreadyIssued: number;
  /** Meter items read from the month's index (the job's cost grows with these, not with the table). */
  readonly itemsRead: number;
}

/**
 * Art. 17: issues the statements of `month` (default: the month before now, CST), one per operator
 * with metered use, from the month's meters only. Idempotent whatever the retries: a statement is a
 * conditional create, so a second run (or a concurrent one) finds it and moves on; a meter that
 * changed while the statement was built makes that operator's statement be rebuilt from fresh reads.
 */
export const issueStatements = async (
  { deps, requestId }: Invocation,
  month = previousMonth(monthOf(deps.clock.now())),
  tariff: Tariff = TARIFF,
): Promise<StatementRun> => {
  const repo = billingRepository(deps);
  const now = deps.clock.now();
  let operators = 0;
  let issued = 0;
  let alreadyIssued = 0;
  let itemsRead = 0;

  const issueFor = async (operatorOrg: string) => {
    operators++;
    // A retry of the run finds the statement with one read, without reading the month again.
    itemsRead++;
    if (await repo.statement(operatorOrg, month, false)) {
      alreadyIssued++;
      return;
    }
    for (let attempt = 0; ; attempt++) {
      const month_ = await repo.monthOf(operatorOrg, month);
      itemsRead += month_.itemsRead;
      const s = buildStatement(operatorOrg, month, month_.meters, tariff, now);
      try {
        await repo
          .issue(
            new Transaction(deps, { principal: systemActor(STATEMENTS_JOB), requestId, now }),
            s,
            month_.uses,
          )
          .audit({
            action: 'statement.issue',
            resource: `statement/${s.id}`,
            before: null,
            after: { month, totalFen: s.totalFen, lines: s.lines.length },
          })
          .commit();
        issued++;
        return;
      } catch (e) {
        if (!(e instanceof ConflictError)) throw e;
        if (e.code === 'statement_exists') {
          alreadyIssued++;
          return;
        }
        // A use came in meanwhile: build again from fresh reads.
        if (attempt >= 3) throw e;
      }
    }
  };

  // The month index names the operators with use (sorted by operator); each page's operators are
  // issued CONCURRENCY at a time (each statement is its own small transaction).
  let last: string | undefined;
  for await (const page of repo.metersOfMonth(month)) {
    itemsRead += page.length;
    const orgs: string[] = [];
    for (const m of page) {
      if (m.operatorOrg === last) continue;
      last = m.operatorOrg;
      orgs.push(m.operatorOrg);
    }
    for (let i = 0; i < orgs.length; i += CONCURRENCY)
      await Promise.all(orgs.slice(i, i + CONCURRENCY).map(issueFor));
  }
  return { month, operators, issued, alreadyIssued, itemsRead };
};

export const billingSchedules = { [STATEMENTS_JOB]: (inv: Invocation) => issueStatements(inv) };
