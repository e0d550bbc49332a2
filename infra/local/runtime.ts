import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { SettableClock } from '../../functions/shared/clock.js';
import type { Deps } from '../../functions/shared/deps.js';
import {
  EVENT_BUS,
  env,
  type FunctionName,
  functions,
  type Role,
  schedules,
  stateMachines,
  type TableName,
} from '../system.js';
import { DEMO_USERS, demoUser } from './demo-users.js';
import { ensureTables, localClientConfig, localTableName, startDynamoDbLocal } from './dynamodb.js';
import { createLocalEventBus, type LocalEventBus } from './event-bus.js';
import { startGateway } from './gateway.js';
import { createLocalIssuer, type LocalIssuer } from './issuer.js';
import { createLocalScheduler, type LocalScheduler } from './scheduler.js';
import { createLocalStepFunctions, type LocalStepFunctions } from './step-functions.js';

const ROOT = resolve(import.meta.dirname, '..', '..');

export interface LocalRuntimeOptions {
  /** Table prefix; tests give each file its own. Default `local`. */
  readonly stage?: string;
  /** Where DynamoDB Local, the issuer key and workflow executions persist. Omit for memory only. */
  readonly dataDir?: string;
  /** An already running DynamoDB Local; otherwise one is started (persisted under dataDir). */
  readonly dynamoEndpoint?: string;
  /** Gateway port; 0 picks a free one. Default 0. */
  readonly port?: number;
  readonly clock?: SettableClock;
  /** Arm timers for the declared schedules (npm start). Tests fire them on demand instead. */
  readonly runSchedules?: boolean;
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';
  /** The built portal (web/dist) to serve beside the API; the API is also reachable under /api. */
  readonly webDir?: string;
}

export interface LocalRuntime {
  readonly url: string;
  readonly stage: string;
  readonly clock: SettableClock;
  readonly issuer: LocalIssuer;
  readonly bus: LocalEventBus;
  readonly workflows: LocalStepFunctions;
  readonly scheduler: LocalScheduler;
  readonly tables: Record<TableName, string>;
  readonly db: DynamoDBDocumentClient;
  /** Invokes a function as Lambda would (HTTP, bus, schedule or step event). */
  invoke(fn: FunctionName, event: unknown): Promise<unknown>;
  /** A bearer token for a role and organisation. */
  token(role: Role | readonly Role[], org: string, sub?: string): Promise<string>;
  /** Handler invocations so far, per function (HTTP, steps, events, schedules alike). */
  invocations(): Record<string, number>;
  /** What this runtime serves, read back from its parts (compared with the CDK template in a test). */
  inventory(): {
    routes: string[];
    stateMachines: string[];
    schedules: string[];
    eventRules: string[];
    tables: string[];
    functions: string[];
  };
  /** Waits until no event delivery and no runnable workflow step is pending. */
  settle(): Promise<void>;
  stop(): Promise<void>;
}

type HandlerModule = {
  createHandler: (deps: Deps) => (event: unknown, context: Context) => Promise<unknown>;
};

