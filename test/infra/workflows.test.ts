/**
 * The stack code paths for state machines, event rules and schedules, proven on a small declaration of
 * their own (infra/system.ts grows these sections over time; the code must not wait for it). Also the
 * synth-time consistency checks of the declaration.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRANSIENT_LAMBDA_ERRORS } from '../../infra/asl.js';
import { type PlatformDeclaration, stateMachineEnv } from '../../infra/constructs/declaration.js';
import { PlatformStack, templateInventory } from '../../infra/stack.js';
import { functionArnPlaceholder } from '../../infra/system.js';
import {
  acknowledgements,
  actionsOf,
  declared,
  dependencyCycle,
  dispose,
  mentions,
  nagFindings,
  ofType,
  rawNagFindings,
  roleOfFunction,
  type Synthesized,
  statementsOfRole,
  synth,
} from './helpers.js';

const aslDir = mkdtempSync(join(tmpdir(), 'platform-asl-'));
const aslFile = join(aslDir, 'intake-review.asl.json');

/** A workflow that calls back into the function that starts it: the case that could make a cycle. */
const fixture: PlatformDeclaration = {
  tables: {
    records: { partitionKey: 'pk', sortKey: 'sk', indexes: { byOwner: { partitionKey: 'owner' } } },
    journal: { partitionKey: 'resource', sortKey: 'sk', appendOnly: true },
  },
  functions: {
    intake: {
      entry: 'functions/catalog/handler.ts',
      description: 'Fixture intake',
      tables: { records: 'write', journal: 'write' },
      publishesEvents: true,
      workflows: ['intake-review'],
    },
    'record-notifier': {
      entry: 'functions/meta/handler.ts',
      description: 'Fixture notifier',
      tables: { records: 'read', journal: 'read' },
      memoryMb: 512,
      timeoutSeconds: 30,
    },
  },
  routes: [
    {
      method: 'POST',
      path: '/intake',
      function: 'intake',
      auth: ['operator'],
      operationId: 'submitIntake',
      summary: 'x',
    },
    {
      method: 'GET',
      path: '/intake/{id}',
      function: 'intake',
      auth: 'public',
      operationId: 'getIntake',
      summary: 'x',
    },
  ],
  stateMachines: {
    'intake-review': {
      file: aslFile,
      description: 'Fixture review',
      functions: ['intake', 'record-notifier'],
    },
  },
  eventRules: {
    'notify-on-intake': {
      description: 'Fixture rule',
      pattern: { source: ['shiyan.intake'], 'detail-type': ['IntakeSubmitted'] },
      function: 'record-notifier',
    },
  },
  schedules: {
    'nightly-sweep': { description: 'Fixture schedule', expression: 'cron(0 2 * * ? *)', function: 'intake' },
  },
  eventBus: 'platform',
};

/** `${Name}`: a definition substitution placeholder as written in an ASL file. */
const ph = (name: string) => `$\{${name}}`;

const retry = [
  { ErrorEquals: [...TRANSIENT_LAMBDA_ERRORS], IntervalSeconds: 2, MaxAttempts: 3, BackoffRate: 2 },
];
const asl = {
  StartAt: 'Check',
  States: {
    Check: {
      Type: 'Task',
      Resource: `arn:${ph('Partition')}:states:::lambda:invoke`,
      Parameters: { FunctionName: ph(functionArnPlaceholder('intake')), 'Payload.$': '$' },
      Retry: retry,
      Next: 'Notify',
    },
    Notify: {
      Type: 'Task',
      Resource: `arn:${ph('Partition')}:states:::lambda:invoke`,
      Parameters: { FunctionName: ph(functionArnPlaceholder('record-notifier')), 'Payload.$': '$' },
      Retry: retry,
      End: true,
    },
  },
};

let s: Synthesized;

beforeAll(() => {
  writeFileSync(aslFile, JSON.stringify(asl));
  s = synth('dev', { declaration: fixture });
});
afterAll(() => {
  dispose(s);
  rmSync(aslDir, { recursive: true, force: true });
});

