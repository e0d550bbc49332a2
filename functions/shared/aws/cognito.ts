import { env } from '../../../infra/system.js';
import type { TokenVerifier } from '../auth.js';
import { requiredEnv } from '../deps.js';
import { createJwtVerifier } from '../jwt.js';

/**
 * The stage's token verifier (Cognito user pool or external OIDC issuer, from the environment the
 * stack sets) for functions with `optional`-auth routes; built on first use.
 */
export const cognitoVerifier = (): (() => TokenVerifier) => {
  let verifier: TokenVerifier | undefined;
  return () => {
    verifier ??= createJwtVerifier({
      jwksUri: requiredEnv(env.jwksUrl),
      issuer: requiredEnv(env.issuer),
      audience: requiredEnv(env.audience).split(','),
    });
    return verifier;
  };
};
