/**
 * The stack built from infra/system.ts: every declared table, function, route, state machine, rule and
 * schedule is in the template with the properties the declaration and the platform rules require.
 */

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROCESSING_ENV } from '../../functions/processing/aws.js';
import { ESM_REQUIRE_BANNER } from '../../infra/bundling.js';
import { CORS_HEADERS } from '../../infra/constructs/api.js';
import { pascal, stateMachineEnv, tableEnv } from '../../infra/constructs/declaration.js';
import { APPEND_ONLY_DENIED_ACTIONS } from '../../infra/constructs/functions.js';
import { parseStage, templateInventory } from '../../infra/stack.js';
import { STAGE_CONFIG } from '../../infra/stages.js';
import * as system from '../../infra/system.js';
import {
  actionsOf,
  type CfnResource,
  type CfnTemplate,
  declared,
  dependencyCycle,
  dispose,
  mentions,
  ofType,
  roleOfFunction,
  type Statement,
  type Synthesized,
  statementsOfRole,
  synth,
} from './helpers.js';

const tableEntries = Object.entries(system.tables) as [string, system.TableDecl][];
const functionEntries = Object.entries(system.functions) as [string, system.FunctionDecl][];
const machineEntries = Object.entries(system.stateMachines) as [string, system.StateMachineDecl][];
const ruleEntries = Object.entries(system.eventRules) as [string, system.EventRuleDecl][];
const scheduleEntries = Object.entries(system.schedules) as [string, system.ScheduleDecl][];

let dev: Synthesized;
let prod: Synthesized;

beforeAll(() => {
  // Dev is bundled with the local esbuild, as `cdk synth` does; prod skips bundling (same code).
  dev = synth('dev', { bundle: true });
  prod = synth('prod');
  // Eleven esbuild bundles (ten duties and the Cognito trigger): slow on a busy machine.
}, 300_000);
afterAll(() => dispose(dev, prod));

const ref = (id: string) => ({ Ref: id });
const envOf = (fn: CfnResource) =>
  (fn.Properties!.Environment as { Variables: Record<string, unknown> }).Variables;

describe('stage selection', () => {
  it('defaults to dev, accepts prod and rejects anything else', () => {
    // Prepare / Act / Assess
    expect(parseStage(undefined)).toBe('dev');
    expect(parseStage('prod')).toBe('prod');
    expect(() => parseStage('staging')).toThrow(/Unknown stage "staging": pass -c stage=dev\|prod/);
  });
});

describe('inventory', () => {
  it('reads back exactly the declared names from the template', () => {
    // Act
    // Each duty's function, routes, rules and schedules are in its nested stack (DutyStack).
    const inventory = templateInventory(dev.json);
    // Assess
    expect(inventory).toEqual({
      routes: system.routes.map(system.routeKey).sort(),
      stateMachines: Object.keys(system.stateMachines).sort(),
      schedules: Object.keys(system.schedules).sort(),
      eventRules: Object.keys(system.eventRules).sort(),
      tables: Object.keys(system.tables).sort(),
      functions: Object.keys(system.functions).sort(),
    });
    expect(templateInventory(dev.template)).toEqual({
      ...inventory,
      routes: [],
      schedules: [],
      eventRules: [],
      functions: [],
    });
    // A duty's stack holds exactly its own function, routes, rules and schedules.
    for (const [name, duty] of dev.stack.duties) {
      const own = templateInventory(dev.templates.get(duty.node.path)!);
      const of = <T extends { function: string }>(entries: [string, T][]) =>
        entries
          .filter(([, e]) => e.function === name)
          .map(([n]) => n)
          .sort();
      expect(own).toEqual({
        routes: system.routes
          .filter((r) => r.function === name)
          .map(system.routeKey)
          .sort(),
        stateMachines: [],
        schedules: of(scheduleEntries),
        eventRules: of(ruleEntries),
        tables: [],
        functions: [name],
      });
    }
  });

  it('has no dependency cycle CloudFormation would reject', () => {
    expect(dependencyCycle(dev.json)).toBeUndefined();
    expect(dependencyCycle(prod.json)).toBeUndefined();
  });
});

