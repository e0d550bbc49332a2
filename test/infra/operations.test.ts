/**
 * Running it for real, read from the synthesized templates: nothing silently dropped (dead-letter
 * queues and on-failure destinations for every asynchronous path, kept in prod), alarms and a
 * dashboard for everything the declaration builds, the stage config (identity, CORS, throttles), and
 * a prod-like aws-cn stage with an OIDC issuer. Every check iterates the declaration, so an entry
 * another duty adds is checked too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CORS_EXPOSED_HEADERS } from '../../infra/constructs/api.js';
import { ASYNC_RETRY_ATTEMPTS } from '../../infra/constructs/events.js';
import {
  ATHENA_DAILY_SCAN_ALARM,
  CONCURRENCY_ALARM_SHARE,
  DURATION_ALARM_SHARE,
} from '../../infra/constructs/observability.js';
import { STAGE_CONFIG, stageConfig } from '../../infra/stages.js';
import * as system from '../../infra/system.js';
import {
  type CfnTemplate,
  CN_INPUTS,
  declared,
  dispose,
  ofType,
  type Synthesized,
  synth,
} from './helpers.js';

let dev: Synthesized;
let prod: Synthesized;
let cn: Synthesized;
beforeAll(() => {
  dev = synth('dev');
  prod = synth('prod');
  cn = synth('cn-prod');
});
afterAll(() => dispose(dev, prod, cn));

const getAtt = (json: CfnTemplate, value: unknown): string => {
  const id = (value as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt']?.[0];
  if (!id || !json.Resources[id]) throw new Error(`not a GetAtt of a resource: ${JSON.stringify(value)}`);
  return id;
};
const alarmsOf = (json: CfnTemplate) => ofType(json, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties!);
const alarmOn = (json: CfnTemplate, metricName: string, dimension?: unknown) =>
  alarmsOf(json).filter(
    (a) =>
      a.MetricName === metricName &&
      (dimension === undefined || (JSON.stringify(a.Dimensions) ?? '').includes(JSON.stringify(dimension))),
  );
/** Metric-math alarms reading a metric whose dimensions mention `dimension`. */
const mathAlarmsOn = (json: CfnTemplate, dimension: unknown) =>
  alarmsOf(json).filter(
    (a) => Array.isArray(a.Metrics) && JSON.stringify(a.Metrics).includes(JSON.stringify(dimension)),
  );
const metricNamesOf = (a: Record<string, unknown>): string[] =>
  (a.Metrics as { MetricStat?: { Metric: { MetricName: string } } }[])
    .flatMap((m) => (m.MetricStat ? [m.MetricStat.Metric.MetricName] : []))
    .sort();

/** The SQS on-failure destination of a function's asynchronous invocations, or undefined. */
const onFailureQueue = (json: CfnTemplate, fn: string): { id: string; retries: number } | undefined => {
  const fnId = declared(json, 'function', fn).id;
  const configs = ofType(json, 'AWS::Lambda::EventInvokeConfig').filter(
    ([, c]) => (c.Properties?.FunctionName as { Ref?: string } | undefined)?.Ref === fnId,
  );
  if (configs.length !== 1) return undefined;
  const props = configs[0]![1].Properties as {
    MaximumRetryAttempts: number;
    DestinationConfig: { OnFailure: { Destination: unknown } };
  };
  return {
    id: getAtt(json, props.DestinationConfig.OnFailure.Destination),
    retries: props.MaximumRetryAttempts,
  };
};
const asyncTargets = [
  ...new Set(
    [...Object.values(system.eventRules), ...Object.values(system.schedules)].map((e) => e.function),
  ),
];

