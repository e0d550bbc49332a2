import { createHash } from 'node:crypto';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { ZodType } from 'zod';
import { type FunctionName, type Role, type RouteDecl, routeKey, routes } from '../../infra/system.js';
import {
  allowedRoles,
  bearerToken,
  type Claims,
  orgFromClaims,
  type Principal,
  principalFromClaims,
} from './auth.js';
import type { Deps } from './deps.js';
import {
  AppError,
  ConflictOfInterestError,
  fieldIssues,
  NotFoundError,
  PayloadTooLargeError,
  transientAwsError,
  UnauthorizedError,
  UnsupportedMediaTypeError,
  ValidationError,
} from './errors.js';
import { countCall } from './metering.js';
import { assertRoleForOrganisation, kindOf, readOrganisation } from './organisations.js';
import type { Page } from './query.js';
import { type Actor, IdempotentReplay, type StoredReply, settleIdempotency, Transaction } from './store.js';

export type HttpEvent = APIGatewayProxyEventV2WithJWTAuthorizer;
export type HttpResult = APIGatewayProxyStructuredResultV2;

export const MAX_BODY_BYTES = 256 * 1024;

export interface Reply {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  /** A non-JSON body (CSV, JSON Lines exports), sent as is with the `content-type` in `headers`. */
  readonly text?: string;
}

export interface RequestContext<B, Q, P> {
  readonly body: B;
  readonly query: Q;
  readonly params: P;
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** Present on every role-restricted route; on `optional` routes only when a token was sent. */
  readonly principal: Principal | undefined;
  readonly requestId: string;
  /** The client's address as the gateway saw it (rate limits of anonymous routes). */
  readonly sourceIp: string;
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
  /** Answers 201 Created (implied by `idempotent`): for the OpenAPI document. */
  readonly created?: boolean;
  /** Response schema, for the OpenAPI document. */
  readonly response?: ZodType;
  /**
   * The request body as the OpenAPI document shows it, where the edge parses more loosely than the
   * handler validates (e.g. a task decision, validated against its task's kind after the assignee check).
   */
  readonly documentedBody?: ZodType;
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

/** Whether every part of a raw query string decodes (percent-encoding of UTF-8). */
export const decodableQuery = (raw: string): boolean =>
  raw.split(/[&=]/).every((piece) => {
    try {
      decodeURIComponent(piece.replace(/\+/g, ' '));
      return true;
    } catch {
      return false;
    }
  });

const IDEMPOTENCY_KEY = /^[\w.:-]{1,128}$/;

/** Finds the declared route of an API Gateway event (`routeKey` is "METHOD /path/{param}"). */
const declaredRoutes = new Map<string, RouteDecl>(routes.map((r) => [routeKey(r), r]));
export const declaredRoute = (event: HttpEvent): RouteDecl | undefined => declaredRoutes.get(event.routeKey);

/**
 * The caller, bound to its organisation (Art. 6, 18): the token's organisation must be a valid unified
 * social credit code (else 401), and a role counts only for an organisation of the matching kind in
 * the registry (else 403) — checked here, once, for every route of every duty.
 */
const bind = async (claims: Claims, deps: Deps, allowed?: readonly Role[]): Promise<Principal> => {
  const org = orgFromClaims(claims);
  const kind = kindOf(await readOrganisation(deps, org), org, deps.authorityOrg);
  const honoured = (role: Role) => {
    try {
      assertRoleForOrganisation({ role, org }, kind);
      return true;
    } catch {
      return false;
    }
  };
  return principalFromClaims(claims, allowed, honoured);
};

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
    return bind(claims, deps, roles);
  }
  if (decl.auth === 'optional') {
    const token = bearerToken(headers);
    if (!token) return undefined;
    return bind(await deps.tokens().verify(token), deps);
  }
  return undefined;
};

