import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, importJWK, type JWK, SignJWT } from 'jose';
import { CLAIM_GROUPS, CLAIM_ORG, type TokenVerifier } from '../../functions/shared/auth.js';
import { createJwtVerifier } from '../../functions/shared/jwt.js';
import type { Role } from '../system.js';

/** The local stand-in for the Cognito user pool: signs ID-token-shaped JWTs with an RSA key. */
export interface LocalIssuer {
  readonly issuer: string;
  readonly audience: string;
  readonly jwks: { keys: JWK[] };
  readonly verifier: TokenVerifier;
  token(claims: {
    roles: readonly Role[];
    org: string;
    sub?: string;
    name?: string;
    expiresIn?: string | number;
  }): Promise<string>;
}

export const LOCAL_ISSUER = 'https://local.shiyan-data.invalid/issuer';
export const LOCAL_AUDIENCE = 'shiyan-data-local';
const KID = 'local-1';

interface StoredKey {
  privateJwk: JWK;
  publicJwk: JWK;
}

const loadOrCreateKey = async (dataDir: string | undefined): Promise<StoredKey> => {
  const file = dataDir ? join(dataDir, 'issuer-key.json') : undefined;
  if (file && existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as StoredKey;
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const key: StoredKey = {
    privateJwk: await exportJWK(privateKey),
    publicJwk: { ...(await exportJWK(publicKey)), kid: KID, alg: 'RS256', use: 'sig' },
  };
  if (file && dataDir) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, JSON.stringify(key), { mode: 0o600 });
  }
  return key;
};

/** With a data folder the key persists, so tokens printed by `npm run token` stay valid across restarts. */
export const createLocalIssuer = async (dataDir?: string): Promise<LocalIssuer> => {
  const key = await loadOrCreateKey(dataDir);
  const privateKey = await importJWK(key.privateJwk, 'RS256');
  const jwks = { keys: [key.publicJwk] };
  return {
    issuer: LOCAL_ISSUER,
    audience: LOCAL_AUDIENCE,
    jwks,
    verifier: createJwtVerifier({
      issuer: LOCAL_ISSUER,
      audience: [LOCAL_AUDIENCE],
      jwksUri: `${LOCAL_ISSUER}/.well-known/jwks.json`,
      jwks,
    }),
    token: ({ roles, org, sub, name, expiresIn = '12h' }) =>
      new SignJWT({
        [CLAIM_GROUPS]: [...roles],
        [CLAIM_ORG]: org,
        token_use: 'id',
        ...(name ? { name } : {}),
      })
        .setProtectedHeader({ alg: 'RS256', kid: KID })
        .setSubject(sub ?? `${roles[0] ?? 'user'}-${org}`)
        .setIssuer(LOCAL_ISSUER)
        .setAudience(LOCAL_AUDIENCE)
        .setIssuedAt()
        .setExpirationTime(expiresIn)
        .sign(privateKey),
  };
};
