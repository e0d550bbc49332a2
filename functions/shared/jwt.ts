import { createRemoteJWKSet, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from 'jose';
import type { Claims, TokenVerifier } from './auth.js';
import { UnauthorizedError } from './errors.js';

/**
 * JWT verification in the handler, needed only by functions with `optional`-auth routes (the gateway's
 * authorizer verifies every other token). Kept apart from auth.ts so other bundles do not carry jose.
 */
export interface JwtVerifierOptions {
  readonly keys: JWTVerifyGetKey;
  readonly issuer: string;
  readonly audience: string | string[];
}

export const createJwtVerifier = ({ keys, issuer, audience }: JwtVerifierOptions): TokenVerifier => ({
  async verify(token) {
    try {
      const { payload } = await jwtVerify(token, keys, { issuer, audience });
      return payload as JWTPayload & Claims;
    } catch {
      throw new UnauthorizedError('The bearer token is missing, expired or not validly signed');
    }
  },
});

/**
 * Production verifier: the Cognito user pool's published keys (fetched on first use, then cached).
 * `audience` may list several app clients, comma-separated (the web client and the portal's).
 */
export const remoteJwtVerifier = (jwksUrl: string, issuer: string, audience: string): TokenVerifier =>
  createJwtVerifier({
    keys: createRemoteJWKSet(new URL(jwksUrl)),
    issuer,
    audience: audience
      .split(',')
      .map((a) => a.trim())
      .filter(Boolean),
  });
