/**
 * The one declaration of the platform — its table of contents. Each duty declares its tables,
 * function, HTTP routes, state machines, event rules and schedules in `infra/system/<duty>.ts`; this
 * module composes them and checks every cross-reference (a route's function, a function's tables, a
 * rule's target) against the declared names at compile time. The CDK stack (infra/stack.ts) and the
 * local runtime (infra/local/) are both built from it, and test/infra/agreement.test.ts proves they
 * agree.
 *
 * Plain data: nothing from the CDK or the AWS SDK, so Lambda handlers may import it (the HTTP edge
 * reads the roles allowed on each route from here).
 */
import { applications } from './system/applications.js';
import { audit } from './system/audit.js';
import { billing } from './system/billing.js';
import { catalog } from './system/catalog.js';
import { entitlements } from './system/entitlements.js';
import { evaluations } from './system/evaluations.js';
import { governance } from './system/governance.js';
import { grants } from './system/grants.js';
import { incidents } from './system/incidents.js';
import { meta } from './system/meta.js';
import { notifications } from './system/notifications.js';
import { organisations } from './system/organisations.js';
import { platform } from './system/platform.js';
import { processing } from './system/processing.js';
import { products } from './system/products.js';
import { reports } from './system/reports.js';
import { search } from './system/search.js';
import { tasks } from './system/tasks.js';
import type * as decl from './system/types.js';
import type { TableDecl } from './system/types.js';

// The shapes, with their names narrowed to the declared ones below (these shadow the loose ones).
export * from './system/types.js';
export type FunctionDecl = decl.FunctionDecl<TableName>;
export type RouteDecl = decl.RouteDecl<FunctionName>;
export type StateMachineDecl = decl.StateMachineDecl<FunctionName>;
export type EventRuleDecl = decl.EventRuleDecl<FunctionName>;
export type ScheduleDecl = decl.ScheduleDecl<FunctionName>;

export const tables = {
  ...platform.tables,
  ...catalog.tables,
  ...applications.tables,
  ...tasks.tables,
  ...grants.tables,
  ...entitlements.tables,
  ...governance.tables,
  ...evaluations.tables,
  ...notifications.tables,
  ...organisations.tables,
  ...search.tables,
  ...products.tables,
  ...billing.tables,
  ...processing.tables,
  ...reports.tables,
  ...incidents.tables,
} as const satisfies Record<string, TableDecl>;
export type TableName = keyof typeof tables;

/**
 * Every function reads the organisation registry: its HTTP edge binds each role to the caller's
 * organisation (functions/shared/organisations.ts). Granted here, once, so no duty can miss it.
 */
type WithRegistry<F> = {
  readonly [K in keyof F]: F[K] extends { readonly tables: infer T }
    ? Omit<F[K], 'tables'> & {
        readonly tables: T & { readonly organisations: decl.Access; readonly apiCalls: decl.Access };
      }
    : F[K];
};
/**
 * Every function's HTTP edge also meters operators' calls (Art. 17): it adds to the `apiCalls`
 * counters (functions/shared/metering.ts). Granted here too, so every duty meters.
 */
const withRegistry = <F extends Record<string, { readonly tables: object }>>(fns: F): WithRegistry<F> =>
  Object.fromEntries(
    Object.entries(fns).map(([name, f]) => [
      name,
      { ...f, tables: { organisations: 'read', apiCalls: 'write', ...f.tables } },
    ]),
  ) as WithRegistry<F>;

export const functions = withRegistry({
  ...catalog.functions,
  ...meta.functions,
  ...applications.functions,
  ...tasks.functions,
  ...grants.functions,
  ...entitlements.functions,
  ...governance.functions,
  ...evaluations.functions,
  ...notifications.functions,
  ...organisations.functions,
  ...platform.functions,
  ...search.functions,
  ...products.functions,
  ...billing.functions,
  ...processing.functions,
  ...audit.functions,
  ...reports.functions,
  ...incidents.functions,
} as const) satisfies Record<string, FunctionDecl>;
export type FunctionName = keyof typeof functions;

export const routes = [
  ...catalog.routes,
  ...meta.routes,
  ...applications.routes,
  ...tasks.routes,
  ...grants.routes,
  ...entitlements.routes,
  ...governance.routes,
  ...evaluations.routes,
  ...notifications.routes,
  ...organisations.routes,
  ...search.routes,
  ...products.routes,
  ...billing.routes,
  ...processing.routes,
  ...audit.routes,
  ...reports.routes,
  ...incidents.routes,
] as const satisfies readonly RouteDecl[];

export const stateMachines = {
  ...applications.stateMachines,
  ...entitlements.stateMachines,
  ...evaluations.stateMachines,
} as const satisfies Record<string, StateMachineDecl>;
export type StateMachineName = keyof typeof stateMachines;
/** Compile-time check that every function's `workflows` names a declared state machine. */
export const checkedFunctionWorkflows: Readonly<
  Record<string, { readonly entry: string; readonly workflows?: readonly StateMachineName[] }>
> = functions;

export const eventRules = {
  ...tasks.eventRules,
  ...entitlements.eventRules,
  ...grants.eventRules,
  ...notifications.eventRules,
  ...search.eventRules,
  ...products.eventRules,
  ...billing.eventRules,
  ...processing.eventRules,
  ...reports.eventRules,
} as const satisfies Record<string, EventRuleDecl>;

export const schedules = {
  ...platform.schedules,
  ...tasks.schedules,
  ...grants.schedules,
  ...evaluations.schedules,
  ...governance.schedules,
  ...search.schedules,
  ...products.schedules,
  ...billing.schedules,
  ...reports.schedules,
  ...processing.schedules,
} as const satisfies Record<string, ScheduleDecl>;

/**
 * The function behind the HTTP API's `$default` route (in AWS and locally): it answers every request
 * no declared route matches with the platform's error body (404 `not_found`).
 */
export const DEFAULT_ROUTE_FUNCTION: FunctionName = 'meta';

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
  /** Secrets Manager secret keying personal identity numbers (functions/shared/person-key.ts). */
  personKeySecret: 'PERSON_KEY_SECRET_ARN',
  /** The authority's unified social credit code: the root of the organisation registry. */
  authorityOrg: 'AUTHORITY_ORG',
  /** Base64 HMAC key that signs pagination cursors (functions/shared/cursor.ts); local runtime only. */
  cursorKey: 'CURSOR_SIGNING_KEY',
  /** In AWS: the Secrets Manager secret holding that key, read at run time (functions/shared/aws/secrets.ts). */
  cursorKeySecret: 'CURSOR_SIGNING_KEY_SECRET_ARN',
  /** Claim names of the stage's identity provider (roles, organisation). */
  rolesClaim: 'JWT_ROLES_CLAIM',
  orgClaim: 'JWT_ORG_CLAIM',
  /** CloudWatch namespace of the business metrics. */
  metricsNamespace: 'POWERTOOLS_METRICS_NAMESPACE',
} as const;

/** `${CatalogFunctionArn}` style placeholder for a function in an ASL file. */
export const functionArnPlaceholder = (f: string): string =>
  `${f.replace(/(^|-)(\w)/g, (_m, _d: string, c: string) => c.toUpperCase())}FunctionArn`;

/**
 * `${Partition}` in an ASL file: the AWS partition (`aws`, `aws-cn`), substituted by CloudFormation
 * (AWS::Partition) and by the local runtime (`aws`). ASL files never hard-code `arn:aws:`.
 */
export const PARTITION_PLACEHOLDER = 'Partition';
