import { env, ROLES, type Role, type RouteAuth } from '../../infra/system.js';
import { creditCodeProblem } from './credit-code.js';
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
 * The organisation a token speaks for: one valid unified social credit code (GB 32100-2015: structure
 * and check character), else 401 before any handler runs (Art. 6, 18: every action is attributable to
 * an organisation).
 */
export const orgFromClaims = (claims: Claims): string => {
  const raw = claims[claimNames().org];
  const org = typeof raw === 'string' ? raw : '';
  if (!org) throw new UnauthorizedError('The token names no organisation');
  const problem = creditCodeProblem(org);
  if (problem) {
    throw new UnauthorizedError(
      `The token's organisation is not a valid unified social credit code: ${problem}`,
    );
  }
  return org;
};

/** The platform roles a token carries, in its order. */
export const rolesFromClaims = (claims: Claims): Role[] =>
  groupsOf(claims[claimNames().roles]).filter(isRole);

/**
 * Builds the principal for a route. A user in several groups acts in the first role the route allows,
 * or (where any role is allowed) the first role they hold. `honoured`: the roles the organisation may
 * act in (functions/shared/organisations.ts); a role it may not hold is never chosen.
 */
export const principalFromClaims = (
  claims: Claims,
  allowed?: readonly Role[],
  honoured: (r: Role) => boolean = () => true,
): Principal => {
  const userId = typeof claims.sub === 'string' ? claims.sub : '';
  if (!userId) throw new UnauthorizedError('The token names no user');
  const org = orgFromClaims(claims);
  const held = rolesFromClaims(claims);
  const roles = held.filter(honoured);
  if (held.length > 0 && roles.length === 0) {
    throw new ForbiddenError(
      `None of the token's roles (${held.join(', ')}) is honoured for organisation ${org}`,
    );
  }
  const role = allowed ? roles.find((r) => allowed.includes(r)) : roles[0];
  const refused = allowed ? held.find((r) => allowed.includes(r) && !roles.includes(r)) : undefined;
  if (!role && refused) {
    throw new ForbiddenError(`The role ${refused} is not honoured for organisation ${org}`);
  }
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
