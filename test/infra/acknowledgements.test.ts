/**
 * Every cdk-nag acknowledgement must be true (issue 22): besides answering a real finding
 * (test/infra/nag.test.ts), what its reason claims is read back from the template where it can be —
 * a "pinned Node.js 22" function runs nodejs22.x, a "not rotated" secret has no rotation, a "declared
 * public" route is public in infra/system.ts and has no authorizer, a dead-letter queue "alarmed" has
 * its depth alarm, a `*` resource carries only the actions the reason names, an index wildcard covers
 * only the named table's declared indexes. An acknowledgement of a rule with no claim checked here
 * fails the test until one is written.
 */
import { CfnResource as CdkCfnResource, Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isProduction } from '../../infra/constructs/config.js';
import * as system from '../../infra/system.js';
import {
  type CfnResource,
  type CfnTemplate,
  dispose,
  ofType,
  type Statement,
  type Synthesized,
  statementsOfRole,
  synth,
} from './helpers.js';

const stages = ['dev', 'prod', 'cn-prod'] as const;
const synthesized = {} as Record<(typeof stages)[number], Synthesized>;
beforeAll(() => {
  for (const stage of stages) synthesized[stage] = synth(stage);
}, 300_000);
afterAll(() => dispose(...Object.values(synthesized)));

interface Ack {
  readonly construct: IConstruct;
  readonly id: string;
  readonly rule: string;
  readonly finding?: string;
  readonly reason: string;
}

const acksOf = (s: Synthesized): Ack[] =>
  s.app.node.findAll().flatMap((c) =>
    c.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) =>
        Object.entries(m.data as Record<string, string>).map(([raw, reason]) => {
          const id = raw.replace(/^annotation::/i, '');
          const [, rule = id, finding] = /^([^[]+)(?:\[(.*)\])?$/.exec(id) ?? [];
          return { construct: c, id, rule, ...(finding ? { finding } : {}), reason };
        }),
      ),
  );

/** The template resources (logical id, resource) a construct and its children synthesize to. */
const resourcesOf = (s: Synthesized, c: IConstruct): [string, CfnResource][] =>
  c.node
    .findAll()
    .filter((x): x is CdkCfnResource => CdkCfnResource.isCfnResource(x))
    .map((x) => Stack.of(x).getLogicalId(x))
    .filter((id) => id in s.json.Resources)
    .map((id) => [id, s.json.Resources[id]!]);

const alarmsOn = (json: CfnTemplate, dimension: unknown) =>
  ofType(json, 'AWS::CloudWatch::Alarm').filter(([, a]) =>
    (JSON.stringify(a.Properties?.Dimensions) ?? '').includes(JSON.stringify(dimension)),
  );

const actions = (st: Statement) => (Array.isArray(st.Action) ? st.Action : [st.Action]);

