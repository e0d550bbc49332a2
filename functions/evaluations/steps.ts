import { EvaluationOpened } from '../../events/evaluations.js';
import { entitlementsRepository } from '../entitlements/repository.js';
import { governanceRepository } from '../governance/repository.js';
import { grantsRepository, RUNNING_INDEX } from '../grants/repository.js';
import { incidentsRepository } from '../incidents/repository.js';
import { processingRepository } from '../processing/repository.js';
import { reportsRepository } from '../reports/repository.js';
import type { Deps } from '../shared/deps.js';
import { tableName } from '../shared/deps.js';
import type { Invocation, StepInvocation } from '../shared/duty.js';
import { ConflictError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { queryPage } from '../shared/query.js';
import { systemActor, Transaction } from '../shared/store.js';
import { assess, cycleBounds, type GrantRecords, judgeUses, openCycleEvaluation } from './cycle.js';
import { auditState, eventFacts } from './domain.js';
import { evaluationsRepository } from './repository.js';
import { evaluationResource } from './routes.js';

/** Grants listed per page of the cycle, and per batch (one child execution of the Distributed Map). */
export const CYCLE_PAGE = 500;
export const CYCLE_BATCH = 50;
const RUNNING = new Set(['active', 'suspended']);

const all = async <T>(
  page: (cursor: string | undefined) => Promise<{ items: T[]; nextCursor: string | null }>,
) => {
  const out: T[] = [];
  let cursor: string | undefined;
  do {
    const p = await page(cursor);
    out.push(...p.items);
    cursor = p.nextCursor ?? undefined;
  } while (cursor);
  return out;
};

/**
 * Step `cycleListGrants`: one page of running grants (active or suspended), cut into batches for the
 * Distributed Map. The page walks the grants' sparse running index (active and suspended only);
 * the state machine loops over pages, so no invocation ever handles all grants.
 */
export const cycleListGrants = async (input: StepInvocation, { deps }: Invocation) => {
  const cursor = typeof input.cursor === 'string' && input.cursor ? input.cursor : undefined;
  const page = await queryPage<string>(
    deps,
    {
      TableName: tableName(deps, 'grants'),
      // The sparse index of running grants: reads grow with what is in force, not every grant ever made.
      IndexName: RUNNING_INDEX.name,
      KeyConditionExpression: '#k = :k',
      ExpressionAttributeNames: { '#k': RUNNING_INDEX.key },
      ExpressionAttributeValues: { ':k': RUNNING_INDEX.value },
    },
    {
      limit: CYCLE_PAGE,
      cursor,
      keyAttrs: ['pk', 'sk', RUNNING_INDEX.key, 'createdSort'],
      map: (i) => String(i.id),
    },
  );
  const batches: string[][] = [];
  for (let i = 0; i < page.items.length; i += CYCLE_BATCH) batches.push(page.items.slice(i, i + CYCLE_BATCH));
  return { batches, cursor: page.nextCursor ?? '', more: page.nextCursor !== null };
};

/** What the platform's own records say about one grant, for the automatic assessment. */
const recordsOf = async (
  deps: Deps,
  grant: { id: string; operatorOrg: string },
  cycle: string,
): Promise<GrantRecords> => {
  const period = cycleBounds(cycle);
  const [reports, governance, evaluations, incidents, jobs, entitlements, otherUses] = await Promise.all([
    all((c) => reportsRepository(deps).list({ grantId: grant.id, limit: 100, cursor: c })),
    all((c) =>
      governanceRepository(deps).list({ operatorOrg: grant.operatorOrg }, { limit: 100, cursor: c }),
    ),
    all((c) => evaluationsRepository(deps).list({ grantId: grant.id }, { limit: 100, cursor: c })),
    all((c) => incidentsRepository(deps).list({ reporterOrg: grant.operatorOrg, limit: 100, cursor: c })),
    processingRepository(deps).jobsOfGrantBetween(grant.id, period.from, period.to),
    entitlementsRepository(deps).ofGrant(grant.id),
    processingRepository(deps).usesOfGrantBetween(grant.id, period.from, period.to),
  ]);
  const mine = incidents.filter((i) => !i.grantId || i.grantId === grant.id);
  return {
    reports,
    governance: governance.map((g) => ({ id: g.id, status: g.status, escalatedAt: g.escalatedAt })),
    openRectifications: evaluations.filter(
      (e) => e.status === 'rectifying' || e.status === 'failed-rectification',
    ),
    // Art. 16: each job of the period against the entitlements it claimed, at the time it was submitted.
    // Verification product calls count as uses too; refused job attempts as uses outside the scenario.
    dataUse: judgeUses(
      [
        ...jobs.map((j) => ({
          id: j.id,
          at: j.createdAt,
          operatorOrg: j.operatorOrg,
          demandId: j.demandId,
          scenarioTitle: j.scenarioTitle,
          entitlementIds: j.entitlementIds,
          kind: 'job' as const,
        })),
        ...otherUses
          .filter((u) => u.kind === 'verification-call')
          .map((u) => ({
            id: u.id,
            at: u.at,
            operatorOrg: u.operatorOrg,
            demandId: u.demandId,
            scenarioTitle: u.scenarioTitle,
            entitlementIds: u.entitlementIds,
            kind: 'verification-call' as const,
          })),
      ],
      entitlements,
      otherUses.filter((u) => u.kind === 'refused-attempt').map((u) => ({ id: u.id, reason: u.subject })),
    ),
    // Reported incidents, handled when closed by the authority or a regulator; none reported: null.
    incidents: mine.length
      ? {
          handled: mine.filter((i) => i.status === 'closed').length,
          open: mine.filter((i) => i.status === 'open').length,
          ids: mine.map((i) => i.id),
        }
      : null,
  };
};

/**
 * Step `cycleOpenBatch` (one child execution of the Distributed Map): opens the cycle's evaluation
 * for each grant of the batch that is still running, with its assessment, each in its own
 * transaction. The (grant, period) guard of the evaluations table makes it idempotent: a retried
 * batch or a rerun cycle skips what exists.
 */
export const cycleOpenBatch = async (input: StepInvocation, { deps, requestId }: Invocation) => {
  const cycle = String(input.cycleId);
  const materialsDueAt = String(input.materialsDueAt);
  const grantIds = Array.isArray(input.grantIds) ? input.grantIds.map(String) : [];
  const now = deps.clock.now();
  let opened = 0;
  let existing = 0;
  let skipped = 0;
  for (const id of grantIds) {
    const grant = await grantsRepository(deps).get(id, true);
    if (!grant || !RUNNING.has(grant.status)) {
      skipped++;
      continue;
    }
    const e = openCycleEvaluation({
      id: newId('ev', now),
      grant,
      cycle,
      materialsDueAt,
      assessment: assess(cycle, await recordsOf(deps, grant, cycle), now),
      now,
    });
    try {
      await evaluationsRepository(deps)
        .create(new Transaction(deps, { principal: systemActor('evaluation-cycle'), requestId, now }), e)
        .audit({
          action: 'evaluation.open',
          resource: evaluationResource(e.id),
          before: null,
          after: { ...auditState(e), cycle, automaticScore: e.assessment.automaticScore },
        })
        .publish(EvaluationOpened.make({ ...eventFacts(e, now), materialsDueAt: e.materialsDueAt, cycle }))
        .commit();
      opened++;
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err;
      existing++;
    }
  }
  return { opened, existing, skipped };
};

export const evaluationsSteps = { cycleListGrants, cycleOpenBatch };
