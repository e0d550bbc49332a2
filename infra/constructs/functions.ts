import { resolve } from 'node:path';
import { ArnFormat, CfnElement, Duration, Fn, Stack, Validations } from 'aws-cdk-lib';
import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { Effect, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { BUNDLING, ESM_REQUIRE_BANNER } from '../bundling.js';
import { env } from '../system.js';
import { type Stage, stageSettings } from './config.js';
import {
  markDeclared,
  nagReference,
  type PlatformDeclaration,
  pascal,
  ROOT,
  stateMachineEnv,
  tableEnv,
} from './declaration.js';
import type { Identity } from './identity.js';

type FunctionDeclaration = PlatformDeclaration['functions'][string];

const DEFAULT_MEMORY_MB = 256;

/** What no function may do to an append-only table (TransactWriteItems needs these per item too). */
export const APPEND_ONLY_DENIED_ACTIONS = [
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:PartiQLUpdate',
  'dynamodb:PartiQLDelete',
  'dynamodb:DeleteTable',
  'dynamodb:UpdateTimeToLive',
] as const;
const DEFAULT_TIMEOUT_SECONDS = 10;

/** CloudWatch namespace of the stage's business metrics (Powertools Metrics, EMF). */
export const metricsNamespace = (stage: Stage): string => `ShiyanData/${stage}`;

/** Physical name of a declared state machine; the local runtime uses the same `<stage>-<name>`. */
export const stateMachineName = (stage: Stage, machine: string): string => `${stage}-${machine}`;

/**
 * ARN of a declared state machine, built from its name rather than referenced from the construct: a
 * function may start a machine that in turn invokes that same function, and a reference in both
 * directions would be a CloudFormation dependency cycle.
 */
export const stateMachineArn = (scope: Construct, stage: Stage, machine: string): string =>
  Stack.of(scope).formatArn({
    service: 'states',
    resource: 'stateMachine',
    resourceName: stateMachineName(stage, machine),
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });

/** Everything a function can be wired to. */
export interface FunctionContext {
  readonly stage: Stage;
  readonly tables: ReadonlyMap<string, TableV2>;
  /** Index declarations per table, to name the index ARNs the read grants cover. */
  readonly tableDecls: PlatformDeclaration['tables'];
  readonly bus: IEventBus;
  readonly identity: Identity;
  /** The person-key secret (functions declared with `personKey` read it). */
  readonly personKey: ISecret;
  /** The authority's unified social credit code (every function's edge reads it). */
  readonly authorityOrg: string;
  /**
   * The secret whose value signs pagination cursors (functions/shared/cursor.ts). Functions are told
   * its ARN and read it at run time (Powertools Parameters, cached): the value never enters a template
   * or a function's configuration.
   */
  readonly cursorKeySecret?: ISecret;
  /** Lambda active tracing (X-Ray), where the partition offers it (infra/constructs/capabilities.ts). */
  readonly tracing: boolean;
}

/** A table's ARN as cdk-nag writes it in a finding about `scope`'s stack. */
const nagTableArn = (scope: Construct, table: TableV2): string => {
  const cfn = table.node.defaultChild;
  if (!cfn || !CfnElement.isCfnElement(cfn))
    throw new Error(`${table.node.path} has no CloudFormation resource`);
  return nagReference(scope, cfn, 'Arn');
};

/**
 * THE place where a function's declaration becomes both its environment and its IAM permissions, so
 * the two cannot drift: every table, bus or state machine the function is told about is exactly one it
 * may use, with the access the declaration states.
 */
export const wireFunction = (
  fn: NodejsFunction,
  name: string,
  decl: FunctionDeclaration,
  ctx: FunctionContext,
) => {
  const role = fn.role;
  if (!role) throw new Error(`function ${name} has no role`);
  // Resources only reachable as `*` in IAM, collected for one precise cdk-nag acknowledgement.
  const starActions = ctx.tracing
    ? ['xray:PutTraceSegments, xray:PutTelemetryRecords (X-Ray has no resource-level permissions)']
    : [];

  fn.addEnvironment(env.stage, ctx.stage);
  fn.addEnvironment(env.metricsNamespace, metricsNamespace(ctx.stage));
  fn.addEnvironment(env.issuer, ctx.identity.issuer);
  // Comma-separated (functions/shared/jwt.ts splits them): the web client's and the portal's.
  fn.addEnvironment(env.audience, Fn.join(',', ctx.identity.audience));
  fn.addEnvironment(env.jwksUrl, ctx.identity.jwksUrl);
  fn.addEnvironment(env.authorityOrg, ctx.authorityOrg);
  if (decl.personKey) {
    fn.addEnvironment(env.personKeySecret, ctx.personKey.secretArn);
    ctx.personKey.grantRead(fn);
  }
  if (ctx.cursorKeySecret) {
    fn.addEnvironment(env.cursorKeySecret, ctx.cursorKeySecret.secretArn);
    ctx.cursorKeySecret.grantRead(fn);
  }
  fn.addEnvironment(env.rolesClaim, ctx.identity.rolesClaim);
  fn.addEnvironment(env.orgClaim, ctx.identity.orgClaim);

  for (const [t, access] of Object.entries(decl.tables)) {
    const table = ctx.tables.get(t);
    if (!table) throw new Error(`function ${name} uses undeclared table ${t}`);
    fn.addEnvironment(tableEnv(t), table.tableName);
    const tableDecl = ctx.tableDecls[t];
    const appendOnlyWrite = access === 'write' && tableDecl?.appendOnly === true;
    if (appendOnlyWrite) {
      // Append-only (the audit trail): a write is a new item, never an update or a delete. Reading the
      // table itself (not its indexes) finds the head of a resource's hash chain before extending it.
      role.addToPrincipalPolicy(
        new PolicyStatement({
          actions: ['dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:GetItem', 'dynamodb:ConditionCheckItem'],
          resources: [table.tableArn],
        }),
      );
    } else if (access === 'write') {
      table.grantReadWriteData(fn);
    } else {
      table.grantReadData(fn);
    }
    // Read grants include `<table>/index/*`; say why once per table, where the table has indexes.
    const indexes = Object.keys(tableDecl?.indexes ?? {});
    if (!appendOnlyWrite && indexes.length > 0) {
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${nagTableArn(role, table)}/index/*]`,
        reason: `Queries on table ${t} may use any of its declared global secondary indexes (${indexes.join(', ')}); the wildcard covers only this table's indexes.`,
      });
    }
  }

  // Every function, whatever it was granted: an explicit Deny (which no Allow can override) of any
  // update or delete of an append-only table — the audit trail cannot be rewritten by the platform's
  // own code (Art. 18; Cybersecurity Law Art. 21). PutItem stays (new events); an overwrite is
  // refused by the code's condition and detected by the hash chain.
  const appendOnlyArns = Object.entries(ctx.tableDecls)
    .filter(([, t]) => t.appendOnly === true)
    .flatMap(([t]) => {
      const table = ctx.tables.get(t);
      return table ? [table.tableArn, `${table.tableArn}/index/*`] : [];
    });
  if (appendOnlyArns.length > 0) {
    role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'DenyAuditRewrite',
        effect: Effect.DENY,
        actions: [...APPEND_ONLY_DENIED_ACTIONS],
        resources: appendOnlyArns,
      }),
    );
  }

  if (decl.publishesEvents) {
    fn.addEnvironment(env.eventBus, ctx.bus.eventBusName);
    ctx.bus.grantPutEventsTo(fn);
  }

  const workflows = decl.workflows ?? [];
  for (const m of workflows) {
    const arn = stateMachineArn(fn, ctx.stage, m);
    fn.addEnvironment(stateMachineEnv(m), arn);
    role.addToPrincipalPolicy(new PolicyStatement({ actions: ['states:StartExecution'], resources: [arn] }));
  }
  if (workflows.length > 0) {
    // Task callbacks are authorized by the opaque task token, not by a resource: IAM only accepts `*`.
    role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat'],
        resources: ['*'],
      }),
    );
    starActions.push('states:SendTaskSuccess/Failure/Heartbeat (task tokens are not resource-scoped in IAM)');
  }

  // Only where a `*` was granted: an acknowledgement must answer a finding (test/infra/nag.test.ts).
  if (starActions.length > 0)
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: `Only actions without resource-level permissions use "*": ${starActions.join('; ')}.`,
    });
};

/**
 * The Lambda function of one declared duty, bundled locally with esbuild (never Docker), with its own
 * log group and role, wired to what its declaration names (wireFunction). Built in the duty's nested
 * stack (infra/constructs/duty.ts); construct ids derive from the duty's name.
 */
export const buildFunction = (
  scope: Construct,
  name: string,
  decl: FunctionDeclaration,
  ctx: FunctionContext,
): NodejsFunction => {
  const settings = stageSettings(ctx.stage);
  const cid = pascal(name);
  const logGroup = new LogGroup(scope, `${cid}Logs`, {
    retention: settings.logRetention,
    removalPolicy: settings.removalPolicy,
  });
  // An own role instead of the AWSLambdaBasicExecutionRole managed policy: logs may only go to this
  // function's log group.
  const role = new Role(scope, `${cid}Role`, {
    assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
    description: `Function ${name} (${ctx.stage})`,
  });
  logGroup.grantWrite(role);

  const fn = new NodejsFunction(scope, cid, {
    entry: resolve(ROOT, decl.entry),
    handler: 'handler',
    description: decl.description,
    runtime: Runtime.NODEJS_22_X,
    architecture: Architecture.ARM_64,
    memorySize: decl.memoryMb ?? DEFAULT_MEMORY_MB,
    timeout: Duration.seconds(decl.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS),
    // X-Ray where Lambda offers it; in the China regions the integration does not exist.
    tracing: ctx.tracing ? Tracing.ACTIVE : Tracing.DISABLED,
    role,
    logGroup,
    projectRoot: ROOT,
    depsLockFilePath: resolve(ROOT, 'package-lock.json'),
    environment: {
      NODE_OPTIONS: '--enable-source-maps',
      POWERTOOLS_SERVICE_NAME: name,
    },
    // The esbuild settings of infra/bundling.ts (shared with the bundle-size benchmark), run by the
    // local esbuild: synth never needs Docker.
    bundling: {
      forceDockerBundling: false,
      format: OutputFormat.ESM,
      minify: BUNDLING.minify,
      target: BUNDLING.target,
      mainFields: [...BUNDLING.mainFields],
      // ESM output still meets CommonJS dependencies that call require(); the banner gives them one.
      banner: ESM_REQUIRE_BANNER,
      esbuildArgs: { '--legal-comments': BUNDLING.legalComments },
      sourceMap: true,
      // The AWS SDK v3 is bundled too, not taken from the runtime: tree shaking keeps only the
      // clients a function imports (smaller, faster cold starts) and the version deployed is the
      // version tested, not whatever the Lambda runtime ships that month.
      bundleAwsSDK: true,
      externalModules: [],
    },
  });
  Validations.of(fn).acknowledge({
    id: 'AwsSolutions-L1',
    reason:
      'Node.js 22 is pinned deliberately: the repository develops, tests and bundles (target node22) on ' +
      'Node 22 (package.json "node" devDependency); the runtime moves with that pin, not ahead of it.',
  });
  markDeclared(fn, 'function', name);
  wireFunction(fn, name, decl, ctx);
  return fn;
};

/** The declared functions by name, wherever their duty stacks built them. */
export class PlatformFunctions {
  constructor(readonly byName: ReadonlyMap<string, NodejsFunction>) {}

  has(name: string): boolean {
    return this.byName.has(name);
  }

  get(name: string): NodejsFunction {
    const fn = this.byName.get(name);
    if (!fn) throw new Error(`Function ${name} is not declared`);
    return fn;
  }
}
