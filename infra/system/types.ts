/**
 * The shapes of the declaration (infra/system.ts). Plain data: nothing from the CDK or the AWS SDK,
 * so Lambda handlers may import it.
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

/** `T`: the table names a function may name (the declared ones, in infra/system.ts). */
export interface FunctionDecl<T extends string = string> {
  /** Source file exporting `handler`, relative to the repository root. */
  readonly entry: string;
  readonly description: string;
  readonly tables: Readonly<Partial<Record<T, Access>>>;
  /** Publishes domain events on the platform bus. */
  readonly publishesEvents?: boolean;
  /**
   * State machines this function starts executions of or sends task callbacks to. Typed as strings to
   * break the type cycle with StateMachineDecl.functions; `checkedFunctionWorkflows` keeps them checked.
   */
  readonly workflows?: readonly string[];
  /** Keys personal identity numbers with the platform's person-key secret (PIPL; never a bare hash). */
  readonly personKey?: boolean;
  readonly memoryMb?: number;
  readonly timeoutSeconds?: number;
  /**
   * Locally only: a module exporting `createLocalServices({ dataDir, baseUrl })` whose `services` the
   * local runtime hands to this function's `createHandler` (e.g. DuckDB for Athena), so that such a
   * module never enters the Lambda bundle.
   */
  readonly localServices?: string;
}

/**
 * `public`: no token at all. `optional`: no authorizer at the gateway, but a bearer token, when sent,
 * is verified by the handler and widens what the caller sees. A role list: the gateway's JWT
 * authorizer requires a valid token and the edge requires one of these roles.
 */
export type RouteAuth = 'public' | 'optional' | readonly Role[];

export interface RouteDecl<F extends string = string> {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly path: string;
  readonly function: F;
  readonly auth: RouteAuth;
  readonly operationId: string;
  readonly summary: string;
}

export interface StateMachineDecl<F extends string = string> {
  /** ASL file, relative to the repository root. `${<Name>FunctionArn}` placeholders name functions. */
  readonly file: string;
  readonly description: string;
  /** Functions the definition invokes (each becomes a definition substitution). */
  readonly functions: readonly F[];
}

export interface EventRuleDecl<F extends string = string> {
  readonly description: string;
  readonly pattern: { readonly source?: readonly string[]; readonly 'detail-type'?: readonly string[] };
  readonly function: F;
}

export interface ScheduleDecl<F extends string = string> {
  readonly description: string;
  /** EventBridge Scheduler expression: `rate(…)` or `cron(…)`, read in `timezone`. */
  readonly expression: string;
  /** IANA time zone a `cron()` is read in (EventBridge Scheduler's ScheduleExpressionTimezone). Default UTC. */
  readonly timezone?: string;
  readonly function: F;
}

/**
 * One duty's part of the declaration: its own tables, its function(s), routes, workflows, rules and
 * schedules. Names are plain strings here; infra/system.ts composes the parts and checks every
 * reference against the declared names.
 */
export interface DutyDecl {
  readonly tables: Readonly<Record<string, TableDecl>>;
  readonly functions: Readonly<Record<string, FunctionDecl>>;
  readonly routes: readonly RouteDecl[];
  readonly stateMachines: Readonly<Record<string, StateMachineDecl>>;
  readonly eventRules: Readonly<Record<string, EventRuleDecl>>;
  readonly schedules: Readonly<Record<string, ScheduleDecl>>;
}
