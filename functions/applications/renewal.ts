/** Renewal of a grant by a new application (Art. 10.5) as a plain rule. */
import { assertRenewalDraftable, type Grant } from '../grants/domain.js';
import type { Principal } from '../shared/auth.js';
import { ConflictError } from '../shared/errors.js';

// ---------------------------------------------------------------------------------------------------
// Renewal (Art. 10.5)

/**
 * Art. 10.5: "运营单位在协议有效期满前，需向公共数据主管部门重新申请" — the operator applies for the
 * renewal before its grant's term ends. Which grants can be renewed at all, by whom and only once
 * (another operator's, never signed, terminated or already renewed: refused) is the grants duty's own
 * rule, reused here; the applications duty adds the time rule of the application itself. Once applied
 * for in time, the review may end after the old term (the grants duty does not check the clock again).
 */
export const assertRenewable = (g: Grant, p: Principal, now: Date): void => {
  assertRenewalDraftable(g, p.org);
  if (g.status === 'expired' || !g.expiresAt || now.getTime() >= new Date(g.expiresAt).getTime()) {
    throw new ConflictError(
      'The grant’s term has ended: a renewal must be applied for before it ends (Art. 10.5)',
      'renewal_too_late',
    );
  }
};