const lambdaContext = (fn: string): Context =>
  ({
    awsRequestId: randomUUID(),
    functionName: fn,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${fn}`,
    memoryLimitInMB: '256',
    logGroupName: `/aws/lambda/${fn}`,
    logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: false,
    getRemainingTimeInMillis: () => 30_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  }) as Context;

/**
 * The environment each function sees in AWS (table names, bus, state machines, issuer), set once so
 * that modules which read it at load time behave as in Lambda.
 */
const setProcessEnv = (stage: string, endpoint: string, issuer: LocalIssuer) => {
  const set = (k: string, v: string) => {
    process.env[k] ??= v;
  };
  set('AWS_REGION', 'us-east-1');
  set('AWS_ACCESS_KEY_ID', 'local');
  set('AWS_SECRET_ACCESS_KEY', 'local');
  set('AWS_ENDPOINT_URL_DYNAMODB', endpoint);
  set(env.stage, stage);
  set(env.eventBus, `${stage}-${EVENT_BUS}`);
  set(env.issuer, issuer.issuer);
  set(env.audience, issuer.audience);
  set(env.jwksUrl, 'http://127.0.0.1/_local/jwks.json');
  for (const t of Object.keys(localTableNames(stage)))
    set(env.table(t as TableName), localTableName(stage, t as TableName));
  for (const m of Object.keys(stateMachines)) {
    set(env.stateMachine(m), `arn:aws:states:us-east-1:000000000000:stateMachine:${stage}-${m}`);
  }
};

const localTableNames = (stage: string) =>
  Object.fromEntries(
    (
      Object.keys(functions).flatMap((f) => Object.keys(functions[f as FunctionName].tables)) as TableName[]
    ).map((t) => [t, localTableName(stage, t)]),
  );

/** Starts the whole platform in this process, from the declaration in infra/system.ts. */
export const startLocalRuntime = async (opts: LocalRuntimeOptions = {}): Promise<LocalRuntime> => {
  const stage = opts.stage ?? 'local';
  const clock = opts.clock ?? new SettableClock();
  const logLevel = opts.logLevel ?? 'WARN';
  const dynamo = opts.dynamoEndpoint
    ? undefined
    : await startDynamoDbLocal(opts.dataDir ? { dataDir: join(opts.dataDir, 'dynamodb') } : {});
  const endpoint = opts.dynamoEndpoint ?? dynamo?.endpoint ?? '';
  const tables = await ensureTables(endpoint, stage);
  const issuer = await createLocalIssuer(opts.dataDir);
  setProcessEnv(stage, endpoint, issuer);

  const db = DynamoDBDocumentClient.from(new DynamoDBClient(localClientConfig(endpoint)), {
    marshallOptions: { removeUndefinedValues: true },
  });

  const handlers = new Map<FunctionName, (event: unknown, context: Context) => Promise<unknown>>();
  const invocationCounts: Record<string, number> = {};
  const invoke = async (fn: FunctionName, event: unknown): Promise<unknown> => {
    const h = handlers.get(fn);
    if (!h) throw new Error(`No local function ${fn}`);
    invocationCounts[fn] = (invocationCounts[fn] ?? 0) + 1;
    // A copy, as Lambda receives a serialized event.
    return h(structuredClone(event), lambdaContext(fn));
  };

  const bus = createLocalEventBus({
    invoke,
    now: () => clock.now(),
    onError: (rule, e) => console.error(`[bus] delivery for rule ${rule} failed:`, e),
  });
  const workflows = createLocalStepFunctions({ invoke, ...(opts.dataDir ? { dataDir: opts.dataDir } : {}) });
  const scheduler = createLocalScheduler({
    schedules,
    invoke,
    onFire: (name, _r, e) => (e ? console.error(`[scheduler] ${name} failed:`, e) : undefined),
  });

  const unavailable = (what: string) => () =>
    Promise.reject(new Error(`${what} is not declared for this function`));
  for (const [name, decl] of Object.entries(functions) as [
    FunctionName,
    (typeof functions)[FunctionName],
  ][]) {
    const declaredTables = Object.keys(decl.tables) as TableName[];
    const fnDecl = decl as { publishesEvents?: boolean; workflows?: readonly string[] };
    const deps: Deps = {
      db,
      // Least privilege locally too: a function only reaches the tables it declares.
      tables: Object.fromEntries(declaredTables.map((t) => [t, tables[t]])),
      clock,
      logger: new Logger({ serviceName: name, logLevel: logLevel === 'SILENT' ? 'SILENT' : logLevel }),
      tokens: () => issuer.verifier,
      events: fnDecl.publishesEvents ? bus.publisher : { publish: unavailable('Publishing events') },
      workflows: fnDecl.workflows?.length
        ? workflows
        : {
            start: unavailable('Workflows'),
            succeed: unavailable('Workflows'),
            fail: unavailable('Workflows'),
          },
    };
    const mod = (await import(pathToFileURL(join(ROOT, decl.entry)).href)) as HandlerModule;
    handlers.set(name, mod.createHandler(deps));
  }

  const isAdmin = (claims: Record<string, unknown> | undefined) =>
    Array.isArray(claims?.['cognito:groups']) && (claims['cognito:groups'] as string[]).includes('admin');

  const { server, url, routeKeys } = await startGateway({
    port: opts.port ?? 0,
    verifier: issuer.verifier,
    ...(opts.webDir ? { webDir: opts.webDir } : {}),
    invoke,
    admin: async ({ method, path, body, claims }) => {
      if (method === 'GET' && path === '/_local/jwks.json') return { status: 200, body: issuer.jwks };
      // The portal's local sign-in (no admin needed, local runtime only): the demo people and a token
      // for one of them. AWS has no such route; there the portal signs in with the identity provider.
      if (method === 'GET' && path === '/_local/demo-users')
        return { status: 200, body: { items: DEMO_USERS } };
      if (method === 'POST' && path === '/_local/token') {
        const who = demoUser((body as { user?: unknown } | undefined)?.user);
        if (!who)
          return {
            status: 400,
            body: { error: { code: 'validation_failed', message: 'Unknown demo user', details: null } },
          };
        const expiresIn = 8 * 3600;
        const token = await issuer.token({
          roles: [who.role],
          org: who.org,
          sub: who.id,
          name: who.name.zh,
          expiresIn: `${expiresIn}s`,
        });
        return { status: 200, body: { token, expiresIn, user: who } };
      }
      if (method === 'GET' && path === '/_local/clock')
        return { status: 200, body: { now: clock.now().toISOString() } };
      if (!isAdmin(claims)) {
        return {
          status: 403,
          body: {
            error: { code: 'forbidden', message: 'Local admin endpoints need the admin role', details: null },
          },
        };
      }
      const b = (body ?? {}) as { now?: string; advanceMs?: number };
      if (method === 'POST' && path === '/_local/clock') {
        if (b.now) clock.set(b.now);
        if (b.advanceMs) clock.advance(b.advanceMs);
        return { status: 200, body: { now: clock.now().toISOString() } };
      }
      const fire = path.match(/^\/_local\/schedules\/([\w-]+)\/run$/);
      if (method === 'POST' && fire?.[1]) {
        if (!(fire[1] in schedules))
          return {
            status: 404,
            body: { error: { code: 'not_found', message: 'No such schedule', details: null } },
          };
        const result = await scheduler.fire(fire[1]);
        await bus.idle();
        return { status: 200, body: { schedule: fire[1], result: result ?? null } };
      }
      if (method === 'GET' && path === '/_local/events')
        return { status: 200, body: { items: bus.events() } };
      if (method === 'GET' && path === '/_local/executions')
        return { status: 200, body: { items: workflows.executions() } };
      return undefined;
    },
  });

  if (opts.runSchedules) scheduler.start();
  await workflows.recover();

  return {
    url,
    stage,
    clock,
    issuer,
    bus,
    workflows,
    scheduler,
    tables,
    db,
    invoke,
    token: (role, org, sub) =>
      issuer.token({ roles: typeof role === 'string' ? [role] : role, org, ...(sub ? { sub } : {}) }),
    invocations: () => ({ ...invocationCounts }),
    inventory: () => ({
      routes: [...routeKeys].sort(),
      stateMachines: workflows.machineNames().sort(),
      schedules: scheduler.names().sort(),
      eventRules: bus.ruleNames().sort(),
      tables: (Object.keys(tables) as string[]).sort(),
      functions: [...handlers.keys()].sort(),
    }),
    async settle() {
      // Events may start workflows and workflow steps may publish events: loop until both are quiet.
      for (let i = 0; i < 3; i++) {
        await bus.idle();
        await workflows.idle();
        await new Promise((r) => setTimeout(r, 5));
      }
      await bus.idle();
    },
    async stop() {
      scheduler.stop();
      workflows.stop();
      await new Promise<void>((r) => (server as Server).close(() => r()));
      (server as Server).closeAllConnections?.();
      db.destroy();
      await dynamo?.stop();
    },
  };
};
