import { env } from '../../../infra/system.js';
import type { TokenVerifier } from '../auth.js';
import { requiredEnv } from '../deps.js';
import { remoteJwtVerifier } from '../jwt.js';

/** The Cognito user pool's verifier for functions with `optional`-auth routes; built on first use. */
export const cognitoVerifier = (): (() => TokenVerifier) => {
  let verifier: TokenVerifier | undefined;
  return () => {
    verifier ??= remoteJwtVerifier(
      requiredEnv(env.jwksUrl),
      requiredEnv(env.issuer),
      requiredEnv(env.audience),
    );
    return verifier;
  };
};
