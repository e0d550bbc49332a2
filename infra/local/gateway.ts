import { randomUUID } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
  STATUS_CODES,
} from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { allowedRoles, bearerToken, type Claims, type TokenVerifier } from '../../functions/shared/auth.js';
import { AppError } from '../../functions/shared/errors.js';
import { decodableQuery, MAX_BODY_BYTES } from '../../functions/shared/http.js';
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
  /** Reads the JSON body (only after the caller was found to be allowed). */
  body: () => Promise<unknown>;
  claims: Claims | undefined;
}) => Promise<{ status: number; body: unknown } | undefined>;

export interface GatewayOptions {
  readonly port: number;
  readonly host?: string;
  readonly verifier: TokenVerifier;
  readonly invoke: (fn: FunctionName, event: unknown) => Promise<unknown>;
  readonly admin?: LocalAdminRoute;
  /** Local stand-ins that take raw bodies (e.g. signed storage URLs), served before everything else. */
  readonly raw?: (req: {
    method: string;
    path: string;
    query: URLSearchParams;
    body: Buffer;
  }) => Promise<{ status: number; body: Buffer | string; contentType: string } | undefined>;
  readonly routes?: readonly RouteDecl[];
  /** Largest body read, in bytes (default: the platform's limit, MAX_BODY_BYTES). */
  readonly maxBodyBytes?: number;
  /** The function behind API Gateway's `$default` route: it answers unmatched requests. */
  readonly defaultFunction?: FunctionName;
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

/** The request body was larger than the limit: the gateway stopped reading it. */
class BodyTooLarge extends Error {}

/**
 * Reads a request body up to `limit` bytes and stops there: a declared `content-length` over the limit
 * is refused before a byte is read, and a streamed body is cut off as soon as it passes the limit.
 */
/** Paths of the local object storage's signed links (infra/local/processing.ts). */
const STORAGE_PREFIX = '/_local/storage/';
/** A dataset upload's largest size (functions/processing/domain.ts maxDatasetBytes). */
const STORAGE_MAX_BYTES = 512 * 1024 * 1024;

const readBody = (req: IncomingMessage, limit: number): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? '0');
    if (declared > limit) return reject(new BodyTooLarge());
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        req.off('data', onData);
        req.pause();
        reject(new BodyTooLarge());
        return;
      }
      chunks.push(c);
    };
    req.on('data', onData);
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

  const limit = opts.maxBodyBytes ?? MAX_BODY_BYTES;
  const server = createServer(async (req, res) => {
    const requestId = randomUUID();
    // A request refused before its body was read: answer and close, never drain what is left.
    const refuse = (status: number, body: unknown) => {
      res.setHeader('connection', 'close');
      send(res, status, body, CORS);
      req.resume();
    };
    try {
      const url = new URL(req.url ?? '/', 'http://local');
      const method = (req.method ?? 'GET').toUpperCase();
      if (method === 'OPTIONS') return send(res, 204, '', CORS);
      // The API is also served under /api (as the CloudFront distribution serves it); everything
      // else may be the portal (its files, or index.html for a browser navigation).
      const underApi = url.pathname === '/api' || url.pathname.startsWith('/api/');
      if (underApi) url.pathname = url.pathname.slice(4) || '/';
      // Signed storage links (the local stand-in for S3 presigned URLs) carry their own authorization
      // in the URL, and their own size limit (a dataset upload): checked by the handler, not here.
      if (opts.raw && url.pathname.startsWith(STORAGE_PREFIX)) {
        const raw = await readBody(req, STORAGE_MAX_BYTES);
        const out = await opts.raw({ method, path: url.pathname, query: url.searchParams, body: raw });
        if (out) {
          res.writeHead(out.status, { ...CORS, 'content-type': out.contentType });
          return res.end(out.body);
        }
      }
      if (!underApi && opts.webDir) {
        let served = false;
        try {
          served = await servePortal(opts.webDir, method, url.pathname, req.headers.accept ?? '', res);
        } catch {
          served = false;
        }
        if (served) return;
      }
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers))
        if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(',') : v;
      // Authenticate first: nothing of an unauthenticated request's body is read.
      const token = bearerToken(headers);
      const verified = token ? await opts.verifier.verify(token).catch(() => undefined) : undefined;
      const rawQuery = url.search.replace(/^\?/, '');
      // API Gateway refuses an undecodable query with a 400; so does this gateway, with the platform's body.
      if (!decodableQuery(rawQuery)) {
        return refuse(
          400,
          errorBody('validation_failed', 'The query string is not valid percent-encoded UTF-8'),
        );
      }
      const body = async (): Promise<Buffer> => readBody(req, limit);

      if (opts.admin && url.pathname.startsWith('/_local/')) {
        const out = await opts.admin({
          method,
          path: url.pathname,
          claims: verified,
          body: async () => {
            const raw = await body();
            try {
              return raw.length ? JSON.parse(raw.toString('utf8')) : undefined;
            } catch {
              throw new AppError(400, 'validation_failed', 'The request body is not valid JSON');
            }
          },
        });
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
      if (!match && !opts.defaultFunction) return refuse(404, { message: 'Not Found' });
      const decl = match?.route.decl;

      let authorizer: { jwt: { claims: Record<string, string>; scopes: null } } | undefined;
      if (decl && allowedRoles(decl.auth)) {
        // The JWT authorizer: no valid token, no invocation (and no body read).
        if (!verified) return refuse(401, errorBody('unauthorized', 'A valid bearer token is required'));
        authorizer = { jwt: { claims: claimsAsApiGateway(verified), scopes: null } };
      }
      const raw = await body();

      const query: Record<string, string> = {};
      for (const [k, v] of url.searchParams) query[k] = k in query ? `${query[k]},${v}` : v;
      const now = new Date();
      // Unmatched: API Gateway's `$default` route, served by the declared default function.
      const key = decl ? routeKey(decl) : '$default';
      const params = match?.route.params ?? [];
      const event = {
        version: '2.0',
        routeKey: key,
        rawPath: url.pathname,
        rawQueryString: rawQuery,
        headers,
        ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
        ...(match && params.length
          ? {
              pathParameters: Object.fromEntries(
                params.map((p, i) => [p, safeDecode(match.values[i] ?? '')]),
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
          routeKey: key,
          stage: '$default',
          time: now.toUTCString(),
          timeEpoch: now.getTime(),
          ...(authorizer ? { authorizer } : {}),
        },
        ...(raw.length ? { body: raw.toString('utf8') } : {}),
        isBase64Encoded: false,
      };
      const target = decl?.function ?? opts.defaultFunction;
      if (!target) return refuse(404, { message: 'Not Found' });
      const result = (await opts.invoke(target, event)) as APIGatewayProxyStructuredResultV2 | undefined;
      const status = result?.statusCode ?? 200;
      const outHeaders = Object.fromEntries(
        Object.entries(result?.headers ?? {}).map(([k, v]) => [k, String(v)]),
      );
      res.writeHead(status, { ...CORS, 'x-request-id': requestId, ...outHeaders });
      res.end(result?.body ?? '');
    } catch (e) {
      if (e instanceof BodyTooLarge)
        return refuse(413, errorBody('payload_too_large', `The request body exceeds ${limit} bytes`));
      if (e instanceof AppError) return send(res, e.status, errorBody(e.code, e.message), CORS);
      console.error('[gateway]', e);
      send(res, 500, errorBody('internal', 'Internal error'), CORS);
    }
  });
  // Node answers an oversized header block or a malformed request with a bare status line and no body;
  // answer with the platform's error body instead, then close the connection.
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) return socket.destroy();
    const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
    const status = tooLarge ? 431 : 400;
    const body = JSON.stringify(
      tooLarge
        ? errorBody('request_header_fields_too_large', 'The request line and headers exceed 16 KB')
        : errorBody('validation_failed', 'Malformed HTTP request'),
    );
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json; charset=utf-8\r\n` +
        `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
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
