import { JwtVerifier } from 'aws-jwt-verify';
import type { Jwks } from 'aws-jwt-verify/jwk';
import type { Claims, TokenVerifier } from './auth.js';
import { UnauthorizedError } from './errors.js';

/**
 * JWT verification in the handler, needed only by functions with `optional`-auth routes (the gateway's
 * authorizer verifies every other token), with `aws-jwt-verify` (signature, algorithm, `iss`, `exp`,
 * `nbf`). The same code serves a Cognito user pool, an external OIDC issuer and the local issuer. Kept
 * apart from auth.ts so other bundles do not carry it.
 */
export interface JwtVerifierOptions {
  readonly issuer: string;
  /** Accepted `aud` (ID tokens) or `client_id` (access tokens, which carry no `aud`). */
  readonly audience: readonly string[];
  /** Where the issuer publishes its keys; fetched on first use, then cached. */
  readonly jwksUri: string;
  /** Keys known up front (the local issuer): no fetch at all. */
  readonly jwks?: { readonly keys: readonly object[] };
}

export const createJwtVerifier = ({ issuer, audience, jwksUri, jwks }: JwtVerifierOptions): TokenVerifier => {
  const verifier = JwtVerifier.create({
    issuer,
    jwksUri,
    // Checked below: an ID token names the client in `aud`, an access token in `client_id`.
    audience: null,
    customJwtCheck: ({ payload }) => {
      const aud = payload.aud === undefined ? [] : Array.isArray(payload.aud) ? payload.aud : [payload.aud];
      const clientId = typeof payload.client_id === 'string' ? [payload.client_id] : [];
      if (![...aud, ...clientId].some((a) => audience.includes(a))) throw new Error('audience not accepted');
    },
  });
  if (jwks) verifier.cacheJwks(jwks as Jwks);
  return {
    async verify(token) {
      try {
        return (await verifier.verify(token)) as Claims;
      } catch {
        throw new UnauthorizedError('The bearer token is missing, expired or not validly signed');
      }
    },
  };
};