describe('tables', () => {
  it.each(tableEntries)('%s has the declared keys, indexes and TTL', (name, decl) => {
    // Act
    const { resource } = declared(dev.json, 'table', name);
    const p = resource.Properties!;
    // Assess
    expect(resource.Type).toBe('AWS::DynamoDB::GlobalTable');
    expect(p.KeySchema).toEqual([
      { AttributeName: decl.partitionKey, KeyType: 'HASH' },
      ...(decl.sortKey ? [{ AttributeName: decl.sortKey, KeyType: 'RANGE' }] : []),
    ]);
    const gsis = (p.GlobalSecondaryIndexes ?? []) as {
      IndexName: string;
      KeySchema: unknown;
      Projection: unknown;
    }[];
    expect(gsis.map((g) => g.IndexName).sort()).toEqual(Object.keys(decl.indexes ?? {}).sort());
    for (const [indexName, index] of Object.entries(decl.indexes ?? {})) {
      expect(gsis.find((g) => g.IndexName === indexName)).toEqual({
        IndexName: indexName,
        KeySchema: [
          { AttributeName: index.partitionKey, KeyType: 'HASH' },
          ...(index.sortKey ? [{ AttributeName: index.sortKey, KeyType: 'RANGE' }] : []),
        ],
        Projection: { ProjectionType: 'ALL' },
      });
    }
    for (const a of p.AttributeDefinitions as { AttributeType: string }[]) expect(a.AttributeType).toBe('S');
    expect(p.TimeToLiveSpecification).toEqual(
      decl.timeToLive ? { AttributeName: decl.timeToLive, Enabled: true } : undefined,
    );
  });

  it.each(tableEntries)(
    '%s is on-demand, encrypted with the AWS managed key and point-in-time recoverable',
    (name) => {
      for (const { json } of [dev, prod]) {
        const p = declared(json, 'table', name).resource.Properties!;
        expect(p.BillingMode).toBe('PAY_PER_REQUEST');
        expect(p.SSESpecification).toEqual({ SSEEnabled: true, SSEType: 'KMS' });
        const [replica] = p.Replicas as {
          PointInTimeRecoverySpecification: unknown;
          SSESpecification?: unknown;
        }[];
        expect(replica?.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
        // AWS managed key: no customer key named anywhere.
        expect(replica?.SSESpecification).toBeUndefined();
      }
    },
  );

  it.each(tableEntries)('%s is protected and retained in prod, disposable in dev', (name) => {
    const prodTable = declared(prod.json, 'table', name).resource;
    const devTable = declared(dev.json, 'table', name).resource;
    const protection = (r: CfnResource) =>
      (r.Properties!.Replicas as { DeletionProtectionEnabled?: boolean }[])[0]?.DeletionProtectionEnabled;
    expect(protection(prodTable)).toBe(true);
    expect(prodTable.DeletionPolicy).toBe('Retain');
    expect(prodTable.UpdateReplacePolicy).toBe('Retain');
    expect(protection(devTable)).toBe(false);
    expect(devTable.DeletionPolicy).toBe('Delete');
  });
});

describe('functions', () => {
  it.each(functionEntries)(
    '%s runs Node.js 22 on arm64 with tracing, its own log group and declared sizing',
    (name, decl) => {
      const { resource } = declared(dev.json, 'function', name);
      const p = resource.Properties!;
      expect(p).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        TracingConfig: { Mode: 'Active' },
        MemorySize: decl.memoryMb ?? 256,
        Timeout: decl.timeoutSeconds ?? 10,
        Description: decl.description,
      });
      const logGroup = (p.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
      expect(dev.json.Resources[logGroup]?.Type).toBe('AWS::Logs::LogGroup');
      expect(dev.json.Resources[logGroup]?.Properties?.RetentionInDays).toBe(14);
      const prodLogGroup = (
        declared(prod.json, 'function', name).resource.Properties!.LoggingConfig as {
          LogGroup: { Ref: string };
        }
      ).LogGroup.Ref;
      expect(prod.json.Resources[prodLogGroup]?.Properties?.RetentionInDays).toBe(365);
    },
  );

  it.each(functionEntries)(
    '%s is told exactly its declared tables, bus, workflows and the token issuer',
    (name, decl) => {
      const vars = envOf(declared(dev.json, 'function', name).resource);
      const expected: Record<string, unknown> = {
        [system.env.stage]: 'dev',
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: name,
        [system.env.issuer]: { 'Fn::GetAtt': [expect.any(String), 'ProviderURL'] },
        // The web client's and the portal's (comma-separated).
        [system.env.audience]: {
          'Fn::Join': [',', [{ Ref: expect.any(String) }, { Ref: expect.any(String) }]],
        },
        [system.env.jwksUrl]: expect.anything(),
        [system.env.rolesClaim]: 'cognito:groups',
        [system.env.orgClaim]: 'custom:org',
        [system.env.metricsNamespace]: 'ShiyanData/dev',
        // The registry's root (every edge binds roles to organisations through it).
        [system.env.authorityOrg]: expect.stringMatching(/^[0-9A-Z]{18}$/),
        // The cursor signing key's secret, by ARN: the functions read the value at run time.
        [system.env.cursorKeySecret]: { Ref: expect.stringMatching(/^CursorSigningKey/) },
      };
      if ((decl as { personKey?: boolean }).personKey)
        expected[system.env.personKeySecret] = { Ref: expect.stringMatching(/^PersonKey/) };
      for (const t of Object.keys(decl.tables))
        expected[tableEnv(t)] = ref(declared(dev.json, 'table', t).id);
      if (decl.publishesEvents)
        expected[system.env.eventBus] = ref(ofType(dev.json, 'AWS::Events::EventBus')[0]![0]);
      for (const m of decl.workflows ?? []) expected[stateMachineEnv(m)] = expect.anything();
      // Processing is also told its bucket, Glue database and Athena workgroup (infra/constructs/processing.ts).
      if (name === 'processing')
        for (const v of Object.values(PROCESSING_ENV)) expected[v] = expect.anything();
      expect(vars).toEqual(expected);
    },
  );

  it.each(functionEntries)('%s may use only its declared tables, with the declared access', (name, decl) => {
    const fn = declared(dev.json, 'function', name).resource;
    const statements = statementsOfRole(dev.json, roleOfFunction(fn));
    for (const [t, tableDecl] of tableEntries) {
      const tableId = declared(dev.json, 'table', t).id;
      const actions = statements
        .filter((s) => s.Effect !== 'Deny' && mentions(s, tableId))
        .flatMap(actionsOf);
      const access = (decl.tables as Record<string, system.Access>)[t];
      if (!access) {
        expect(actions, `${name} must not reach table ${t}`).toEqual([]);
        continue;
      }
      if (tableDecl.appendOnly && access === 'write') {
        expect(actions).toContain('dynamodb:PutItem');
      } else if (access === 'write') {
        expect(actions).toEqual(
          expect.arrayContaining(['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem']),
        );
      }
      if (access === 'read') {
        expect(actions).toEqual(expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:Query']));
        expect(actions).not.toContain('dynamodb:PutItem');
      }
    }
  });

  it('grants append-only tables nothing but PutItem (and reads where declared), in any policy of the stack', () => {
    const appendOnly = tableEntries.filter(([, d]) => d.appendOnly).map(([t]) => t);
    expect(appendOnly.length).toBeGreaterThan(0);
    const statements = ofType(dev.json, 'AWS::IAM::Policy')
      .flatMap(([, p]) => (p.Properties!.PolicyDocument as { Statement: Statement[] }).Statement)
      .filter((s) => s.Effect !== 'Deny');
    for (const t of appendOnly) {
      const id = declared(dev.json, 'table', t).id;
      const actions = statements.filter((s) => mentions(s, id)).flatMap(actionsOf);
      expect(actions).toContain('dynamodb:PutItem');
      for (const forbidden of [
        'dynamodb:UpdateItem',
        'dynamodb:DeleteItem',
        'dynamodb:BatchWriteItem',
        'dynamodb:*',
      ]) {
        expect(actions, `${t} is append-only`).not.toContain(forbidden);
      }
    }
  });

  it.each(functionEntries)(
    '%s is explicitly denied any update or delete of the audit trail (Art. 18), whatever else it may do',
    (name) => {
      const fn = declared(dev.json, 'function', name).resource;
      const auditId = declared(dev.json, 'table', 'audit').id;
      const denies = statementsOfRole(dev.json, roleOfFunction(fn)).filter(
        (s) => s.Effect === 'Deny' && mentions(s, auditId),
      );
      const denied = denies.flatMap(actionsOf);
      for (const action of APPEND_ONLY_DENIED_ACTIONS) expect(denied, `${name}: ${action}`).toContain(action);
      // The table and its indexes.
      expect(JSON.stringify(denies.map((s) => s.Resource))).toContain('/index/*');
    },
  );

  it('keeps the audit trail at least 180 days: no TTL on append-only tables, retained in production', () => {
    for (const s of [dev, prod]) {
      const audit = declared(s.json, 'table', 'audit').resource;
      expect(audit.Properties?.TimeToLiveSpecification).toBeUndefined();
      expect((system.tables.audit as system.TableDecl).timeToLive).toBeUndefined();
    }
    const prodAudit = declared(prod.json, 'table', 'audit').resource;
    expect(prodAudit.DeletionPolicy).toBe('Retain');
    expect(JSON.stringify(prodAudit.Properties?.Replicas)).toContain('"DeletionProtectionEnabled":true');
  });

  it('bundles every function locally with esbuild as minified ESM with a require shim and a source map', () => {
    for (const [name] of functionEntries) {
      // The code asset is staged as cdk.out/asset.<hash>/, uploaded as <hash>.zip.
      const code = declared(dev.json, 'function', name).resource.Properties!.Code as { S3Key: string };
      const dir = join(dev.app.outdir, `asset.${code.S3Key.replace(/\.zip$/, '')}`);
      const bundle = readFileSync(join(dir, 'index.mjs'), 'utf8');
      expect(bundle.startsWith(ESM_REQUIRE_BANNER), name).toBe(true);
      expect(existsSync(join(dir, 'index.mjs.map')), name).toBe(true);
      // Minified: lines are thousands of characters long (unminified code averages well under 100).
      expect(bundle.split('\n').length, name).toBeLessThan(5 + bundle.length / 200);
    }
  });
});

describe('HTTP API', () => {
  const authorizerId = (json: CfnTemplate) => {
    const authorizers = ofType(json, 'AWS::ApiGatewayV2::Authorizer');
    expect(authorizers).toHaveLength(1);
    return authorizers[0]![0];
  };

  it('verifies Cognito ID tokens: issuer is the user pool, audience its clients (web and portal)', () => {
    const [, authorizer] = ofType(dev.json, 'AWS::ApiGatewayV2::Authorizer')[0]!;
    const pool = ofType(dev.json, 'AWS::Cognito::UserPool')[0]![0];
    const clients = ofType(dev.json, 'AWS::Cognito::UserPoolClient').map(([id]) => ({ Ref: id }));
    expect(clients).toHaveLength(2);
    expect(authorizer.Properties).toMatchObject({
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: { Issuer: { 'Fn::GetAtt': [pool, 'ProviderURL'] }, Audience: clients },
    });
  });

  it.each(system.routes.map((r) => [system.routeKey(r), r] as const))(
    '%s has the declared function and auth',
    (key, r) => {
      const route = declared(dev.json, 'route', key).resource;
      const p = route.Properties!;
      expect(p.RouteKey).toBe(key);
      if (typeof r.auth === 'string') {
        expect(p.AuthorizationType).toBe('NONE');
        expect(p.AuthorizerId).toBeUndefined();
      } else {
        expect(p.AuthorizationType).toBe('JWT');
        expect(p.AuthorizerId).toEqual(ref(authorizerId(dev.json)));
      }
      const integrationId = [...JSON.stringify(p.Target).matchAll(/"Ref":"(\w+)"/g)][0]![1]!;
      const integration = dev.json.Resources[integrationId]!.Properties!;
      const fnId = declared(dev.json, 'function', r.function).id;
      expect(integration).toMatchObject({
        IntegrationType: 'AWS_PROXY',
        PayloadFormatVersion: '2.0',
        IntegrationUri: { 'Fn::GetAtt': [fnId, 'Arn'] },
      });
    },
  );

  it('shares one integration and one invoke permission per function, with logical ids pinned to the function', () => {
    const routed = [...new Set(system.routes.map((r) => r.function as string))];
    const integrations = ofType(dev.json, 'AWS::ApiGatewayV2::Integration').map(([id]) => id);
    expect(integrations.sort()).toEqual(routed.map((f) => `Api${pascal(f)}Integration`).sort());
    const permissions = ofType(dev.json, 'AWS::Lambda::Permission').filter(
      ([, p]) => p.Properties?.Principal === 'apigateway.amazonaws.com',
    );
    expect(permissions).toHaveLength(routed.length);
  });

  it('logs access and throttles on the $default stage, and allows the declared CORS headers', () => {
    for (const { json } of [dev, prod]) {
      const stages = ofType(json, 'AWS::ApiGatewayV2::Stage');
      expect(stages).toHaveLength(1);
      const p = stages[0]![1].Properties!;
      expect(p.StageName).toBe('$default');
      expect(p.AutoDeploy).toBe(true);
      const logs = p.AccessLogSettings as {
        DestinationArn: { 'Fn::GetAtt': [string, string] };
        Format: string;
      };
      expect(json.Resources[logs.DestinationArn['Fn::GetAtt'][0]]?.Type).toBe('AWS::Logs::LogGroup');
      expect(JSON.parse(logs.Format)).toMatchObject({
        requestId: '$context.requestId',
        user: '$context.authorizer.claims.sub',
      });
      expect(p.DefaultRouteSettings).toMatchObject({
        ThrottlingRateLimit: expect.any(Number),
        ThrottlingBurstLimit: expect.any(Number),
      });
    }
    const api = ofType(dev.json, 'AWS::ApiGatewayV2::Api')[0]![1].Properties!;
    expect(api.CorsConfiguration).toMatchObject({ AllowOrigins: ['*'], AllowHeaders: CORS_HEADERS });
  });
});

describe('identity', () => {
  it('has one group per role, an org attribute users cannot write, and a secretless SRP client', () => {
    const groups = ofType(dev.json, 'AWS::Cognito::UserPoolGroup').map(([, g]) => g.Properties!.GroupName);
    expect(groups.sort()).toEqual([...system.ROLES].sort());

    const pool = ofType(dev.json, 'AWS::Cognito::UserPool')[0]![1].Properties!;
    expect(pool.Schema).toEqual(
      expect.arrayContaining([expect.objectContaining({ Name: 'org', AttributeDataType: 'String' })]),
    );
    expect(pool.Policies).toMatchObject({ PasswordPolicy: { MinimumLength: 12, RequireSymbols: true } });
    expect(pool.MfaConfiguration).toBe('OPTIONAL');
    expect(pool.AdminCreateUserConfig).toEqual({ AllowAdminCreateUserOnly: true });

    const client = ofType(dev.json, 'AWS::Cognito::UserPoolClient')[0]![1].Properties!;
    expect(client.GenerateSecret).toBe(false);
    expect(client.ExplicitAuthFlows).toContain('ALLOW_USER_SRP_AUTH');
    expect(client.ReadAttributes).toContain('custom:org');
    expect(client.WriteAttributes).not.toContain('custom:org');
  });

  it('enforces threat protection and deletion protection in prod', () => {
    const pool = ofType(prod.json, 'AWS::Cognito::UserPool')[0]![1];
    expect(pool.Properties).toMatchObject({
      UserPoolTier: 'PLUS',
      UserPoolAddOns: { AdvancedSecurityMode: 'ENFORCED' },
      DeletionProtection: 'ACTIVE',
    });
    expect(pool.DeletionPolicy).toBe('Retain');
  });
});

describe('events, workflows and schedules', () => {
  it('puts a custom bus named <stage>-platform and lets only publishing functions use it', () => {
    const [[busId, bus]] = ofType(dev.json, 'AWS::Events::EventBus') as [[string, CfnResource]];
    expect(bus.Properties?.Name).toBe(`dev-${system.EVENT_BUS}`);
    expect(ofType(prod.json, 'AWS::Events::EventBus')[0]![1].Properties?.Name).toBe(
      `prod-${system.EVENT_BUS}`,
    );
    for (const [name, decl] of functionEntries) {
      const statements = statementsOfRole(
        dev.json,
        roleOfFunction(declared(dev.json, 'function', name).resource),
      );
      const puts = statements.filter((s) => actionsOf(s).includes('events:PutEvents'));
      expect(puts.length > 0, `${name} publishes events: ${Boolean(decl.publishesEvents)}`).toBe(
        Boolean(decl.publishesEvents),
      );
      for (const s of puts) expect(mentions(s, busId)).toBe(true);
    }
  });

  it.each(machineEntries)(
    'state machine %s substitutes its functions and is logged and traced',
    (name, decl) => {
      const machine = declared(dev.json, 'stateMachine', name).resource.Properties!;
      expect(machine.StateMachineName).toBe(`dev-${name}`);
      expect(machine.StateMachineType).toBe('STANDARD');
      expect(machine.TracingConfiguration).toEqual({ Enabled: true });
      expect(machine.LoggingConfiguration).toMatchObject({ Level: 'ALL', IncludeExecutionData: false });
      expect(machine.DefinitionSubstitutions).toEqual({
        ...Object.fromEntries(
          decl.functions.map((f) => [
            system.functionArnPlaceholder(f),
            { 'Fn::GetAtt': [declared(dev.json, 'function', f).id, 'Arn'] },
          ]),
        ),
        [system.PARTITION_PLACEHOLDER]: { Ref: 'AWS::Partition' },
      });
    },
  );

  it.each(ruleEntries)('event rule %s matches the declared pattern on the platform bus', (name, decl) => {
    const rule = declared(dev.json, 'eventRule', name).resource.Properties!;
    const busId = ofType(dev.json, 'AWS::Events::EventBus')[0]![0];
    expect(rule.EventBusName).toEqual(ref(busId));
    expect(rule.EventPattern).toEqual(decl.pattern);
    const [target] = rule.Targets as { Arn: unknown; DeadLetterConfig: unknown; RetryPolicy: unknown }[];
    expect(target?.Arn).toEqual({ 'Fn::GetAtt': [declared(dev.json, 'function', decl.function).id, 'Arn'] });
    expect(target?.DeadLetterConfig).toBeDefined();
    expect(target?.RetryPolicy).toBeDefined();
  });

  it.each(scheduleEntries)(
    'schedule %s runs the declared expression in its time zone (default UTC)',
    (name, decl) => {
      const schedule = declared(dev.json, 'schedule', name).resource.Properties!;
      expect(schedule).toMatchObject({
        ScheduleExpression: decl.expression,
        ScheduleExpressionTimezone: decl.timezone ?? 'Etc/UTC',
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: {
          Arn: { 'Fn::GetAtt': [declared(dev.json, 'function', decl.function).id, 'Arn'] },
          Input: JSON.stringify({ schedule: name }),
        },
      });
    },
  );
});

describe('outputs', () => {
  it('publishes the portal and API URLs, user pool, client and bus name', () => {
    expect(Object.keys(dev.json.Outputs ?? {}).sort()).toEqual(
      [
        'ApiUrl',
        'EventBusName',
        'PortalDnsTarget',
        'PortalUrl',
        'TokenIssuer',
        'UserPoolClientId',
        'UserPoolId',
      ].sort(),
    );
    expect(dev.json.Outputs?.ApiUrl?.Value).toBe(`https://${STAGE_CONFIG.dev.domain.name}/api`);
  });
});