describe('nothing silently dropped', () => {
  it.each(Object.keys(system.eventRules))('rule %s: retries, then a dead-letter queue', (name) => {
    const rule = declared(dev.json, 'eventRule', name).resource.Properties!;
    const [target] = rule.Targets as {
      DeadLetterConfig: { Arn: unknown };
      RetryPolicy: { MaximumRetryAttempts: number };
    }[];
    expect(dev.json.Resources[getAtt(dev.json, target!.DeadLetterConfig.Arn)]?.Type).toBe('AWS::SQS::Queue');
    expect(target!.RetryPolicy.MaximumRetryAttempts).toBeGreaterThan(0);
  });

  it.each(Object.keys(system.schedules))('schedule %s: retries, then a dead-letter queue', (name) => {
    const target = declared(dev.json, 'schedule', name).resource.Properties!.Target as {
      DeadLetterConfig: { Arn: unknown };
      RetryPolicy: { MaximumRetryAttempts: number };
    };
    expect(dev.json.Resources[getAtt(dev.json, target.DeadLetterConfig.Arn)]?.Type).toBe('AWS::SQS::Queue');
    expect(target.RetryPolicy.MaximumRetryAttempts).toBeGreaterThan(0);
  });

  // Scheduler and EventBridge invoke Lambda asynchronously: a run Lambda accepted and that threw on
  // every retry (a failed outbox relay, evaluation cycle, overdue sweep…) must land somewhere too.
  it.each([
    ...Object.entries(system.schedules).map(([n, s]) => [`schedule ${n}`, s.function] as const),
    ...Object.entries(system.eventRules).map(([n, r]) => [`rule ${n}`, r.function] as const),
  ])('%s → function %s: a run that threw after Lambda’s retries goes to an alarmed SQS queue', (_, fn) => {
    for (const s of [dev, prod, cn]) {
      const failure = onFailureQueue(s.json, fn);
      if (s === dev) {
        expect(failure, fn).toBeDefined(); // dev has the queue, and no alarms at all (no recipients)
        continue;
      }
      expect(failure, fn).toBeDefined();
      expect(failure!.retries).toBe(ASYNC_RETRY_ATTEMPTS);
      expect(s.json.Resources[failure!.id]?.Type).toBe('AWS::SQS::Queue');
      const name = { 'Fn::GetAtt': [failure!.id, 'QueueName'] };
      expect(alarmOn(s.json, 'ApproximateNumberOfMessagesVisible', name), fn).toHaveLength(1);
    }
  });

  it('keeps every dead-letter queue in prod and disposes of them in dev', () => {
    const queues = (json: CfnTemplate) => ofType(json, 'AWS::SQS::Queue').map(([, q]) => q);
    const expected =
      Object.keys(system.eventRules).length + asyncTargets.length + Object.keys(system.schedules).length;
    expect(queues(prod.json)).toHaveLength(expected);
    for (const q of queues(prod.json)) expect(q.DeletionPolicy).toBe('Retain');
    for (const q of queues(dev.json)) expect(q.DeletionPolicy).toBe('Delete');
    for (const q of queues(prod.json))
      expect(String(q.Properties?.QueueName)).toMatch(/^prod-dlq-(rule|async|schedule)-/);
  });
});

