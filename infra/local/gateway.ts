import { randomUUID } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { allowedRoles, bearerToken, type Claims, type TokenVerifier } from '../../functions/shared/auth.js';
import { AppError } from '../../functions/shared/errors.js';
import { routes as declaredRoutes, type FunctionName, type RouteDecl, routeKey } from '../system.js';

/** A compiled route: its declaration plus a matcher for concrete paths. */
interface CompiledRoute {
  readonly decl: RouteDecl;
  readonly regex: RegExp;
  readonly params: string[];
}

const compile = (decl: RouteDecl): CompiledRoute => {
  const params: string[] = [];
  const pattern = decl.path.replace(/\{(\w+)\+?\}/g, (_m, name: string) => {
    params.push(name);
    return '([^/]+)';
  });
  return { decl, regex: new RegExp(`^${pattern}$`), params };
};

/** Static segments win over parameters, as in API Gateway. */
const specificity = (r: RouteDecl) => r.path.split('/').filter((s) => s && !s.startsWith('{')).length;

/**
 * API Gateway hands JWT claims to Lambda as strings: arrays become "[a b]" and numbers their decimal
 * form. The local gateway does the same so handlers see exactly what they see in AWS.
 */
export const claimsAsApiGateway = (claims: Claims): Record<string, string> =>
  Object.fromEntries(
    Object.entries(claims).map(([k, v]) => [
      k,
      Array.isArray(v) ? `[${v.join(' ')}]` : typeof v === 'string' ? v : String(v),
    ]),
  );

export type LocalHandler = (event: unknown) => Promise<unknown>;

/** Extra local-only endpoints (clock, schedules…) served before the declared routes. */
export type LocalAdminRoute = (req: {
  method: string;
  path: string;
  body: unknown;
  claims: Claims | undefined;
}) => Promise<{ status: number; body: unknown } | undefined>;

export interface GatewayOptions {
  readonly port: number;
  readonly host?: string;
  readonly verifier: TokenVerifier;
  readonly invoke: (fn: FunctionName, event: unknown) => Promise<unknown>;
  readonly admin?: LocalAdminRoute;
  readonly routes?: readonly RouteDecl[];
  /** The built portal: served for browser navigations and its files, as CloudFront serves the bucket. */
  readonly webDir?: string;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
};

/**
 * The portal's share of a request, as the distribution splits it: /api/* is the API (the prefix is
 * dropped); a file of the build is served as is (hashed assets cached for a year); a browser
 * navigation (Accept: text/html) or `/` gets index.html, whose router shows the page. Anything else
 * (curl, fetch) falls through to the API routes, so the API keeps answering at its own paths.
 */
const servePortal = async (
  webDir: string,
  method: string,
  pathname: string,
  accept: string,
  res: ServerResponse,
): Promise<boolean> => {
  if (method !== 'GET' && method !== 'HEAD') return false;
  const root = resolve(webDir);
  const file = resolve(root, `.${decodeURIComponent(pathname)}`);
  const inside = file.startsWith(`${root}${sep}`);
  const isFile =
    inside &&
    (await stat(file)
      .then((s) => s.isFile())
      .catch(() => false));
  const navigation = pathname === '/' || (accept.includes('text/html') && !pathname.startsWith('/_local/'));
  if (!isFile && !navigation) return false;
  const target = isFile ? file : join(root, 'index.html');
  const body = await readFile(target).catch(() => undefined);
  if (!body) return false;
  res.writeHead(200, {
    'content-type': CONTENT_TYPES[extname(target)] ?? 'application/octet-stream',
    'cache-control': target.includes(`${sep}assets${sep}`)
      ? 'public, max-age=31536000, immutable'
      : 'no-cache',
    'x-content-type-options': 'nosniff',
  });
  res.end(method === 'HEAD' ? undefined : body);
  return true;
};

const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
};

/** API Gateway passes a path segment it cannot decode through as sent; the handler's schema then rejects it. */
const safeDecode = (segment: string): string => {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
};

const errorBody = (code: string, message: string) => ({ error: { code, message, details: null } });

const readBody = (req: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });

const CORS = {
  'access-control-allow-origin': '*',
  'access-control-allow-headers': 'authorization,content-type,idempotency-key,if-match',
  'access-control-allow-methods': 'GET,POST,PUT,PATCH,DELETE,OPTIONS',
};

/**
 * The local HTTP gateway: matches declared routes, verifies the bearer token where the route needs one
 * (as the JWT authorizer does), and invokes the declared function with an API Gateway HTTP API payload
 * 2.0 event.
 */
