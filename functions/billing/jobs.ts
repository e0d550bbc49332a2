import type { Invocation } from '../shared/duty.js';
import { ConflictError } from '../shared/errors.js';
import { systemActor, Transaction } from '../shared/store.js';
import { buildStatement, monthOf, previousMonth, type Tariff, tariffFor, withApiCalls } from './domain.js';
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
  /** Items read (the month's operator lists, counters and meters: the job's cost grows with these, not with the table). */
  readonly itemsRead: number;
}

/**
 * Art. 17: issues the statements of `month` (default: the month before now, CST), one per operator
 * with metered use or API calls, from the month's meters and API-call counters only. Idempotent whatever the retries: a statement is a
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

  const issueFor = async (operatorOrg: string, apiCalls: number) => {
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
      const meters = withApiCalls(month_.meters, operatorOrg, month, apiCalls);
      const s = buildStatement(operatorOrg, month, meters, tariff, now);
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

  // The month's operators (with metered use or API calls) and their API calls, read strongly
  // consistently from the base tables; issued CONCURRENCY at a time (each statement is its own small
  // transaction).
  const found = await repo.operatorsOfMonth(month);
  itemsRead += found.itemsRead;
  for (let i = 0; i < found.operators.length; i += CONCURRENCY)
    await Promise.all(
      found.operators.slice(i, i + CONCURRENCY).map((o) => issueFor(o.operatorOrg, o.apiCalls)),
    );
  return { month, operators, issued, alreadyIssued, itemsRead };
};

export const billingSchedules = { [STATEMENTS_JOB]: (inv: Invocation) => issueStatements(inv) };
