/**
 * The API client: openapi-fetch typed by the paths generated from GET /openapi.json at build time
 * (web/scripts/build.ts), so a request the API no longer accepts fails the build. The API is served
 * under /api (CloudFront in AWS, the local gateway on npm start): same origin, no CORS.
 */
import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from './generated/schema';

export const API_BASE = '/api';

let bearer: string | undefined;
/** Set by the session (auth.tsx); every request then carries the user's token. */
export const setBearer = (token: string | undefined) => {
  bearer = token;
};
let onUnauthorized: (() => void) | undefined;
export const setOnUnauthorized = (f: () => void) => {
  onUnauthorized = f;
};

export interface FieldIssue {
  readonly path: string;
  readonly message: string;
}

/** An API error reply ({ error: { code, message, details } }) with its HTTP status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: readonly FieldIssue[] = [],
  ) {
    super(message);
  }
  get conflict() {
    return this.status === 409;
  }
}

const auth: Middleware = {
  onRequest({ request }) {
    if (bearer) request.headers.set('authorization', `Bearer ${bearer}`);
    return request;
  },
  onResponse({ response }) {
    if (response.status === 401 && bearer) onUnauthorized?.();
    return response;
  },
};

export const api = createClient<paths>({ baseUrl: API_BASE });
api.use(auth);

type Result = { data?: unknown; error?: unknown; response: Response };

/** Unwraps an openapi-fetch result: the body, or an ApiError. */
export const unwrap = async <T>(p: Promise<Result>): Promise<T> => {
  const { data, error, response } = await p;
  if (response.ok) return data as T;
  const e = (error as { error?: { code?: string; message?: string; details?: unknown } } | undefined)?.error;
  throw new ApiError(
    response.status,
    e?.code ?? String(response.status),
    e?.message ?? response.statusText,
    Array.isArray(e?.details) ? (e.details as FieldIssue[]) : [],
  );
};

/** A fresh Idempotency-Key for one user action (kept across retries of that action). */
export const newIdempotencyKey = () => crypto.randomUUID();

export interface Page<T> {
  readonly items: T[];
  readonly nextCursor?: string | null;
}