/** Per rule: reads the acknowledgement's claim back from the template; returns what is false. */
const CLAIMS: Record<string, (s: Synthesized, ack: Ack, stage: (typeof stages)[number]) => string[]> = {
  'AwsSolutions-L1': (s, ack) => {
    const fns = resourcesOf(s, ack.construct).filter(([, r]) => r.Type === 'AWS::Lambda::Function');
    if (ack.reason.includes('Node.js 22 is pinned'))
      return fns
        .filter(([, r]) => r.Properties?.Runtime !== 'nodejs22.x')
        .map(([id]) => `${id} is not nodejs22.x`);
    // "chosen by aws-cdk-lib": the provider of a construct aws-cdk-lib creates.
    return ack.construct.node.id.startsWith('Custom::CDKBucketDeployment') ? [] : ['not a CDK provider'];
  },
  'AwsSolutions-SMG4': (s, ack) => {
    const [secret] = resourcesOf(s, ack.construct).filter(
      ([, r]) => r.Type === 'AWS::SecretsManager::Secret',
    );
    const rotated = ofType(s.json, 'AWS::SecretsManager::RotationSchedule').filter(([, r]) =>
      JSON.stringify(r.Properties?.SecretId).includes(`"${secret?.[0]}"`),
    );
    return secret && rotated.length === 0 ? [] : [`${ack.construct.node.path} is rotated or not a secret`];
  },
  'AwsSolutions-APIG4': (s, ack) => {
    const routes = resourcesOf(s, ack.construct).filter(([, r]) => r.Type === 'AWS::ApiGatewayV2::Route');
    return routes.flatMap(([id, r]) => {
      const key = String(r.Properties?.RouteKey);
      if (r.Properties?.AuthorizationType !== 'NONE') return [`${id} has an authorizer`];
      if (key === '$default')
        return ack.reason.includes('$default') ? [] : [`${id}: reason does not say $default`];
      const decl = system.routes.find((d) => system.routeKey(d) === key);
      const declaredAs = typeof decl?.auth === 'string' ? decl.auth : 'restricted';
      return ack.reason.includes(`declared ${declaredAs}`)
        ? []
        : [`${key} is ${declaredAs}, not as the reason says`];
    });
  },
  'AwsSolutions-SQS3': (s, ack) => {
    const queues = resourcesOf(s, ack.construct).filter(([, r]) => r.Type === 'AWS::SQS::Queue');
    return queues.flatMap(([id, q]) => [
      ...(/-dlq-(rule|async|schedule)-/.test(String(q.Properties?.QueueName))
        ? []
        : [`${id} is not a dead-letter queue`]),
      ...(ack.reason.includes('no alarm recipient')
        ? ofType(s.json, 'AWS::CloudWatch::Alarm').length === 0
          ? []
          : [`${id}: the stage has alarms after all`]
        : ack.reason.includes('depth is alarmed') &&
            alarmsOn(s.json, { 'Fn::GetAtt': [id, 'QueueName'] }).some(
              ([, a]) =>
                a.Properties?.MetricName === 'ApproximateNumberOfMessagesVisible' &&
                a.Properties?.Threshold === 1,
            )
          ? []
          : [`${id}: no depth alarm at one message`]),
    ]);
  },
  'AwsSolutions-CFR1': (s, ack) =>
    resourcesOf(s, ack.construct)
      .filter(([, r]) => r.Type === 'AWS::CloudFront::Distribution')
      .filter(([, r]) => JSON.stringify(r.Properties).includes('GeoRestriction'))
      .map(([id]) => `${id} restricts viewers by country`),
  'AwsSolutions-COG2': (s, ack, stage) =>
    isProduction(stage) ||
    resourcesOf(s, ack.construct).some(
      ([, r]) => r.Type === 'AWS::Cognito::UserPool' && r.Properties?.MfaConfiguration === 'ON',
    )
      ? ['a production stage, or a pool that requires MFA']
      : [],
  'AwsSolutions-IAM4': (s, ack) => {
    // "writes only its own logs through the basic execution role": that is its only managed policy.
    const roles = resourcesOf(s, ack.construct).filter(([, r]) => r.Type === 'AWS::IAM::Role');
    return roles.flatMap(([id, r]) => {
      const managed = JSON.stringify(r.Properties?.ManagedPolicyArns ?? []);
      return managed.includes('AWSLambdaBasicExecutionRole') &&
        (managed.match(/policy\//g) ?? []).length === 1
        ? []
        : [`${id} has other managed policies`];
    });
  },
  'AwsSolutions-IAM5': (s, ack) => {
    const roles = resourcesOf(s, ack.construct).filter(([, r]) => r.Type === 'AWS::IAM::Role');
    const statements = roles.flatMap(([id]) => statementsOfRole(s.json, id));
    const finding = ack.finding ?? '';
    if (finding === 'Resource::*') {
      // Only the actions the reason names may be granted on "*".
      const onStar = statements.filter((st) => JSON.stringify(st.Resource) === '"*"').flatMap(actions);
      return onStar
        .filter(
          (a) =>
            !ack.reason.includes(a) &&
            !ack.reason.includes(
              `${a.split(':')[0]}:${a.split(':')[1]!.replace(/(Success|Failure|Heartbeat)$/, '')}`,
            ),
        )
        .filter((a) => !(a.startsWith('logs:') && ack.reason.includes('log-delivery actions')))
        .filter((a) => !(a.startsWith('cloudfront:') && ack.reason.includes('CloudFront CreateInvalidation')))
        .map((a) => `${a} on * is not named in the reason`);
    }
    const index = /^Resource::<.+>\/index\/\*$/.exec(finding);
    if (index) {
      // "Queries on table T may use any of its declared global secondary indexes (a, b)".
      const [, table, indexes] =
        /table (\S+) may use any of its declared global secondary indexes \(([^)]*)\)/.exec(ack.reason) ?? [];
      const decl = table ? (system.tables as Record<string, { indexes?: object }>)[table] : undefined;
      return decl && indexes === Object.keys(decl.indexes ?? {}).join(', ')
        ? []
        : [`${finding}: indexes not as declared`];
    }
    // Other wildcards are prefixes of this stage's own resources: the reason names what they cover.
    return /\/\*\]?$|\*$/.test(finding) && ack.reason.length > 60 ? [] : [`${finding}: no claim checked`];
  },
};

describe.each(stages)('cdk-nag acknowledgements on %s', (stage) => {
  it('claim only what the template shows', () => {
    const s = synthesized[stage];
    const acks = acksOf(s);
    expect(acks.length).toBeGreaterThan(0);
    const problems = acks.flatMap((ack) => {
      const check = CLAIMS[ack.rule];
      if (!check) return [`${ack.id} at ${ack.construct.node.path}: no claim check for this rule`];
      return check(s, ack, stage).map((p) => `${ack.id} at ${ack.construct.node.path}: ${p}`);
    });
    expect(problems).toEqual([]);
  });
});