/** The HTTP edge of one function: route lookup, auth, parsing, idempotency, errors. */
export const httpRouter = (fn: FunctionName, table: RouteTable, deps: Deps) => {
  return async (event: HttpEvent, requestId: string): Promise<HttpResult> => {
    let operatorOrg: string | undefined;
    let refusedBy: Actor | undefined;
    try {
      const decl = declaredRoute(event);
      const handler = decl && decl.function === fn ? table[decl.operationId] : undefined;
      if (!decl || !handler) {
        // The `$default` route: nothing declared matches this method and path.
        const { method, path } = event.requestContext.http ?? { method: '', path: '' };
        throw new NotFoundError(
          event.routeKey === '$default' ? `Route ${method} ${path}` : `Route ${event.routeKey}`,
        );
      }
      if (!decodableQuery(event.rawQueryString ?? '')) {
        throw new ValidationError('The query string is not valid percent-encoded UTF-8', [
          { path: 'query', message: 'Undecodable percent-encoding' },
        ]);
      }
      const headers = lowerHeaders(event.headers);
      const principal = await authenticate(decl, event, headers, deps);
      if (principal?.role === 'operator') operatorOrg = principal.org;
      const rawBody = handler.body ? readJsonBody(event, headers) : undefined;
      const body = parse(handler.body, rawBody ?? {}, 'body');
      const query = parse(handler.query, event.queryStringParameters ?? {}, 'query');
      const params = parse(handler.params, event.pathParameters ?? {}, 'path');
      const now = deps.clock.now();
      const actor: Actor | undefined = principal ? { principal, requestId, now } : undefined;
      refusedBy = actor;

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
          // The request's fingerprint: its route, path parameters, query and body.
          requestHash: createHash('sha256')
            .update(JSON.stringify([decl.operationId, params ?? null, query ?? null, body ?? null]))
            .digest('base64url'),
        };
        // A replay compares fingerprints whenever it happens: here, and after a lost race below.
        await settleIdempotency(deps, claim);
      }

      const reply = await handler
        .handle({
          body,
          query,
          params,
          headers,
          principal,
          requestId,
          sourceIp: event.requestContext.http?.sourceIp ?? 'unknown',
          now,
          deps,
          tx: () => {
            if (!actor) throw new UnauthorizedError();
            return new Transaction(deps, actor, claim);
          },
        })
        .catch(async (e: unknown) => {
          // A concurrent request under the same key may have committed while this one ran, and this
          // one then failed on the state that request created (a domain 409): the same request gets
          // the first reply, another request a 409 `idempotency_key_reused`.
          if (claim && e instanceof AppError && e.status === 409) await settleIdempotency(deps, claim);
          throw e;
        });
      if (reply.text !== undefined) {
        return { statusCode: reply.status, headers: { ...NO_STORE, ...reply.headers }, body: reply.text };
      }
      return json(reply.status, reply.body, {
        ...cacheHeaders(decl, event, headers, reply.status),
        ...reply.headers,
      });
    } catch (e) {
      if (e instanceof IdempotentReplay) return replay(e.reply);
      if (e instanceof ConflictOfInterestError && refusedBy) await auditRefusal(deps, refusedBy, e);
      // Throttling and transaction conflicts from any DynamoDB call: 503 / 409 with a retry hint.
      const err = e instanceof AppError ? e : transientAwsError(e);
      if (err) {
        return json(
          err.status,
          { error: { code: err.code, message: err.message, details: err.details ?? null } },
          err.retryAfterSeconds ? { ...NO_STORE, 'retry-after': String(err.retryAfterSeconds) } : NO_STORE,
        );
      }
      deps.logger.error('Unhandled error', { error: e as Error, requestId });
      // Internal details never leave the function.
      return json(500, { error: { code: 'internal', message: 'Internal error', details: null } }, NO_STORE);
    } finally {
      // Art. 17: every authenticated operator call is metered, in every duty, before the reply leaves
      // (one counter write; functions/shared/metering.ts).
      if (operatorOrg) await countCall(deps, fn, operatorOrg, deps.clock.now());
    }
  };
};

/** A refused conflict of interest is audited like a change (who tried what, on which record). */
const auditRefusal = async (deps: Deps, actor: Actor, e: ConflictOfInterestError): Promise<void> => {
  try {
    await new Transaction(deps, actor)
      .audit({
        action: `${e.refused.action}.refused`,
        resource: e.refused.resource,
        before: null,
        after: { refused: e.message },
      })
      .commit();
  } catch (error) {
    deps.logger.error('A refused attempt could not be audited', { error: error as Error });
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
