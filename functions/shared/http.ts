import { createHash } from 'node:crypto';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { ZodType } from 'zod';
import { type FunctionName, type RouteDecl, routeKey, routes } from '../../infra/system.js';
import { allowedRoles, bearerToken, type Claims, type Principal, principalFromClaims } from './auth.js';
import type { Deps } from './deps.js';
import {
  AppError,
  ConflictError,
  fieldIssues,
  NotFoundError,
  PayloadTooLargeError,
  UnauthorizedError,
  UnsupportedMediaTypeError,
  ValidationError,
} from './errors.js';
import type { Page } from './query.js';
import { type Actor, IdempotentReplay, readIdempotency, type StoredReply, Transaction } from './store.js';

export type HttpEvent = APIGatewayProxyEventV2WithJWTAuthorizer;
export type HttpResult = APIGatewayProxyStructuredResultV2;

export const MAX_BODY_BYTES = 256 * 1024;

export interface Reply {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

export interface RequestContext<B, Q, P> {
  readonly body: B;
  readonly query: Q;
  readonly params: P;
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** Present on every role-restricted route; on `optional` routes only when a token was sent. */
  readonly principal: Principal | undefined;
  readonly requestId: string;
  readonly now: Date;
  readonly deps: Deps;
  /** A transaction carrying this request's actor (for audit) and Idempotency-Key (for creates). */
  tx(): Transaction;
}

/** The caller of a role-restricted route (the edge has already checked the role). */
export const caller = (ctx: { principal: Principal | undefined }): Principal => {
  if (!ctx.principal) throw new UnauthorizedError();
  return ctx.principal;
};

/** The version a change expects: a body `version`, or `If-Match: 3` / `"3"`. Undefined: no expectation. */
export const expectedVersion = (
  body: { version?: number | undefined },
  headers: Readonly<Record<string, string | undefined>>,
): number | undefined => {
  const ifMatch = headers['if-match']?.replace(/^W\//, '').replace(/"/g, '');
  const fromHeader = ifMatch && /^\d+$/.test(ifMatch) ? Number(ifMatch) : undefined;
  return body.version ?? fromHeader;
};

/** A 200 with one page of a listing, each item shown through `view`. */
export const pageReply = <T>(
  page: Page<T>,
  view: (item: T) => unknown,
  headers?: Record<string, string>,
): Reply => ({
  status: 200,
  body: { items: page.items.map((item) => view(item)), nextCursor: page.nextCursor },
  ...(headers ? { headers } : {}),
});

export interface RouteHandler<B = unknown, Q = unknown, P = unknown> {
  readonly body?: ZodType<B>;
  readonly query?: ZodType<Q>;
  readonly params?: ZodType<P>;
  /** Creates honour an Idempotency-Key header: a retry returns the first reply, never a duplicate. */
  readonly idempotent?: boolean;
  /** Response schema, for the OpenAPI document. */
  readonly response?: ZodType;
  handle(ctx: RequestContext<B, Q, P>): Promise<Reply>;
}

/** Typing helper: infers B/Q/P from the schemas given. */
export const route = <B = undefined, Q = undefined, P = undefined>(
  h: RouteHandler<B, Q, P>,
): RouteHandler<B, Q, P> => h;

/** Route handlers of one function, keyed by the operationId declared in infra/system.ts. */
// biome-ignore lint/suspicious/noExplicitAny: a map of handlers with different request types
export type RouteTable = Record<string, RouteHandler<any, any, any>>;

export const json = (status: number, body: unknown, headers: Record<string, string> = {}): HttpResult => ({
  statusCode: status,
  headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  body: body === undefined ? '' : JSON.stringify(body),
});

const parse = <T>(schema: ZodType<T> | undefined, value: unknown, where: string): T => {
  if (!schema) return undefined as T;
  const r = schema.safeParse(value);
  if (!r.success)
    throw new ValidationError(`The request ${where} is invalid`, fieldIssues(r.error.issues, where));
  return r.data;
};

const lowerHeaders = (
  h: Record<string, string | undefined> | undefined,
): Record<string, string | undefined> => {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(h ?? {})) out[k.toLowerCase()] = v;
  return out;
};

const readJsonBody = (event: HttpEvent, headers: Record<string, string | undefined>): unknown => {
  if (event.body === undefined || event.body === null || event.body === '') return undefined;
  const raw = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  if (Buffer.byteLength(raw) > MAX_BODY_BYTES) throw new PayloadTooLargeError(MAX_BODY_BYTES);
  const type = headers['content-type'] ?? '';
  if (!/^application\/([\w.+-]+\+)?json\b/i.test(type)) throw new UnsupportedMediaTypeError();
  try {
    return JSON.parse(raw);
  } catch {
    throw new ValidationError('The request body is not valid JSON', [
      { path: 'body', message: 'Malformed JSON' },
    ]);
  }
};

const IDEMPOTENCY_KEY = /^[\w.:-]{1,128}$/;

/** Finds the declared route of an API Gateway event (`routeKey` is "METHOD /path/{param}"). */
const declaredRoutes = new Map<string, RouteDecl>(routes.map((r) => [routeKey(r), r]));
export const declaredRoute = (event: HttpEvent): RouteDecl | undefined => declaredRoutes.get(event.routeKey);

const authenticate = async (
  decl: RouteDecl,
  event: HttpEvent,
  headers: Record<string, string | undefined>,
  deps: Deps,
) => {
  const roles = allowedRoles(decl.auth);
  if (roles) {
    const claims = event.requestContext.authorizer?.jwt?.claims as Claims | undefined;
    // The gateway's JWT authorizer rejects requests without a valid token before they get here.
    if (!claims) throw new UnauthorizedError();
    return principalFromClaims(claims, roles);
  }
  if (decl.auth === 'optional') {
    const token = bearerToken(headers);
    if (!token) return undefined;
    return principalFromClaims(await deps.tokens().verify(token));
  }
  return undefined;
};

/** The HTTP edge of one function: route lookup, auth, parsing, idempotency, errors. */
export const httpRouter =
  (fn: FunctionName, table: RouteTable, deps: Deps) =>
  async (event: HttpEvent, requestId: string): Promise<HttpResult> => {
    try {
      const decl = declaredRoute(event);
      const handler = decl && decl.function === fn ? table[decl.operationId] : undefined;
      if (!decl || !handler) throw new NotFoundError(`Route ${event.routeKey}`);
      const headers = lowerHeaders(event.headers);
      const principal = await authenticate(decl, event, headers, deps);
      const rawBody = handler.body ? readJsonBody(event, headers) : undefined;
      const body = parse(handler.body, rawBody ?? {}, 'body');
      const query = parse(handler.query, event.queryStringParameters ?? {}, 'query');
      const params = parse(handler.params, event.pathParameters ?? {}, 'path');
      const now = deps.clock.now();
      const actor: Actor | undefined = principal ? { principal, requestId, now } : undefined;

      let claim: { key: string; requestHash: string } | undefined;
      const idemHeader = headers['idempotency-key'];
      if (handler.idempotent && idemHeader !== undefined && principal) {
        if (!IDEMPOTENCY_KEY.test(idemHeader)) {
          throw new ValidationError('Invalid Idempotency-Key', [
            { path: 'header.idempotency-key', message: '1-128 characters: letters, digits, . _ : -' },
          ]);
        }
        claim = {
          key: `${decl.operationId}#${principal.org}#${principal.userId}#${idemHeader}`,
          requestHash: createHash('sha256')
            .update(JSON.stringify(body ?? null))
            .digest('base64url'),
        };
        const stored = await readIdempotency(deps, claim.key);
        if (stored) {
          if (stored.requestHash !== claim.requestHash) {
            throw new ConflictError(
              'This Idempotency-Key was used with a different request',
              'idempotency_key_reused',
            );
          }
          return replay(stored.reply);
        }
      }

      const reply = await handler.handle({
        body,
        query,
        params,
        headers,
        principal,
        requestId,
        now,
        deps,
        tx: () => {
          if (!actor) throw new UnauthorizedError();
          return new Transaction(deps, actor, claim);
        },
      });
      return json(reply.status, reply.body, {
        ...cacheHeaders(decl, event, headers, reply.status),
        ...reply.headers,
      });
    } catch (e) {
      if (e instanceof IdempotentReplay) return replay(e.reply);
      if (e instanceof AppError) {
        return json(
          e.status,
          { error: { code: e.code, message: e.message, details: e.details ?? null } },
          NO_STORE,
        );
      }
      deps.logger.error('Unhandled error', { error: e as Error, requestId });
      // Internal details never leave the function.
      return json(500, { error: { code: 'internal', message: 'Internal error', details: null } }, NO_STORE);
    }
  };

/**
 * Cache-Control of a reply. Anonymous GETs of public and optional-auth routes (catalog, announcements,
 * the operators' disclosure) may be cached by the CDN and browsers for a short time, so a surge of
 * citizens does not reach the single listing partitions; anything read with a token, any other
 * method and any error is never stored (`private, no-store`). A route may still set its own header.
 */
export const PUBLIC_MAX_AGE_SECONDS = 30;
const NO_STORE = { 'cache-control': 'private, no-store' };
const cacheHeaders = (
  decl: RouteDecl,
  event: HttpEvent,
  headers: Record<string, string | undefined>,
  status: number,
): Record<string, string> => {
  const anonymousRead =
    event.requestContext.http.method === 'GET' &&
    (decl.auth === 'public' || decl.auth === 'optional') &&
    !bearerToken(headers) &&
    status === 200;
  return {
    'cache-control': anonymousRead ? `public, max-age=${PUBLIC_MAX_AGE_SECONDS}` : 'private, no-store',
  };
};

const replay = (r: StoredReply): HttpResult =>
  json(r.status, r.body, { 'idempotent-replayed': 'true', ...NO_STORE });
