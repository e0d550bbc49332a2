import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
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
  DEFAULT_ROUTE_FUNCTION,
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
import { createFailedDeliveryStore } from './failed-deliveries.js';
import { startGateway } from './gateway.js';
import { createLocalIssuer, type LocalIssuer } from './issuer.js';
import { DEMO_ORGS } from './orgs.js';
import { localPersonKeys } from './person-key.js';
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
  /** The authority's credit code, root of the organisation registry. Default: the demo authority. */
  readonly authorityOrg?: string;
  /**
   * Called if the DynamoDB Local this runtime started dies: every request would fail from then on,
   * so `npm start` reports it and stops. Default: log it.
   */
  readonly onFatal?: (error: Error) => void;
  /**
   * Called before every handler invocation; throwing makes that invocation fail as a crashed Lambda
   * would (tests of retries, dead letters and redrive). Never business logic.
   */
  readonly faults?: (fn: FunctionName, event: unknown) => void;
  /** The built portal (web/dist) to serve beside the API; the API is also reachable under /api. */
  readonly webDir?: string;
}

export interface LocalRuntime {
  readonly url: string;
  /** The process id of the DynamoDB Local this runtime started (none when given an endpoint). */
  readonly dynamoPid: number | undefined;
  readonly stage: string;
  readonly clock: SettableClock;
  readonly issuer: LocalIssuer;
  readonly bus: LocalEventBus;
  readonly workflows: LocalStepFunctions;
  readonly scheduler: LocalScheduler;
  readonly tables: Record<TableName, string>;
  readonly db: DynamoDBDocumentClient;
  /** The local stand-ins of AWS services, by function (`localServices` of the declaration). */
  readonly localServices: ReadonlyMap<FunctionName, { readonly services: unknown }>;
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

/** A `localServices` module (see FunctionDecl.localServices). */
interface LocalServicesInstance {
  readonly services: unknown;
  http?(req: {
    method: string;
    path: string;
    query: URLSearchParams;
    body: Buffer;
  }): Promise<{ status: number; body: Buffer | string; contentType: string } | undefined>;
  stop(): Promise<void>;
}
type LocalServicesModule = {
  createLocalServices: (ctx: {
    dataDir?: string;
    baseUrl: () => string;
    now: () => Date;
  }) => Promise<LocalServicesInstance>;
};

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
    // The declared timeout, as Lambda would report it (a long job such as the search rebuild has more).
    getRemainingTimeInMillis: () =>
      ((functions[fn as FunctionName] as { timeoutSeconds?: number }).timeoutSeconds ?? 30) * 1000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  }) as Context;

/**
 * The environment each function sees in AWS (table names, bus, state machines, issuer), set once so
 * that modules which read it at load time behave as in Lambda.
 */