describe('alarms', () => {
  const topicOf = (json: CfnTemplate) => ofType(json, 'AWS::SNS::Topic')[0]![0];

  it('makes no alarm (and no topic) for a stage that names no recipient: nobody would hear it', () => {
    expect(STAGE_CONFIG.dev.alarmEmails).toEqual([]);
    expect(ofType(dev.json, 'AWS::CloudWatch::Alarm')).toEqual([]);
    expect(ofType(dev.json, 'AWS::SNS::Topic')).toEqual([]);
  });

  it('sends every alarm to the stage topic, whose subscribers are the configured recipients', () => {
    for (const a of alarmsOf(prod.json)) expect(a.AlarmActions).toEqual([{ Ref: topicOf(prod.json) }]);
    const emails = ofType(prod.json, 'AWS::SNS::Subscription').map(([, s]) => s.Properties);
    expect(emails).toEqual(
      STAGE_CONFIG.prod.alarmEmails.map((e) => expect.objectContaining({ Protocol: 'email', Endpoint: e })),
    );
  });

  it.each(Object.entries(system.functions))(
    'function %s: errors, and p99 duration at 80 % of its timeout',
    (fn, decl) => {
      const id = { Ref: declared(prod.json, 'function', fn).id };
      expect(alarmOn(prod.json, 'Errors', id)).toHaveLength(1);
      const [duration] = alarmOn(prod.json, 'Duration', id);
      const timeout = (decl as { timeoutSeconds?: number }).timeoutSeconds ?? 10;
      expect(duration).toMatchObject({
        ExtendedStatistic: 'p99',
        Threshold: Math.round(DURATION_ALARM_SHARE * timeout * 1000),
      });
      // Throttling is the account's (one alarm), unless a function reserves concurrency.
      expect(alarmOn(prod.json, 'Throttles', id)).toHaveLength(0);
    },
  );

  it('watches the account: Lambda concurrency against the quota and throttles', () => {
    const [concurrency] = alarmOn(prod.json, 'ConcurrentExecutions');
    expect(concurrency).toMatchObject({
      Namespace: 'AWS/Lambda',
      Threshold: CONCURRENCY_ALARM_SHARE * stageConfig('prod').lambdaConcurrencyQuota,
    });
    expect(concurrency!.Dimensions).toBeUndefined();
    expect(alarmOn(prod.json, 'Throttles').filter((a) => a.Dimensions === undefined)).toHaveLength(1);
  });

  it('watches the sign-in trigger (Cognito stages): errors and duration against the 5 s Cognito allows', () => {
    const trigger = ofType(prod.json, 'AWS::Lambda::Function').find(([id]) =>
      id.startsWith('IdentityPreToken'),
    )!;
    expect(alarmOn(prod.json, 'Errors', { Ref: trigger[0] })).toHaveLength(1);
    expect(alarmOn(prod.json, 'Duration', { Ref: trigger[0] })[0]).toMatchObject({ Threshold: 4000 });
  });

  it.each(Object.keys(system.stateMachines))(
    'state machine %s: one alarm for failed, timed-out or aborted',
    (m) => {
      const id = { Ref: declared(prod.json, 'stateMachine', m).id };
      const math = mathAlarmsOn(prod.json, id);
      expect(math).toHaveLength(1);
      expect(metricNamesOf(math[0]!)).toEqual([
        'ExecutionsAborted',
        'ExecutionsFailed',
        'ExecutionsTimedOut',
      ]);
    },
  );

  it('watches every table for throttles, and the written ones for transaction system errors', () => {
    const written = new Set(
      Object.values(system.functions).flatMap((f) =>
        Object.entries(f.tables as Record<string, string>)
          .filter(([, a]) => a === 'write')
          .map(([t]) => t),
      ),
    );
    for (const t of Object.keys(system.tables)) {
      const math = mathAlarmsOn(prod.json, { Ref: declared(prod.json, 'table', t).id });
      expect(math, t).toHaveLength(1);
      expect(metricNamesOf(math[0]!)).toEqual(
        written.has(t)
          ? ['ReadThrottleEvents', 'SystemErrors', 'WriteThrottleEvents']
          : ['ReadThrottleEvents', 'WriteThrottleEvents'],
      );
    }
  });

  it('watches Athena: failed or cancelled queries and a day’s scan volume', () => {
    const workgroup = ofType(prod.json, 'AWS::Athena::WorkGroup')[0]![1].Properties!.Name;
    const failed = mathAlarmsOn(prod.json, workgroup);
    expect(failed).toHaveLength(1);
    expect(JSON.stringify(failed[0])).toMatch(/FAILED.*CANCELED|CANCELED.*FAILED/);
    const [scan] = alarmOn(prod.json, 'ProcessedBytes');
    expect(scan).toMatchObject({
      Namespace: 'AWS/Athena',
      Period: 86_400,
      Threshold: ATHENA_DAILY_SCAN_ALARM,
    });
  });

  it('watches the depth of every dead-letter queue, once', () => {
    for (const [id] of ofType(prod.json, 'AWS::SQS::Queue')) {
      const name = { 'Fn::GetAtt': [id, 'QueueName'] };
      expect(alarmOn(prod.json, 'ApproximateNumberOfMessagesVisible', name), id).toHaveLength(1);
    }
    expect(alarmOn(prod.json, 'ApproximateAgeOfOldestMessage')).toEqual([]);
  });

  it('watches API 5xx and latency, the outbox backlog and overdue review tasks', () => {
    expect(alarmOn(prod.json, '5xx')).toHaveLength(1);
    expect(alarmOn(prod.json, 'Latency')).toHaveLength(1);
    expect(alarmOn(prod.json, 'OutboxBacklog')[0]).toMatchObject({ Namespace: 'ShiyanData/prod' });
    expect(alarmOn(prod.json, 'ReviewTaskOverdue')[0]).toMatchObject({ Namespace: 'ShiyanData/prod' });
  });
});

describe('the dashboard', () => {
  it('shows every function, state machine and dead-letter queue of the declaration', () => {
    const dashboards = ofType(dev.json, 'AWS::CloudWatch::Dashboard');
    expect(dashboards).toHaveLength(1);
    const body = JSON.stringify(dashboards[0]![1].Properties?.DashboardBody);
    for (const fn of Object.keys(system.functions)) {
      expect(body).toContain(declared(dev.json, 'function', fn).id);
      expect(body).toContain(`service=\\\\\\"${fn}\\\\\\"`);
    }
    for (const m of Object.keys(system.stateMachines))
      expect(body).toContain(declared(dev.json, 'stateMachine', m).id);
    for (const [, q] of ofType(dev.json, 'AWS::SQS::Queue'))
      expect(body).toContain(String(q.Properties?.QueueName));
  });
});

