import { catalogRepository } from '../catalog/repository.js';
import type { Invocation, StepInvocation } from '../shared/duty.js';
import { ConflictError, NotFoundError } from '../shared/errors.js';
import { systemActor, Transaction } from '../shared/store.js';
import { assertRenewalDraftable, auditState, authorizableScope, draftGrant } from './domain.js';
import { grantsRepository } from './repository.js';
import { answerSignatureWorkflow, grantResource } from './routes.js';
import { AwaitSignaturesInput, DraftGrantInput, grantIdFor } from './schemas.js';

/**
 * Contract B steps, called by the selection state machine. Both are idempotent (the workflow runtime
 * replays finished steps after a restart).
 */
export const grantsSteps = {
  /**
   * Drafts the agreement (Art. 4) once per application: the grant id is derived from the application id.
   * Entries of the scope that are no longer authorizable are dropped and recorded (Art. 6, 8); a scope
   * with none left is refused.
   */
  async draftGrant(raw: StepInvocation, { deps, requestId }: Invocation): Promise<{ grantId: string }> {
    const input = DraftGrantInput.parse(raw);
    const repo = grantsRepository(deps);
    const id = grantIdFor(input.applicationId);
    if (await repo.get(id, true)) return { grantId: id };
    const now = deps.clock.now();
    let renewing: Awaited<ReturnType<typeof repo.get>>;
    if (input.renewalOf) {
      renewing = await repo.get(input.renewalOf, true);
      if (!renewing) throw new NotFoundError(`Grant ${input.renewalOf} to renew`);
      // Art. 10.5: the application was made before the end (checked at submission); the draft only
      // refuses a grant that cannot be renewed at all. Its term still starts at the old end (termStart).
      assertRenewalDraftable(renewing, input.operator.org);
    }
    const { scope, excluded } = authorizableScope(
      input.scope,
      await catalogRepository(deps).getMany(input.scope),
    );
    if (!scope.length) {
      throw new ConflictError(
        'No entry of the scope can be authorized any more (Art. 8)',
        'scope_not_authorizable',
        { excluded },
      );
    }
    const g = draftGrant({
      id,
      applicationId: input.applicationId,
      announcementId: input.announcementId,
      mode: input.mode,
      ...(input.domain ? { domain: input.domain } : {}),
      scope,
      excludedScope: excluded,
      grantor: input.grantor,
      operator: input.operator,
      ...(input.authorityOrg ? { authorityOrg: input.authorityOrg } : {}),
      ...(renewing ? { renewing } : {}),
      ...(input.signatureDueInDays ? { signatureDueInDays: input.signatureDueInDays } : {}),
      now,
    });
    const tx = new Transaction(deps, { principal: systemActor('draftGrant'), requestId, now });
    try {
      await repo
        .create(tx, g)
        .audit({
          action: 'grant.draft',
          resource: grantResource(id),
          before: null,
          after: {
            ...auditState(g),
            applicationId: g.applicationId,
            signBy: g.signBy ?? null,
            excludedScope: g.excludedScope ?? [],
          },
        })
        .commit();
    } catch (e) {
      // A concurrent replay drafted it first.
      if (!(e instanceof ConflictError && e.code === 'grant_exists')) throw e;
    }
    return { grantId: id };
  },

  /**
   * Waits for both signatures: stores the callback token on the grant, answered by the second
   * signature. A grant that is already signed (a replay) is answered at once.
   */
  async awaitSignatures(raw: StepInvocation, { deps, requestId }: Invocation): Promise<{ waiting: boolean }> {
    const { grantId, taskToken } = AwaitSignaturesInput.parse(raw);
    const repo = grantsRepository(deps);
    const g = await repo.get(grantId, true);
    if (!g) throw new NotFoundError(`Grant ${grantId}`);
    if (g.status === 'signing') {
      const now = deps.clock.now();
      const tx = new Transaction(deps, { principal: systemActor('awaitSignatures'), requestId, now });
      try {
        await repo
          .saveSignatureToken(tx, grantId, taskToken)
          .audit({
            action: 'grant.await-signatures',
            resource: grantResource(grantId),
            before: auditState(g),
            after: auditState(g),
          })
          .commit();
        return { waiting: true };
      } catch (e) {
        if (!(e instanceof ConflictError && e.code === 'invalid_state')) throw e;
      }
    }
    const current = (await repo.get(grantId, true)) ?? g;
    await answerSignatureWorkflow(deps, { ...current, signatureToken: taskToken });
    return { waiting: false };
  },
};