const setProcessEnv = (
  stage: string,
  endpoint: string,
  issuer: LocalIssuer,
  authorityOrg: string,
  cursorKey: string,
) => {
  const set = (k: string, v: string) => {
    process.env[k] ??= v;
  };
  set('AWS_REGION', 'us-east-1');
  set('AWS_ACCESS_KEY_ID', 'local');
  set('AWS_SECRET_ACCESS_KEY', 'local');
  set('AWS_ENDPOINT_URL_DYNAMODB', endpoint);
  set(env.stage, stage);
  // Business metrics are EMF log lines for CloudWatch; locally they would only be noise.
  set('POWERTOOLS_METRICS_DISABLED', 'true');
  set(env.metricsNamespace, `ShiyanData/${stage}`);
  set(env.eventBus, `${stage}-${EVENT_BUS}`);
  set(env.issuer, issuer.issuer);
  set(env.audience, issuer.audience);
  set(env.jwksUrl, 'http://127.0.0.1/_local/jwks.json');
  set(env.authorityOrg, authorityOrg);
  // Read by the Lambda entry points at import; locally the key file of localPersonKeys is used instead.
  set(env.personKeySecret, `arn:aws:secretsmanager:us-east-1:000000000000:secret:${stage}-person-key`);
  set(env.cursorKey, cursorKey);
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

/** The cursor signing key: kept in DATA_DIR (cursors survive a restart), or random for memory-only runs. */
const localCursorKey = async (dataDir: string | undefined): Promise<string> => {
  if (!dataDir) return randomBytes(48).toString('base64url');
  const file = join(dataDir, 'cursor.key');
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch {
    const key = randomBytes(48).toString('base64url');
    await mkdir(dataDir, { recursive: true });
    await writeFile(file, key, { mode: 0o600 });
    return key;
  }
};

/** Starts the whole platform in this process, from the declaration in infra/system.ts. */
export const startLocalRuntime = async (opts: LocalRuntimeOptions = {}): Promise<LocalRuntime> => {
  const stage = opts.stage ?? 'local';
  const clock = opts.clock ?? new SettableClock();
  const logLevel = opts.logLevel ?? 'WARN';
  const dynamo = opts.dynamoEndpoint
    ? undefined
    : await startDynamoDbLocal(opts.dataDir ? { dataDir: join(opts.dataDir, 'dynamodb') } : {});
  const endpoint = opts.dynamoEndpoint ?? dynamo?.endpoint ?? '';
  try {
    return await startOn(opts, { stage, clock, logLevel, dynamo, endpoint });
  } catch (e) {
    // A failed start leaves no DynamoDB Local process behind.
    await dynamo?.stop();
    throw e;
  }
};

const startOn = async (
  opts: LocalRuntimeOptions,
  ctx: {
    stage: string;
    clock: SettableClock;
    logLevel: NonNullable<LocalRuntimeOptions['logLevel']>;
    dynamo: Awaited<ReturnType<typeof startDynamoDbLocal>> | undefined;
    endpoint: string;
  },
): Promise<LocalRuntime> => {
  const { stage, clock, logLevel, dynamo, endpoint } = ctx;
  dynamo?.onUnexpectedExit((code, signal) => {
    const error = new Error(
      `DynamoDB Local stopped unexpectedly (exit code ${code ?? '-'}${signal ? `, signal ${signal}` : ''}); the platform cannot serve requests without it`,
    );
    if (opts.onFatal) opts.onFatal(error);
    else console.error(`[runtime] ${error.message}`);
  });
  const tables = await ensureTables(endpoint, stage);
  const issuer = await createLocalIssuer(opts.dataDir);
  const personKeys = localPersonKeys(opts.dataDir);
  const authorityOrg = opts.authorityOrg ?? DEMO_ORGS.authority.code;
  setProcessEnv(stage, endpoint, issuer, authorityOrg, await localCursorKey(opts.dataDir));

  const db = DynamoDBDocumentClient.from(new DynamoDBClient(localClientConfig(endpoint)), {
    marshallOptions: { removeUndefinedValues: true },
  });

  // Local stand-ins of AWS services a function declares (`localServices`), e.g. DuckDB for Athena.
  const localServices = new Map<FunctionName, LocalServicesInstance>();
  let gatewayUrl = '';
  const handlers = new Map<FunctionName, (event: unknown, context: Context) => Promise<unknown>>();
  const invocationCounts: Record<string, number> = {};
  const invoke = async (fn: FunctionName, event: unknown): Promise<unknown> => {
    const h = handlers.get(fn);
    if (!h) throw new Error(`No local function ${fn}`);
    invocationCounts[fn] = (invocationCounts[fn] ?? 0) + 1;
    opts.faults?.(fn, event);
    // A copy, as Lambda receives a serialized event.
    return h(structuredClone(event), lambdaContext(fn));
  };

  const failed = createFailedDeliveryStore({
    ...(opts.dataDir ? { dataDir: opts.dataDir } : {}),
    now: () => clock.now(),
  });
  const bus = createLocalEventBus({
    invoke,
    failed,
    now: () => clock.now(),
    onError: (rule, e) => console.error(`[bus] delivery for rule ${rule} failed:`, e),
  });
  const workflows = createLocalStepFunctions({ invoke, ...(opts.dataDir ? { dataDir: opts.dataDir } : {}) });
  const scheduler = createLocalScheduler({
    schedules,
    invoke,
    failed,
    onFire: (name, _r, e) => (e ? console.error(`[scheduler] ${name} failed:`, e) : undefined),
  });

  const unavailable = (what: string) => () =>
    Promise.reject(new Error(`${what} is not declared for this function`));
  for (const [name, decl] of Object.entries(functions) as [
    FunctionName,
    (typeof functions)[FunctionName],
  ][]) {
    const declaredTables = Object.keys(decl.tables) as TableName[];
    const fnDecl = decl as { publishesEvents?: boolean; workflows?: readonly string[]; personKey?: boolean };
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
      personKeys: fnDecl.personKey ? personKeys : { lookupKey: unavailable('The person key') },
      authorityOrg,
    };
    const mod = (await import(pathToFileURL(join(ROOT, decl.entry)).href)) as HandlerModule;
    const localModule = (decl as { localServices?: string }).localServices;
    if (localModule) {
      const { createLocalServices } = (await import(
        pathToFileURL(join(ROOT, localModule)).href
      )) as LocalServicesModule;
      const local = await createLocalServices({
        ...(opts.dataDir ? { dataDir: opts.dataDir } : {}),
        baseUrl: () => gatewayUrl,
        now: () => clock.now(),
      });
      localServices.set(name, local);
      handlers.set(name, mod.createHandler({ ...deps, services: local.services } as Deps));
    } else handlers.set(name, mod.createHandler(deps));
  }

  const rawRoute = async (req: { method: string; path: string; query: URLSearchParams; body: Buffer }) => {
    for (const local of localServices.values()) {
      const out = await local.http?.(req);
      if (out) return out;
    }
    return undefined;
  };

  // The admin role counts only for the authority's organisation, as at the edge (functions/shared/organisations.ts).
  const isAdmin = (claims: Record<string, unknown> | undefined) =>
    Array.isArray(claims?.['cognito:groups']) &&
    (claims['cognito:groups'] as string[]).includes('admin') &&
    claims?.['custom:org'] === authorityOrg;

  const { server, url, routeKeys } = await startGateway({
    port: opts.port ?? 0,
    verifier: issuer.verifier,
    ...(opts.webDir ? { webDir: opts.webDir } : {}),
    invoke,
    defaultFunction: DEFAULT_ROUTE_FUNCTION,
    raw: rawRoute,
    admin: async ({ method, path, body, claims }) => {
      if (method === 'GET' && path === '/_local/jwks.json') return { status: 200, body: issuer.jwks };
      // The portal's local sign-in (no admin needed, local runtime only): the demo people and a token
      // for one of them. AWS has no such route; there the portal signs in with the identity provider.
      if (method === 'GET' && path === '/_local/demo-users')
        return { status: 200, body: { items: DEMO_USERS } };
      if (method === 'POST' && path === '/_local/token') {
        const who = demoUser(((await body()) as { user?: unknown } | undefined)?.user);
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
      // Every other local endpoint, reads included, is for the platform's operators only.
      if (!claims) {
        return {
          status: 401,
          body: {
            error: {
              code: 'unauthorized',
              message:
                'A valid bearer token is required (tokens are signed with the key in DATA_DIR: run `npm run token` with the same DATA_DIR as `npm start`)',
              details: null,
            },
          },
        };
      }
      if (!isAdmin(claims)) {
        return {
          status: 403,
          body: {
            error: {
              code: 'forbidden',
              message: 'Local admin endpoints need the admin role of the authority',
              details: null,
            },
          },
        };
      }
      if (method === 'GET' && path === '/_local/clock')
        return { status: 200, body: { now: clock.now().toISOString() } };
      if (method === 'POST' && path === '/_local/clock') {
        const b = ((await body()) ?? {}) as { now?: string; advanceMs?: number };
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
      if (method === 'GET' && path === '/_local/failed-deliveries')
        return { status: 200, body: { items: bus.failedDeliveries() } };
      if (method === 'POST' && path === '/_local/failed-deliveries/redrive') {
        const ids = (body as { ids?: unknown } | undefined)?.ids;
        const chosen = Array.isArray(ids) ? ids.map(String) : undefined;
        const result = await bus.redrive(chosen);
        await workflows.idle();
        return { status: 200, body: result };
      }
      if (method === 'GET' && path === '/_local/events')
        return { status: 200, body: { items: bus.events() } };
      if (method === 'GET' && path === '/_local/executions')
        return { status: 200, body: { items: workflows.executions() } };
      return undefined;
    },
  });

  gatewayUrl = url;
  if (opts.runSchedules) scheduler.start();
  await workflows.recover();

  return {
    url,
    dynamoPid: dynamo?.pid,
    stage,
    clock,
    issuer,
    bus,
    workflows,
    scheduler,
    tables,
    db,
    localServices,
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
      for (const local of localServices.values()) await local.stop();
      await dynamo?.stop();
    },
  };
};
