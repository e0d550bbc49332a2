import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { env, type FunctionName, functions, type TableName } from '../../infra/system.js';
import type { TokenVerifier } from './auth.js';
import { secretsManagerCursorKey } from './aws/secrets.js';
import { type Clock, systemClock } from './clock.js';
import type { PersonKeys } from './person-key.js';

/** A domain event as its producer hands it over; see events/ for the typed catalogue. */
export interface DomainEvent {
  readonly source: string;
  readonly detailType: string;
  readonly detail: Record<string, unknown>;
  /** The correlation id of the request that caused it; publishers put it in the detail. */
  readonly correlationId?: string;
}

/** The detail as published: with the correlation id, when the event has one. */
export const publishedDetail = (e: DomainEvent): Record<string, unknown> =>
  e.correlationId ? { ...e.detail, correlationId: e.correlationId } : e.detail;

export interface EventPublisher {
  publish(events: readonly DomainEvent[]): Promise<void>;
}

/** Starts state machine executions and answers their waiting (task-token) steps. */
export interface WorkflowEngine {
  start(machine: string, executionName: string, input: unknown): Promise<void>;
  succeed(taskToken: string, output: unknown): Promise<void>;
  fail(taskToken: string, error: string, cause: string): Promise<void>;
}

export interface Deps {
  readonly db: DynamoDBDocumentClient;
  /** Physical table names, by declared name. */
  readonly tables: Readonly<Partial<Record<TableName, string>>>;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Verifies tokens on `optional`-auth routes (the gateway verifies all others). */
  readonly tokens: () => TokenVerifier;
  readonly events: EventPublisher;
  readonly workflows: WorkflowEngine;
  /** Lookup keys of personal identity numbers (functions declared with `personKey`). */
  readonly personKeys: PersonKeys;
  /** The authority's unified social credit code: the root of the organisation registry. */
  readonly authorityOrg: string;
  /**
   * Reads the key that signs pagination cursors before each invocation (in AWS: its secret, cached;
   * functions/shared/aws/secrets.ts). Absent: the key of the environment (local runtime, tests).
   */
  readonly cursorKey?: () => Promise<string>;
}

const required = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`Missing environment variable ${name}: the deployment is incomplete`);
  return v;
};

const unavailable = (what: string) => (): Promise<never> =>
  Promise.reject(new Error(`${what} is not configured for this function; declare it in infra/system.ts`));

/**
 * Production dependencies of a function, read from the environment once at cold start; a missing
 * variable throws here rather than on the hundredth request. Event and workflow clients live in
 * functions/shared/aws/ so that only the functions that use them bundle them.
 */
export { required as requiredEnv };

export const baseDeps = (fn: FunctionName): Deps => {
  const tables: Partial<Record<TableName, string>> = {};
  for (const t of Object.keys(functions[fn].tables) as TableName[]) tables[t] = required(env.table(t));
  return {
    db: DynamoDBDocumentClient.from(new DynamoDBClient({}), {
      marshallOptions: { removeUndefinedValues: true },
    }),
    tables,
    clock: systemClock,
    logger: new Logger({ serviceName: fn }),
    tokens: () => {
      throw new Error(
        `${fn} verifies no tokens itself; give it cognitoVerifier() (functions/shared/aws/cognito.ts)`,
      );
    },
    events: { publish: unavailable('Publishing events') },
    workflows: {
      start: unavailable('Workflows'),
      succeed: unavailable('Workflows'),
      fail: unavailable('Workflows'),
    },
    personKeys: { lookupKey: unavailable('The person key') },
    authorityOrg: required(env.authorityOrg),
    cursorKey: secretsManagerCursorKey(),
  };
};

export const tableName = (deps: Pick<Deps, 'tables'>, t: TableName): string => {
  const name = deps.tables[t];
  if (!name) throw new Error(`Table ${t} is not declared for this function`);
  return name;
};
