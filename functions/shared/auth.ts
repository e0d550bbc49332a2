import { env, ROLES, type Role, type RouteAuth } from '../../infra/system.js';
import { ForbiddenError, UnauthorizedError } from './errors.js';

/** Who is calling: one user, acting in one role, for one organisation (Art. 18: every action is attributable). */
export interface Principal {
  readonly userId: string;
  readonly role: Role;
  readonly roles: readonly Role[];
  /** Unified social credit code of the caller's organisation. */
  readonly org: string;
  readonly name?: string;
}

export type Claims = Record<string, unknown>;

/** Default claim names follow Cognito tokens: groups are roles, a custom attribute holds the organisation. */
export const CLAIM_GROUPS = 'cognito:groups';
export const CLAIM_ORG = 'custom:org';

/**
 * The claims carrying roles and organisation: a stage with an external OIDC issuer names its own
 * (infra/stages.ts → `JWT_ROLES_CLAIM`, `JWT_ORG_CLAIM`); Cognito's are the default.
 */
export const claimNames = (): { roles: string; org: string } => ({
  roles: process.env[env.rolesClaim] || CLAIM_GROUPS,
  org: process.env[env.orgClaim] || CLAIM_ORG,
});

/**
 * API Gateway hands JWT claims to Lambda as strings; an array claim arrives as "[a b]". Tokens verified
 * in the handler keep real arrays. Both shapes are read here.
 */
const groupsOf = (value: unknown): string[] => {
  if (Array.isArray(value)) return value.map(String);
  if (typeof value !== 'string') return [];
  return value
    .replace(/^\[|\]$/g, '')
    .split(/[\s,]+/)
    .filter(Boolean);
};

const isRole = (g: string): g is Role => (ROLES as readonly string[]).includes(g);

/**
 * Builds the principal for a route. A user in several groups acts in the first role the route allows,
 * or (where any role is allowed) the first role they hold.
 */
export const principalFromClaims = (claims: Claims, allowed?: readonly Role[]): Principal => {
  const userId = typeof claims.sub === 'string' ? claims.sub : '';
  const names = claimNames();
  const roles = groupsOf(claims[names.roles]).filter(isRole);
  const org = typeof claims[names.org] === 'string' ? (claims[names.org] as string) : '';
  if (!userId) throw new UnauthorizedError('The token names no user');
  const role = allowed ? roles.find((r) => allowed.includes(r)) : roles[0];
  if (!role) {
    throw new ForbiddenError(
      allowed
        ? `This action needs one of the roles: ${allowed.join(', ')}`
        : 'The token carries no platform role',
    );
  }
  const name = typeof claims.name === 'string' ? claims.name : undefined;
  return { userId, role, roles, org, ...(name ? { name } : {}) };
};

export const allowedRoles = (auth: RouteAuth): readonly Role[] | undefined =>
  typeof auth === 'string' ? undefined : auth;

export interface TokenVerifier {
  verify(token: string): Promise<Claims>;
}

export const bearerToken = (headers: Record<string, string | undefined>): string | undefined => {
  const value = headers.authorization ?? headers.Authorization;
  const m = value?.match(/^Bearer\s+(.+)$/i);
  return m?.[1];
};
