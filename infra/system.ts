/**
 * The one declaration of the platform: tables, functions, HTTP routes, state machines, event rules
 * and schedules. The CDK stack (infra/stack.ts) and the local runtime (infra/local/) are both built
 * from this file, and test/infra/agreement.test.ts proves they agree.
 *
 * This module is plain data: it imports nothing from the CDK or the AWS SDK, so Lambda handlers may
 * import it (the HTTP edge reads the roles allowed on each route from here).
 */

export const ROLES = [
  'authority',
  'provider',
  'operator',
  'expert',
  'government',
  'regulator',
  'consumer',
  'admin',
] as const;
export type Role = (typeof ROLES)[number];

export interface IndexDecl {
  readonly partitionKey: string;
  readonly sortKey?: string;
}

export interface TableDecl {
  readonly partitionKey: string;
  readonly sortKey?: string;
  /** Global secondary indexes, all projecting every attribute. */
  readonly indexes?: Readonly<Record<string, IndexDecl>>;
  /** Attribute holding an epoch-seconds expiry, if the table uses DynamoDB TTL. */
  readonly timeToLive?: string;
  /** Append-only tables grant functions PutItem only (no update, no delete). */
  readonly appendOnly?: boolean;
}

export type Access = 'read' | 'write';

export interface FunctionDecl {
  /** Source file exporting `handler`, relative to the repository root. */
  readonly entry: string;
  readonly description: string;
  readonly tables: Readonly<Partial<Record<TableName, Access>>>;
  /** Publishes domain events on the platform bus. */
  readonly publishesEvents?: boolean;
  /** State machines this function starts executions of or sends task callbacks to. */
  readonly workflows?: readonly StateMachineName[];
  readonly memoryMb?: number;
  readonly timeoutSeconds?: number;
}

/**
 * `public`: no token at all. `optional`: no authorizer at the gateway, but a bearer token, when sent,
 * is verified by the handler and widens what the caller sees. A role list: the gateway's JWT
 * authorizer requires a valid token and the edge requires one of these roles.
 */
export type RouteAuth = 'public' | 'optional' | readonly Role[];

export interface RouteDecl {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly path: string;
  readonly function: FunctionName;
  readonly auth: RouteAuth;
  readonly operationId: string;
  readonly summary: string;
}

export interface StateMachineDecl {
  /** ASL file, relative to the repository root. `${<Name>FunctionArn}` placeholders name functions. */
  readonly file: string;
  readonly description: string;
  /** Functions the definition invokes (each becomes a definition substitution). */
  readonly functions: readonly FunctionName[];
}

export interface EventRuleDecl {
  readonly description: string;
  readonly pattern: { readonly source?: readonly string[]; readonly 'detail-type'?: readonly string[] };
  readonly function: FunctionName;
}

export interface ScheduleDecl {
  readonly description: string;
  /** EventBridge Scheduler expression: `rate(…)` or `cron(…)` (UTC). */
  readonly expression: string;
  readonly function: FunctionName;
}

export const tables = {
  catalog: {
    partitionKey: 'pk',
    sortKey: 'sk',
    indexes: {
      // Sparse: only entries the public may see carry `listing`.
      byListing: { partitionKey: 'listing', sortKey: 'listingSort' },
      byDomain: { partitionKey: 'listingDomain', sortKey: 'listingSort' },
      byProvider: { partitionKey: 'providerOrg', sortKey: 'listingSort' },
      // Every head item: the authority's and regulators' full view.
      byKind: { partitionKey: 'kind', sortKey: 'listingSort' },
    },
  },
  audit: { partitionKey: 'resource', sortKey: 'sk', appendOnly: true },
  idempotency: { partitionKey: 'key', timeToLive: 'expiresAt' },
} as const satisfies Record<string, TableDecl>;
export type TableName = keyof typeof tables;

export const functions = {
  catalog: {
    entry: 'functions/catalog/handler.ts',
    description: 'Public data catalog: entries, versions and review (Art. 6-8)',
    tables: { catalog: 'write', audit: 'write', idempotency: 'write' },
  },
  meta: {
    entry: 'functions/meta/handler.ts',
    description: 'Reference codes and the OpenAPI document',
    tables: {},
  },
} as const satisfies Record<string, FunctionDecl>;
export type FunctionName = keyof typeof functions;

export const routes = [
  { method: 'GET', path: '/catalog', function: 'catalog', auth: 'optional', operationId: 'listCatalogEntries', summary: 'List catalog entries (public: approved entries; providers also their own; the authority all)' },
  { method: 'POST', path: '/catalog', function: 'catalog', auth: ['provider'], operationId: 'createCatalogEntry', summary: 'Draft a catalog entry for the caller’s organisation' },
  { method: 'GET', path: '/catalog/{id}', function: 'catalog', auth: 'optional', operationId: 'getCatalogEntry', summary: 'A catalog entry with its versions' },
  { method: 'PATCH', path: '/catalog/{id}', function: 'catalog', auth: ['provider'], operationId: 'updateCatalogEntry', summary: 'Edit a draft, rejected or approved entry (an approved entry gets a new version under review)' },
  { method: 'POST', path: '/catalog/{id}/submit', function: 'catalog', auth: ['provider'], operationId: 'submitCatalogEntry', summary: 'Submit the working version for review' },
  { method: 'POST', path: '/catalog/{id}/review', function: 'catalog', auth: ['authority'], operationId: 'reviewCatalogEntry', summary: 'Approve or reject the submitted version' },
  { method: 'GET', path: '/meta/domains', function: 'meta', auth: 'public', operationId: 'listDomains', summary: 'Priority data domains of Art. 7' },
  { method: 'GET', path: '/meta/codes', function: 'meta', auth: 'public', operationId: 'listCodes', summary: 'Every code list with Chinese and English labels' },
  { method: 'GET', path: '/openapi.json', function: 'meta', auth: 'public', operationId: 'getOpenApi', summary: 'This API as an OpenAPI 3.1 document' },
] as const satisfies readonly RouteDecl[];

export const stateMachines = {} as const satisfies Record<string, StateMachineDecl>;
export type StateMachineName = keyof typeof stateMachines;

export const eventRules = {} as const satisfies Record<string, EventRuleDecl>;

export const schedules = {} as const satisfies Record<string, ScheduleDecl>;

/** The custom EventBridge bus every domain event travels on. */
export const EVENT_BUS = 'platform';

export const routeKey = (r: Pick<RouteDecl, 'method' | 'path'>): string => `${r.method} ${r.path}`;

/** Environment variable naming, shared by CDK and the local runtime so they cannot drift. */
export const env = {
  table: (t: TableName) => `TABLE_${t.toUpperCase()}`,
  stateMachine: (m: string) => `STATE_MACHINE_${m.toUpperCase().replace(/-/g, '_')}_ARN`,
  eventBus: 'EVENT_BUS_NAME',
  stage: 'STAGE',
  issuer: 'JWT_ISSUER',
  audience: 'JWT_AUDIENCE',
  jwksUrl: 'JWKS_URL',
} as const;

/** `${CatalogFunctionArn}` style placeholder for a function in an ASL file. */
export const functionArnPlaceholder = (f: string): string =>
  `${f.replace(/(^|-)(\w)/g, (_m, _d: string, c: string) => c.toUpperCase())}FunctionArn`;