describe('a declaration with workflows, rules and schedules', () => {
  it('builds every entry, readable back by templateInventory, without a dependency cycle', () => {
    expect(templateInventory(s.json)).toEqual({
      routes: ['GET /intake/{id}', 'POST /intake'],
      stateMachines: ['intake-review'],
      schedules: ['nightly-sweep'],
      eventRules: ['notify-on-intake'],
      tables: ['journal', 'records'],
      functions: ['intake', 'record-notifier'],
    });
    expect(dependencyCycle(s.json)).toBeUndefined();
  });

  it('passes cdk-nag with no finding and no acknowledgement without a finding behind it', () => {
    expect(nagFindings(s.app)).toEqual([]);
    const raw = rawNagFindings(s.app);
    for (const ack of acknowledgements(s.app)) {
      const hidden = raw.filter(
        (f) => f.rule === ack.rule && f.paths.some((p) => p.startsWith(`${ack.path}/`)),
      );
      expect(hidden, `${ack.rule} at ${ack.path}`).not.toEqual([]);
    }
  });

  it('substitutes each declared function ARN into the ASL and lets the machine invoke exactly those', () => {
    const { resource } = declared(s.json, 'stateMachine', 'intake-review');
    const intake = declared(s.json, 'function', 'intake').id;
    const notifier = declared(s.json, 'function', 'record-notifier').id;
    const p = resource.Properties!;
    expect(p).toMatchObject({
      StateMachineName: 'dev-intake-review',
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: false },
      DefinitionSubstitutions: {
        IntakeFunctionArn: { 'Fn::GetAtt': [intake, 'Arn'] },
        RecordNotifierFunctionArn: { 'Fn::GetAtt': [notifier, 'Arn'] },
      },
    });
    const roleId = (p.RoleArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const invokes = statementsOfRole(s.json, roleId).filter((st) =>
      actionsOf(st).includes('lambda:InvokeFunction'),
    );
    expect(invokes.map((st) => st.Resource)).toEqual([
      [{ 'Fn::GetAtt': [intake, 'Arn'] }, { 'Fn::GetAtt': [notifier, 'Arn'] }],
    ]);
  });

  it('tells a workflow function its machine ARN by name and grants start plus task callbacks', () => {
    const fn = declared(s.json, 'function', 'intake').resource;
    const arn = (fn.Properties!.Environment as { Variables: Record<string, unknown> }).Variables[
      stateMachineEnv('intake-review')
    ];
    expect(JSON.stringify(arn)).toContain(':stateMachine:dev-intake-review');
    const statements = statementsOfRole(s.json, roleOfFunction(fn));
    expect(statements.find((st) => actionsOf(st).includes('states:StartExecution'))?.Resource).toEqual(arn);
    expect(statements.find((st) => actionsOf(st).includes('states:SendTaskSuccess'))).toMatchObject({
      Action: ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat'],
      Resource: '*',
    });
    // A function without workflows gets neither.
    const notifier = statementsOfRole(
      s.json,
      roleOfFunction(declared(s.json, 'function', 'record-notifier').resource),
    );
    expect(notifier.flatMap(actionsOf).filter((a) => a.startsWith('states:'))).toEqual([]);
  });

  it('gives an append-only table PutItem for writers and read actions only to readers', () => {
    const journal = declared(s.json, 'table', 'journal').id;
    const actionsOn = (fn: string) =>
      statementsOfRole(s.json, roleOfFunction(declared(s.json, 'function', fn).resource))
        .filter((st) => st.Effect !== 'Deny' && mentions(st, journal))
        .flatMap(actionsOf);
    // Writers append, and read the table itself to find the head of a hash chain; never update or delete.
    expect(actionsOn('intake')).toEqual([
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:GetItem',
      'dynamodb:ConditionCheckItem',
    ]);
    expect(actionsOn('record-notifier')).toEqual(
      expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:Query']),
    );
    expect(actionsOn('record-notifier')).not.toContain('dynamodb:PutItem');
  });

  it('uses declared memory and timeout where given', () => {
    expect(declared(s.json, 'function', 'record-notifier').resource.Properties).toMatchObject({
      MemorySize: 512,
      Timeout: 30,
    });
  });

  it('delivers rule matches to the declared function with retries and an SSL-only dead-letter queue', () => {
    const rule = declared(s.json, 'eventRule', 'notify-on-intake').resource.Properties!;
    expect(rule.EventPattern).toEqual({ source: ['shiyan.intake'], 'detail-type': ['IntakeSubmitted'] });
    const [target] = rule.Targets as {
      Arn: unknown;
      DeadLetterConfig: { Arn: { 'Fn::GetAtt': [string, string] } };
      RetryPolicy: unknown;
    }[];
    expect(target?.Arn).toEqual({
      'Fn::GetAtt': [declared(s.json, 'function', 'record-notifier').id, 'Arn'],
    });
    expect(target?.RetryPolicy).toEqual({ MaximumEventAgeInSeconds: 86400, MaximumRetryAttempts: 8 });
    const queueId = target!.DeadLetterConfig.Arn['Fn::GetAtt'][0];
    expect(s.json.Resources[queueId]?.Type).toBe('AWS::SQS::Queue');
    const policy = ofType(s.json, 'AWS::SQS::QueuePolicy').find(([, p]) =>
      JSON.stringify(p.Properties?.Queues).includes(queueId),
    )?.[1];
    expect(JSON.stringify(policy?.Properties?.PolicyDocument)).toContain('"aws:SecureTransport":"false"');
  });

  it('invokes the scheduled function with {"schedule": name} through a role allowed to invoke it only', () => {
    const schedule = declared(s.json, 'schedule', 'nightly-sweep').resource.Properties!;
    const intake = declared(s.json, 'function', 'intake').id;
    expect(schedule).toMatchObject({
      ScheduleExpression: 'cron(0 2 * * ? *)',
      ScheduleExpressionTimezone: 'Etc/UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: { Arn: { 'Fn::GetAtt': [intake, 'Arn'] }, Input: '{"schedule":"nightly-sweep"}' },
    });
    const roleId = (schedule.Target as { RoleArn: { 'Fn::GetAtt': [string, string] } }).RoleArn[
      'Fn::GetAtt'
    ][0];
    const invokes = statementsOfRole(s.json, roleId).flatMap((st) =>
      actionsOf(st).includes('lambda:InvokeFunction') ? [st] : [],
    );
    expect(invokes).toHaveLength(1);
    expect(JSON.stringify(invokes[0]!.Resource)).toContain(intake);
  });
});

