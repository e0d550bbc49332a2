import type { Principal } from '../../functions/shared/auth.js';

/** A caller with one role in one organisation, as the edge builds it from a token (domain tests). */
export const principal = (role: Principal['role'], org: string, userId = `${role}-1`): Principal => ({
  userId,
  role,
  roles: [role],
  org,
});
