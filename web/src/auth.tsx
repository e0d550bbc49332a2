/**
 * Sessions. Locally the sign-in page picks a demo person and the local issuer signs their token
 * (POST /api/_local/token, local runtime only). In AWS, /config.json (written by the CDK stack) names
 * the stage's OIDC provider and the portal runs the authorization-code flow with PKCE. Either way the
 * session is the ID token: it ends when the token expires.
 */
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { API_BASE, setBearer, setOnUnauthorized } from './api/client';

export type Role =
  | 'authority'
  | 'provider'
  | 'operator'
  | 'expert'
  | 'government'
  | 'regulator'
  | 'consumer'
  | 'admin';

export interface SessionUser {
  readonly id: string;
  readonly role: Role;
  readonly roles: readonly Role[];
  readonly org: string;
  readonly orgName?: string;
  readonly name?: string;
}

export interface Session {
  readonly token: string;
  readonly user: SessionUser;
  /** Epoch milliseconds when the token expires. */
  readonly expiresAt: number;
}

export interface OidcConfig {
  readonly authorizationEndpoint: string;
  readonly tokenEndpoint: string;
  readonly logoutEndpoint?: string;
  readonly clientId: string;
  readonly scope: string;
}

const KEY = 'session';

const b64urlJson = (part: string): Record<string, unknown> => {
  const b64 = part.replace(/-/g, '+').replace(/_/g, '/');
  const bin = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0))));
};

/** Reads the claims the API also reads (cognito:groups, custom:org); the API verifies the signature. */
export const sessionFromToken = (token: string, orgName?: string): Session => {
  const claims = b64urlJson(token.split('.')[1] ?? '');
  const groups = claims['cognito:groups'];
  const roles = (Array.isArray(groups) ? groups : typeof groups === 'string' ? [groups] : []) as Role[];
  return {
    token,
    expiresAt: Number(claims.exp ?? 0) * 1000,
    user: {
      id: String(claims.sub ?? ''),
      role: roles[0] ?? 'consumer',
      roles,
      org: String(claims['custom:org'] ?? ''),
      ...(orgName ? { orgName } : {}),
      ...(typeof claims.name === 'string' ? { name: claims.name } : {}),
    },
  };
};

const load = (): Session | undefined => {
  try {
    const s = JSON.parse(sessionStorage.getItem(KEY) ?? 'null') as Session | null;
    return s && s.expiresAt > Date.now() ? s : undefined;
  } catch {
    return undefined;
  }
};

interface Auth {
  readonly session: Session | undefined;
  signIn(s: Session): void;
  signOut(): void;
}

const Ctx = createContext<Auth>({ session: undefined, signIn: () => {}, signOut: () => {} });

export const AuthProvider = ({ children }: { children: ReactNode }) => {
  const [session, setSession] = useState<Session | undefined>(() => {
    const s = load();
    setBearer(s?.token);
    return s;
  });
  const signOut = useCallback(() => {
    sessionStorage.removeItem(KEY);
    setBearer(undefined);
    setSession(undefined);
  }, []);
  const signIn = useCallback((s: Session) => {
    sessionStorage.setItem(KEY, JSON.stringify(s));
    setBearer(s.token);
    setSession(s);
  }, []);
  // Sessions expire with their tokens; a 401 from the API ends the session too.
  useEffect(() => {
    setOnUnauthorized(signOut);
    if (!session) return;
    const ms = session.expiresAt - Date.now();
    const timer = setTimeout(signOut, Math.max(0, Math.min(ms, 2 ** 31 - 1)));
    return () => clearTimeout(timer);
  }, [session, signOut]);
  const value = useMemo(() => ({ session, signIn, signOut }), [session, signIn, signOut]);
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
};

export const useAuth = () => useContext(Ctx);

// --- the two ways to sign in

/** The deployment's sign-in configuration: /config.json in AWS; absent locally. */
export const loadOidcConfig = async (): Promise<OidcConfig | null> => {
  const res = await fetch('/config.json', { headers: { accept: 'application/json' } }).catch(() => undefined);
  if (!res?.ok || !res.headers.get('content-type')?.includes('json')) return null;
  const c = (await res.json()) as { oidc?: OidcConfig };
  return c.oidc ?? null;
};

export interface DemoUser {
  readonly id: string;
  readonly role: Role;
  readonly org: string;
  readonly orgName: string;
  readonly name: { readonly zh: string; readonly en: string };
}

export const localDemoUsers = async (): Promise<DemoUser[]> => {
  const res = await fetch(`${API_BASE}/_local/demo-users`);
  if (!res.ok) return [];
  return ((await res.json()) as { items: DemoUser[] }).items;
};

export const localSignIn = async (user: DemoUser): Promise<Session> => {
  const res = await fetch(`${API_BASE}/_local/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user: user.id }),
  });
  if (!res.ok) throw new Error(`sign-in failed (${res.status})`);
  const { token } = (await res.json()) as { token: string };
  return sessionFromToken(token, user.orgName);
};

const randomString = () => {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
};

const challengeOf = async (verifier: string) => {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return btoa(String.fromCharCode(...new Uint8Array(digest)))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
};

const redirectUri = () => `${location.origin}/signin/callback`;

/** OIDC authorization-code flow with PKCE (S256): step 1, to the identity provider. */
export const oidcRedirect = async (c: OidcConfig, returnTo: string) => {
  const verifier = randomString();
  const state = randomString();
  sessionStorage.setItem('pkce', JSON.stringify({ verifier, state, returnTo }));
  const url = new URL(c.authorizationEndpoint);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: c.clientId,
    redirect_uri: redirectUri(),
    scope: c.scope,
    state,
    code_challenge: await challengeOf(verifier),
    code_challenge_method: 'S256',
  }).toString();
  location.assign(url.toString());
};

/** Step 2, back at /signin/callback: the code (checked against the state) for the ID token. */
export const oidcCallback = async (
  c: OidcConfig,
  params: URLSearchParams,
): Promise<{ session: Session; returnTo: string }> => {
  const saved = JSON.parse(sessionStorage.getItem('pkce') ?? 'null') as {
    verifier: string;
    state: string;
    returnTo: string;
  } | null;
  sessionStorage.removeItem('pkce');
  const code = params.get('code');
  if (!saved || !code || params.get('state') !== saved.state) throw new Error('Invalid sign-in response');
  const res = await fetch(c.tokenEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: c.clientId,
      code,
      redirect_uri: redirectUri(),
      code_verifier: saved.verifier,
    }),
  });
  if (!res.ok) throw new Error(`Token exchange failed (${res.status})`);
  const { id_token: idToken } = (await res.json()) as { id_token: string };
  return { session: sessionFromToken(idToken), returnTo: saved.returnTo };
};
