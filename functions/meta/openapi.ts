import { toJSONSchema, type ZodType } from 'zod';
import { type RouteDecl, routes } from '../../infra/system.js';
import { allowedRoles } from '../shared/auth.js';
import type { RouteTable } from '../shared/http.js';

type JsonSchema = Record<string, unknown>;

const schemaOf = (s: ZodType): JsonSchema => {
  const { $schema: _s, ...rest } = toJSONSchema(s, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  return rest;
};

const parameters = (s: ZodType | undefined, where: 'query' | 'path') => {
  if (!s) return [];
  const json = schemaOf(s);
  const props = (json.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((json.required ?? []) as string[]);
  return Object.entries(props).map(([name, schema]) => ({
    name,
    in: where,
    required: where === 'path' || required.has(name),
    schema,
  }));
};

const ERROR = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: { code: { type: 'string' }, message: { type: 'string' }, details: {} },
      required: ['code', 'message'],
    },
  },
};

const errorResponse = (description: string, headers?: Record<string, unknown>) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
  ...(headers ? { headers } : {}),
});

const RETRY_AFTER = {
  'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer' } },
};

/** Every error a route can answer, each with the platform's error body (`{ error: { code, message, details } }`). */
const errorResponses = (decl: RouteDecl, hasBody: boolean) => {
  const out: Record<string, unknown> = {
    '400': errorResponse('Invalid request (body, query, path, cursor); `details` lists each field'),
    '404': errorResponse('Not found (also any request no route matches)'),
  };
  if (allowedRoles(decl.auth) || decl.auth === 'optional')
    out['401'] = errorResponse('Missing, expired or invalid token');
  if (allowedRoles(decl.auth) || decl.auth === 'optional')
    out['403'] = errorResponse('Role or organisation not allowed');
  out['409'] = errorResponse(
    decl.method === 'GET'
      ? 'A transaction conflict of the moment (`transaction_conflict`): retry'
      : 'The current state forbids this, the version is stale, the Idempotency-Key was used with another request, or a transaction conflict of the moment (retry after `Retry-After`)',
    RETRY_AFTER,
  );
  if (hasBody) {
    out['413'] = errorResponse('Body too large');
    out['415'] = errorResponse('Body is not JSON');
  }
  out['500'] = errorResponse('Internal error (says nothing internal)');
  out['503'] = errorResponse('Throttled (`temporarily_unavailable`): retry after `Retry-After`', RETRY_AFTER);
  return out;
};

/** The OpenAPI 3.1 document, generated from the declared routes and their zod schemas. */
export const buildOpenApi = (tables: Partial<Record<string, RouteTable>>) => {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const decl of routes as readonly RouteDecl[]) {
    const h = tables[decl.function]?.[decl.operationId];
    const roles = allowedRoles(decl.auth);
    const op: Record<string, unknown> = {
      operationId: decl.operationId,
      summary: decl.summary,
      tags: [decl.function],
      ...(roles
        ? { security: [{ bearer: [] }], 'x-roles': roles }
        : decl.auth === 'optional'
          ? { security: [{}, { bearer: [] }] }
          : { security: [] }),
      parameters: [...parameters(h?.params, 'path'), ...parameters(h?.query, 'query')],
      ...(h?.idempotent
        ? {
            'x-idempotent': true,
          }
        : {}),
      ...(h?.body
        ? {
            requestBody: {
              required: true,
              content: { 'application/json': { schema: schemaOf(h.documentedBody ?? h.body) } },
            },
          }
        : {}),
      responses: {
        // Creates answer 201 Created.
        [h?.created || h?.idempotent ? '201' : '200']: {
          description: h?.created || h?.idempotent ? 'Created' : 'OK',
          content: { 'application/json': { schema: h?.response ? schemaOf(h.response) : {} } },
        },
        ...errorResponses(decl, !!h?.body),
      },
    };
    if (h?.idempotent) {
      (op.parameters as unknown[]).push({
        name: 'Idempotency-Key',
        in: 'header',
        required: false,
        schema: { type: 'string', maxLength: 128 },
        description: 'Retrying a create with the same key returns the first result',
      });
    }
    paths[decl.path] ??= {};
    (paths[decl.path] as Record<string, unknown>)[decl.method.toLowerCase()] = op;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Shiyan public data authorized operation platform (十堰市公共数据授权运营平台)',
      version: '0.1.0',
      description: 'Implements the Shiyan City Interim Measures for Public Data Authorized Operation.',
    },
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: { Error: ERROR },
    },
  };
};