describe('declaration checks at synth time', () => {
  const build = (declaration: PlatformDeclaration) => () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    try {
      new PlatformStack(app, 'Bad', { stage: 'dev', declaration });
    } finally {
      rmSync(app.outdir, { recursive: true, force: true });
    }
  };

  it('rejects a route to an undeclared function', () => {
    const bad = { ...fixture, routes: [{ ...fixture.routes[0]!, function: 'ghost' }] };
    expect(build(bad)).toThrow(/route POST \/intake names function "ghost", which is not declared/);
  });

  it('rejects an ASL placeholder that no declared function of the machine provides', () => {
    const file = join(aslDir, 'bad.asl.json');
    writeFileSync(
      file,
      JSON.stringify({
        StartAt: 'A',
        States: { A: { Type: 'Task', Resource: ph('GhostFunctionArn'), End: true } },
      }),
    );
    const bad = { ...fixture, stateMachines: { review: { file, description: 'x', functions: ['intake'] } } };
    expect(
      build({
        ...bad,
        functions: { ...fixture.functions, intake: { ...fixture.functions.intake!, workflows: [] } },
      }),
    ).toThrow(/uses \$\{GhostFunctionArn\}, which none of its declared functions provides/);
  });

  it('rejects a function using an undeclared table or state machine', () => {
    const bad = {
      ...fixture,
      functions: {
        ...fixture.functions,
        intake: { ...fixture.functions.intake!, tables: { ghost: 'read' as const } },
      },
    };
    expect(build(bad)).toThrow(/function intake uses table "ghost", which is not declared/);
  });
});
