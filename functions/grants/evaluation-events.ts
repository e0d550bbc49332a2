import {
  EvaluationFailed,
  EvaluationRectificationOverdue,
  EvaluationRectified,
} from '../../events/evaluations.js';
import { GrantReinstated, GrantSuspended, GrantTerminated } from '../../events/grants.js';
import type { Principal } from '../shared/auth.js';
import type { DomainEvent } from '../shared/deps.js';
import type { BusEvent, Invocation } from '../shared/duty.js';
import { StaleVersionError } from '../shared/errors.js';
import { systemActor, Transaction } from '../shared/store.js';
import { auditState, eventFacts, type Grant, reinstate, suspend, terminate } from './domain.js';
import { grantsRepository } from './repository.js';
import { grantResource } from './routes.js';

/**
 * Art. 14 on the grant, driven by the evaluations duty's events: a failed evaluation suspends the
 * operator's data-use rights, an accepted rectification reinstates them, a rectification not made by
 * its deadline terminates the authorization. The same domain transitions as POST /grants/{id}/suspend,
 * /reinstate and /terminate, ordered by the authority that evaluated, audited as a system actor, and
 * publishing the same grant events (so entitlements and notifications follow).
 *
 * Events arrive at least once: a grant already in the target state, or one the rule does not apply to
 * any more (expired, terminated), is left alone rather than retried forever.
 */
const JOB = 'evaluation-events';

/** The authority that ordered the evaluation, acting through the platform; `by` names the evaluation. */
const orderedBy = (authorityOrg: string, evaluationId: string): Principal => ({
  userId: `system:evaluation:${evaluationId}`,
  role: 'authority',
  roles: ['authority'],
  org: authorityOrg,
});

const apply = async (
  event: BusEvent,
  inv: Invocation,
  grantId: string,
  action: string,
  step: (g: Grant, now: Date) => { after: Grant; events: DomainEvent[] } | undefined,
): Promise<void> => {
  const repo = grantsRepository(inv.deps);
  for (let attempt = 0; ; attempt++) {
    const now = inv.deps.clock.now();
    const before = await repo.get(grantId, true);
    if (!before) {
      inv.deps.logger.warn('Evaluation event for an unknown grant', { grantId, event: event.id });
      return;
    }
    const next = step(before, now);
    if (!next) return;
    const tx = new Transaction(inv.deps, {
      principal: systemActor(JOB),
      requestId: event.id,
      now,
    });
    try {
      await repo
        .save(tx, next.after, before.version)
        .audit({
          action,
          resource: grantResource(grantId),
          before: auditState(before),
          after: { ...auditState(next.after), evaluation: event.detail.evaluationId ?? null },
        })
        .publish(...next.events)
        .commit();
      return;
    } catch (e) {
      // A concurrent change of the grant: look again at the fresh one (the rule is checked again).
      if (!(e instanceof StaleVersionError) || attempt >= 2) throw e;
    }
  }
};

export const grantsEvaluationEvents = {
  /** Art. 14: 责令改正，并暂时停止其公共数据使用权限. */
  async EvaluationFailed(event: BusEvent, inv: Invocation): Promise<void> {
    const d = EvaluationFailed.parse(event.detail);
    const reason = `Art. 14: evaluation ${d.evaluationId} (${d.period}) failed; rectify by ${d.rectifyBy}`;
    await apply(event, inv, d.grantId, 'grant.suspend', (g, now) => {
      if (g.status !== 'active') {
        inv.deps.logger.info('Grant not active: not suspended for the failed evaluation', {
          grantId: g.id,
          status: g.status,
        });
        return undefined;
      }
      const after = suspend(g, orderedBy(d.authorityOrg, d.evaluationId), reason, now);
      return { after, events: [GrantSuspended.make({ ...eventFacts(after, now), reason })] };
    });
  },

  /** Art. 14: rectified and accepted: the data-use rights return. */
  async EvaluationRectified(event: BusEvent, inv: Invocation): Promise<void> {
    const d = EvaluationRectified.parse(event.detail);
    const by = orderedBy(d.authorityOrg, d.evaluationId);
    const reason = `Art. 14: rectification of evaluation ${d.evaluationId} (${d.period}) accepted`;
    await apply(event, inv, d.grantId, 'grant.reinstate', (g, now) => {
      // Only the suspension this evaluation caused is lifted; another one stays.
      if (g.status !== 'suspended' || g.suspension?.by !== by.userId) return undefined;
      if (g.expiresAt && now.toISOString() >= g.expiresAt) return undefined;
      const after = reinstate(g, by, reason, now);
      return { after, events: [GrantReinstated.make({ ...eventFacts(after, now), reason })] };
    });
  },

  /** Art. 14: 未按照要求整改的，终止其相关公共数据的授权运营资格. */
  async EvaluationRectificationOverdue(event: BusEvent, inv: Invocation): Promise<void> {
    const d = EvaluationRectificationOverdue.parse(event.detail);
    const reason = `Art. 14: evaluation ${d.evaluationId} (${d.period}) not rectified by ${d.rectifyBy}`;
    await apply(event, inv, d.grantId, 'grant.terminate', (g, now) => {
      if (g.status !== 'active' && g.status !== 'suspended') return undefined;
      const after = terminate(g, orderedBy(d.authorityOrg, d.evaluationId), reason, now);
      return { after, events: [GrantTerminated.make({ ...eventFacts(after, now), reason })] };
    });
  },
};