describe('the stage config', () => {
  it('allows each stage its own CORS origins and lets browsers read ETag, Location and Idempotency-Key', () => {
    for (const [s, stage] of [
      [dev, 'dev'],
      [prod, 'prod'],
    ] as const) {
      const api = ofType(s.json, 'AWS::ApiGatewayV2::Api')[0]![1].Properties!;
      const cors = api.CorsConfiguration as { AllowOrigins: string[]; ExposeHeaders: string[] };
      expect(cors.AllowOrigins).toEqual(STAGE_CONFIG[stage].corsOrigins);
      expect(cors.ExposeHeaders).toEqual(CORS_EXPOSED_HEADERS);
    }
    expect(CORS_EXPOSED_HEADERS).toEqual(expect.arrayContaining(['etag', 'location', 'idempotency-key']));
  });

  it('throttles every public route on its own, tighter than the whole API', () => {
    const stage = ofType(prod.json, 'AWS::ApiGatewayV2::Stage')[0]![1];
    const settings = stage.Properties!.RouteSettings as Record<string, { ThrottlingRateLimit: number }>;
    const open = system.routes.filter((r) => typeof r.auth === 'string').map(system.routeKey);
    expect(Object.keys(settings).sort()).toEqual([...open].sort());
    for (const s of Object.values(settings))
      expect(s.ThrottlingRateLimit).toBe(STAGE_CONFIG.prod.publicRouteThrottle.rateLimit);
    // Route settings name routes of the duty stacks: the stage is updated after them.
    expect(stage.DependsOn).toEqual(expect.arrayContaining([expect.stringMatching(/^Duty/)]));
  });

  it('requires TOTP MFA and an SES sender for the prod user pool', () => {
    const pool = ofType(prod.json, 'AWS::Cognito::UserPool')[0]![1].Properties!;
    expect(pool.MfaConfiguration).toBe('ON');
    expect(pool.EnabledMfas).toEqual(['SOFTWARE_TOKEN_MFA']);
    expect(pool.EmailConfiguration).toMatchObject({
      EmailSendingAccount: 'DEVELOPER',
      From: expect.stringContaining(STAGE_CONFIG.prod.identity.emailSender.from),
    });
    expect(pool.LambdaConfig).toHaveProperty('PreTokenGenerationConfig.LambdaVersion', 'V2_0');
  });

  it('refuses an invalid stage with a sentence per problem', () => {
    const base = STAGE_CONFIG['cn-prod'];
    expect(() => stageConfig('cn-prod', { ...base, identity: { kind: 'cognito', mfa: 'required' } })).toThrow(
      /Cognito user pools are not offered in the China regions/,
    );
    expect(() => stageConfig('cn-prod', { ...base, region: 'ap-southeast-1' })).toThrow(
      /partition aws-cn runs in/,
    );
    expect(() => stageConfig('cn-prod', { ...base, corsOrigins: ['*'] })).toThrow(/never \*/);
    expect(() =>
      stageConfig('prod', { ...STAGE_CONFIG.prod, identity: { kind: 'cognito', mfa: 'optional' } }),
    ).toThrow(/production requires MFA/);
    expect(() => stageConfig('dev', { ...STAGE_CONFIG.dev, account: '12345' })).toThrow(/12 digits/);
  });
});

describe('a prod-like stage in the China regions with an OIDC issuer (cn-prod)', () => {
  const oidc = { ...STAGE_CONFIG['cn-prod'].identity, issuer: CN_INPUTS.oidcIssuer };

  it('names no aws partition anywhere and has no Cognito user pool', () => {
    const text = JSON.stringify(cn.json);
    // (a failure prints the offending excerpt, not the whole template)
    expect(text.match(/.{0,120}arn:aws:.{0,60}/)?.[0]).toBeUndefined();
    expect(cn.stack.region).toBe('cn-northwest-1');
    expect(ofType(cn.json, 'AWS::ApiGatewayV2::Authorizer')).toHaveLength(1);
    expect(ofType(cn.json, 'AWS::Cognito::UserPool')).toEqual([]);
    expect(Object.keys(cn.json.Outputs ?? {})).not.toContain('UserPoolId');
  });

  it('authorizes with the OIDC issuer and audience, and tells the functions its claims', () => {
    const authorizer = ofType(cn.json, 'AWS::ApiGatewayV2::Authorizer')[0]![1].Properties!;
    expect(authorizer.JwtConfiguration).toEqual({ Issuer: oidc.issuer, Audience: [...oidc.audience] });
    for (const fn of Object.keys(system.functions)) {
      const vars = (
        declared(cn.json, 'function', fn).resource.Properties!.Environment as {
          Variables: Record<string, unknown>;
        }
      ).Variables;
      expect(vars).toMatchObject({
        [system.env.issuer]: oidc.issuer,
        [system.env.audience]: oidc.audience.join(','),
        [system.env.jwksUrl]: `${oidc.issuer}/.well-known/jwks.json`,
        [system.env.rolesClaim]: oidc.rolesClaim,
        [system.env.orgClaim]: oidc.orgClaim,
      });
    }
  });

  it('substitutes the partition into every state machine definition', () => {
    for (const m of Object.keys(system.stateMachines)) {
      const machine = declared(cn.json, 'stateMachine', m).resource.Properties!;
      // AWS::Partition resolves to aws-cn in the China regions; nothing in the definition names a partition.
      expect(machine.DefinitionSubstitutions).toMatchObject({
        [system.PARTITION_PLACEHOLDER]: { Ref: 'AWS::Partition' },
      });
    }
  });
});