export const startGateway = (
  opts: GatewayOptions,
): Promise<{ server: Server; url: string; routeKeys: string[] }> => {
  const compiled = [...(opts.routes ?? declaredRoutes)]
    .sort((a, b) => specificity(b) - specificity(a))
    .map(compile);

  const server = createServer(async (req, res) => {
    const requestId = randomUUID();
    try {
      const url = new URL(req.url ?? '/', 'http://local');
      const method = (req.method ?? 'GET').toUpperCase();
      if (method === 'OPTIONS') return send(res, 204, '', CORS);
      if (url.pathname === '/api' || url.pathname.startsWith('/api/')) {
        url.pathname = url.pathname.slice(4) || '/';
      } else if (opts.webDir) {
        let served = false;
        try {
          served = await servePortal(opts.webDir, method, url.pathname, req.headers.accept ?? '', res);
        } catch {
          served = false;
        }
        if (served) return;
      }
      const raw = await readBody(req);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers))
        if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(',') : v;
      const token = bearerToken(headers);
      const verified = token ? await opts.verifier.verify(token).catch(() => undefined) : undefined;

      if (opts.admin && url.pathname.startsWith('/_local/')) {
        let body: unknown;
        try {
          body = raw.length ? JSON.parse(raw.toString('utf8')) : undefined;
        } catch {
          return send(res, 400, errorBody('validation_failed', 'The request body is not valid JSON'), CORS);
        }
        const out = await opts.admin({ method, path: url.pathname, body, claims: verified });
        if (out) return send(res, out.status, out.body, CORS);
      }

      let match: { route: CompiledRoute; values: string[] } | undefined;
      for (const route of compiled) {
        if (route.decl.method !== method) continue;
        const m = route.regex.exec(url.pathname);
        if (m) {
          match = { route, values: m.slice(1) };
          break;
        }
      }
      if (!match) return send(res, 404, { message: 'Not Found' }, CORS);
      const { decl } = match.route;

      let authorizer: { jwt: { claims: Record<string, string>; scopes: null } } | undefined;
      if (allowedRoles(decl.auth)) {
        // The JWT authorizer: no valid token, no invocation.
        if (!verified)
          return send(res, 401, errorBody('unauthorized', 'A valid bearer token is required'), CORS);
        authorizer = { jwt: { claims: claimsAsApiGateway(verified), scopes: null } };
      }

      const query: Record<string, string> = {};
      for (const [k, v] of url.searchParams) query[k] = k in query ? `${query[k]},${v}` : v;
      const now = new Date();
      const event = {
        version: '2.0',
        routeKey: routeKey(decl),
        rawPath: url.pathname,
        rawQueryString: url.search.replace(/^\?/, ''),
        headers,
        ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
        ...(match.route.params.length
          ? {
              pathParameters: Object.fromEntries(
                match.route.params.map((p, i) => [p, safeDecode(match.values[i] ?? '')]),
              ),
            }
          : {}),
        requestContext: {
          accountId: '000000000000',
          apiId: 'local',
          domainName: headers.host ?? 'localhost',
          domainPrefix: 'localhost',
          http: {
            method,
            path: url.pathname,
            protocol: `HTTP/${req.httpVersion}`,
            sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
            userAgent: headers['user-agent'] ?? '',
          },
          requestId,
          routeKey: routeKey(decl),
          stage: '$default',
          time: now.toUTCString(),
          timeEpoch: now.getTime(),
          ...(authorizer ? { authorizer } : {}),
        },
        ...(raw.length ? { body: raw.toString('utf8') } : {}),
        isBase64Encoded: false,
      };
      const result = (await opts.invoke(decl.function, event)) as
        | APIGatewayProxyStructuredResultV2
        | undefined;
      const status = result?.statusCode ?? 200;
      const outHeaders = Object.fromEntries(
        Object.entries(result?.headers ?? {}).map(([k, v]) => [k, String(v)]),
      );
      res.writeHead(status, { ...CORS, 'x-request-id': requestId, ...outHeaders });
      res.end(result?.body ?? '');
    } catch (e) {
      if (e instanceof AppError) return send(res, e.status, errorBody(e.code, e.message), CORS);
      console.error('[gateway]', e);
      send(res, 500, errorBody('internal', 'Internal error'), CORS);
    }
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : opts.port;
      resolve({
        server,
        url: `http://${opts.host ?? '127.0.0.1'}:${port}`,
        routeKeys: compiled.map((r) => routeKey(r.decl)),
      });
    });
  });
};
