/**
 * Run it for real, round two (issue 22), read from the synthesized templates of every stage: the
 * firewall is there and cannot be gone around (CloudFront-scope web ACL from the us-east-1 edge stack
 * on the distribution, the API's execute-api endpoint disabled, the API reached through its custom
 * domain), the China stage builds what the China regions offer and refuses to build without its
 * inputs, secrets stay out of templates and outlive a production stack, TLS 1.2 at least wherever a
 * certificate is ours, the user pool's sender is a verified SES identity, a production Athena
 * workgroup is never deleted with its queries; every cdk-nag acknowledgement's claim is read back from
 * the template; every template stays under 80 % of each CloudFormation quota; and the README's cost
 * section is what the templates give. One synth per stage serves all of it.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { App, CfnResource as CdkCfnResource, Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_BASE_PATH } from '../../infra/constructs/api.js';
import { capabilitiesOf } from '../../infra/constructs/capabilities.js';
import { isProduction } from '../../infra/constructs/config.js';
import { EDGE_REGION, MANAGED_RULE_GROUPS, rateLimitOf } from '../../infra/constructs/edge.js';
import type { CostTemplate } from '../../infra/cost.js';
import { CFN_LIMITS, HEADROOM, overHeadroom, templateSize } from '../../infra/limits.js';
import { normalizeSection, readmeCostSection, readmeCostSectionNow } from '../../infra/ops/cost.js';
import { definePlatform } from '../../infra/stack.js';
import { STAGE_CONFIG, STAGE_INPUTS, stageConfig } from '../../infra/stages.js';
import * as system from '../../infra/system.js';
import {
  actionsOf,
  type CfnResource,
  type CfnTemplate,
  CN_INPUTS,
  declared,
  dispose,
  ofType,
  roleOfFunction,
  type Statement,
  type Synthesized,
  statementsOfRole,
  synth,
} from './helpers.js';

const stages = ['dev', 'prod', 'cn-prod'] as const;
type S = (typeof stages)[number];
const synthesized = {} as Record<S, Synthesized>;
beforeAll(() => {
  for (const stage of stages) synthesized[stage] = synth(stage);
}, 300_000);
afterAll(() => dispose(...Object.values(synthesized)));

const only = (json: CfnTemplate, type: string): [string, CfnResource] => {
  const found = ofType(json, type);
  expect(found, type).toHaveLength(1);
  return found[0]!;
};
/** The ALL_VIEWER managed origin request policy (forwards every viewer header, Host included). */
const ALL_VIEWER = '216adef6-5c7f-47e4-b989-5492eafa07d3';

describe.each(['dev', 'prod'] as const)('the firewall on %s (aws partition)', (stage) => {
  it('creates a CLOUDFRONT web ACL in the us-east-1 edge stack: a per-IP rate limit and the AWS managed groups', () => {
    const s = synthesized[stage];
    expect(s.app.node.findAll().some((c) => 'region' in c && c.region === EDGE_REGION)).toBe(true);
    const [, acl] = only(s.edge!, 'AWS::WAFv2::WebACL');
    expect(acl.Properties).toMatchObject({ Scope: 'CLOUDFRONT', DefaultAction: { Allow: {} } });
    const rules = acl.Properties!.Rules as { Statement: Record<string, { Name?: string; Limit?: number }> }[];
    expect(rules.map((r) => r.Statement.RateBasedStatement?.Limit).filter(Boolean)).toEqual([
      rateLimitOf(stage),
    ]);
    expect(rules.map((r) => r.Statement.ManagedRuleGroupStatement?.Name).filter(Boolean)).toEqual(
      Object.values(MANAGED_RULE_GROUPS),
    );
    expect(acl.Condition).toBeUndefined();
  });

  it('attaches that web ACL to the distribution (a cross-region reference, no condition)', () => {
    const s = synthesized[stage];
    const [aclId] = only(s.edge!, 'AWS::WAFv2::WebACL');
    // The edge stack writes the web ACL's ARN under an export name; the stage's distribution reads it.
    const [, writer] = only(s.edge!, 'Custom::CrossRegionExportWriter');
    const exports = (writer.Properties!.WriterProps as { exports: Record<string, unknown> }).exports;
    const exportName = Object.entries(exports).find(
      ([, v]) => JSON.stringify(v) === JSON.stringify({ 'Fn::GetAtt': [aclId, 'Arn'] }),
    )?.[0];
    expect(exportName).toBeDefined();
    const [, dist] = only(s.json, 'AWS::CloudFront::Distribution');
    const config = dist.Properties!.DistributionConfig as { WebACLId: { 'Fn::GetAtt': [string, string] } };
    expect(config.WebACLId['Fn::GetAtt'][1]).toBe(exportName);
    expect(s.json.Resources[config.WebACLId['Fn::GetAtt'][0]]?.Type).toBe('Custom::CrossRegionExportReader');
    expect(dist.Condition).toBeUndefined();
  });

  it('sends /api/* to the API’s custom domain with the viewer’s Host, over TLS 1.2, path unchanged', () => {
    const s = synthesized[stage];
    const [domainId, domain] = only(s.json, 'AWS::ApiGatewayV2::DomainName');
    expect(domain.Properties?.DomainName).toBe(STAGE_CONFIG[stage].domain.name);
    const [, dist] = only(s.json, 'AWS::CloudFront::Distribution');
    const config = dist.Properties!.DistributionConfig as {
      Aliases: string[];
      Origins: { Id: string; DomainName: unknown; CustomOriginConfig?: Record<string, unknown> }[];
      CacheBehaviors: {
        PathPattern: string;
        TargetOriginId: string;
        OriginRequestPolicyId: string;
        FunctionAssociations?: unknown;
      }[];
    };
    expect(config.Aliases).toEqual([STAGE_CONFIG[stage].domain.name]);
    const api = config.CacheBehaviors.find((b) => b.PathPattern === `/${API_BASE_PATH}/*`)!;
    expect(api.OriginRequestPolicyId).toBe(ALL_VIEWER);
    expect(api.FunctionAssociations).toBeUndefined();
    const origin = config.Origins.find((o) => o.Id === api.TargetOriginId)!;
    expect(origin.DomainName).toEqual({ 'Fn::GetAtt': [domainId, 'RegionalDomainName'] });
    expect(origin.CustomOriginConfig).toMatchObject({
      OriginProtocolPolicy: 'https-only',
      OriginSSLProtocols: ['TLSv1.2'],
    });
    const [, mapping] = only(s.json, 'AWS::ApiGatewayV2::ApiMapping');
    expect(mapping.Properties).toMatchObject({ ApiMappingKey: API_BASE_PATH, DomainName: { Ref: domainId } });
  });

  it('serves the portal on its own certificate with TLS 1.2 (2021 ciphers) at least', () => {
    const s = synthesized[stage];
    const [, dist] = only(s.json, 'AWS::CloudFront::Distribution');
    const viewer = (dist.Properties!.DistributionConfig as { ViewerCertificate: Record<string, unknown> })
      .ViewerCertificate;
    expect(viewer).toMatchObject({ MinimumProtocolVersion: 'TLSv1.2_2021', SslSupportMethod: 'sni-only' });
    expect(viewer.AcmCertificateArn).toBeDefined();
    expect(viewer.CloudFrontDefaultCertificate).toBeUndefined();
    // Requested in us-east-1 (CloudFront's region for certificates) for the portal's name.
    const [, cert] = only(s.edge!, 'AWS::CertificateManager::Certificate');
    expect(cert.Properties).toMatchObject({
      DomainName: STAGE_CONFIG[stage].domain.name,
      ValidationMethod: 'DNS',
    });
  });
});

describe.each(stages)('the API on %s', (stage) => {
  it('has no execute-api endpoint: only its custom domain, with TLS 1.2 at least', () => {
    const s = synthesized[stage];
    const [, api] = only(s.json, 'AWS::ApiGatewayV2::Api');
    expect(api.Properties?.DisableExecuteApiEndpoint).toBe(true);
    const [, domain] = only(s.json, 'AWS::ApiGatewayV2::DomainName');
    const configs = domain.Properties?.DomainNameConfigurations as Record<string, unknown>[];
    expect(configs).toEqual([
      expect.objectContaining({ EndpointType: 'REGIONAL', SecurityPolicy: 'TLS_1_2' }),
    ]);
    expect(s.json.Outputs?.ApiUrl?.Value).toBe(`https://${domain.Properties?.DomainName}/${API_BASE_PATH}`);
  });
});

describe('the China stage (cn-prod)', () => {
  const cn = () => synthesized['cn-prod'];

  it('refuses to synthesize without its inputs, naming each and how to give it', () => {
    const attempt = (inputs: Record<string, string>) => () =>
      definePlatform(new App({ context: { 'aws:cdk:bundling-stacks': [], ...inputs } }), 'cn-prod');
    expect(attempt({})).toThrow(/Stage cn-prod lacks inputs/);
    for (const key of ['domain', 'oidcIssuer', 'icpLicence'] as const) {
      const { [key]: _, ...rest } = CN_INPUTS;
      expect(attempt(rest)).toThrow(new RegExp(`${STAGE_INPUTS[key].replace('.', '\\.')} \\(-c ${key}=…\\)`));
    }
    expect(attempt({})).toThrow(/public routes/);
    expect(attempt({ ...CN_INPUTS })).not.toThrow();
  });

  it('uses the ICP-licensed domain and the issuer it was given', () => {
    const [, domain] = only(cn().json, 'AWS::ApiGatewayV2::DomainName');
    expect(domain.Properties?.DomainName).toBe(CN_INPUTS.domain);
    const [, authorizer] = only(cn().json, 'AWS::ApiGatewayV2::Authorizer');
    expect(authorizer.Properties?.JwtConfiguration).toMatchObject({ Issuer: CN_INPUTS.oidcIssuer });
  });

  it('builds only what the China regions offer: no CloudFront, no WAF, no edge stack, no user pool', () => {
    const config = stageConfig('cn-prod', { ...STAGE_CONFIG['cn-prod'] });
    expect(capabilitiesOf(config)).toMatchObject({
      cloudFrontPortal: false,
      lambdaXRay: false,
      athena: true,
    });
    for (const type of ['AWS::CloudFront::Distribution', 'AWS::WAFv2::WebACL', 'AWS::Cognito::UserPool'])
      expect(ofType(cn().json, type), type).toEqual([]);
    expect(cn().edge).toBeUndefined();
    expect(Object.keys(cn().json.Outputs ?? {})).toContain('ApiDnsTarget');
  });
});

describe.each(stages)('Lambda tracing on %s', (stage) => {
  it('is active where Lambda offers X-Ray and off in the China regions, with its IAM grant to match', () => {
    const s = synthesized[stage];
    const on = capabilitiesOf(
      stageConfig(stage, {
        ...STAGE_CONFIG[stage],
        ...(stage === 'cn-prod' ? { domain: { name: CN_INPUTS.domain } } : {}),
      }),
    ).lambdaXRay;
    expect(on).toBe(stage !== 'cn-prod');
    for (const fn of Object.keys(system.functions)) {
      const r = declared(s.json, 'function', fn).resource;
      expect(r.Properties?.TracingConfig, fn).toEqual(on ? { Mode: 'Active' } : undefined);
      const xray = statementsOfRole(s.json, roleOfFunction(r))
        .flatMap(actionsOf)
        .filter((a) => a.startsWith('xray:'));
      expect(xray.length > 0, fn).toBe(on);
    }
  });
});

describe.each(stages)('secrets on %s', (stage) => {
  it('reach no function as a value: each is told the secret’s ARN and may read that secret', () => {
    const s = synthesized[stage];
    const secrets = ofType(s.json, 'AWS::SecretsManager::Secret').map(([id]) => id);
    expect(secrets).toHaveLength(2);
    for (const fn of Object.keys(system.functions)) {
      const r = declared(s.json, 'function', fn).resource;
      const env = JSON.stringify(r.Properties?.Environment);
      expect(env).not.toMatch(/resolve:secretsmanager|SecretString/);
      expect(env).not.toContain(`"${system.env.cursorKey}"`);
      const cursor = (r.Properties!.Environment as { Variables: Record<string, unknown> }).Variables[
        system.env.cursorKeySecret
      ] as { Ref: string };
      expect(secrets).toContain(cursor.Ref);
      const reads = statementsOfRole(s.json, roleOfFunction(r)).filter(
        (st) =>
          actionsOf(st).includes('secretsmanager:GetSecretValue') &&
          JSON.stringify(st.Resource).includes(cursor.Ref),
      );
      expect(reads, fn).toHaveLength(1);
    }
  });

  it('outlive a production stack: the person key (and the cursor key) are retained', () => {
    const s = synthesized[stage];
    for (const [id, secret] of ofType(s.json, 'AWS::SecretsManager::Secret'))
      expect(secret.DeletionPolicy, id).toBe(stage === 'dev' ? 'Delete' : 'Retain');
    expect(ofType(s.json, 'AWS::SecretsManager::Secret').some(([id]) => id.startsWith('PersonKey'))).toBe(
      true,
    );
  });
});

describe('smaller, true', () => {
  it('sends the prod user pool’s mail from the verified SES domain identity of its sender', () => {
    const s = synthesized.prod;
    const domain = STAGE_CONFIG.prod.identity.emailSender.from.split('@')[1];
    const [, identity] = only(s.json, 'AWS::SES::EmailIdentity');
    expect(identity.Properties?.EmailIdentity).toBe(domain);
    const [, pool] = only(s.json, 'AWS::Cognito::UserPool');
    const source = JSON.stringify((pool.Properties!.EmailConfiguration as { SourceArn: unknown }).SourceArn);
    expect(source).toContain(`:identity/${domain}`);
    expect(ofType(synthesized.dev.json, 'AWS::SES::EmailIdentity')).toEqual([]);
  });

  it.each(stages)('deletes the Athena workgroup with its queries only outside production (%s)', (stage) => {
    const [, wg] = only(synthesized[stage].json, 'AWS::Athena::WorkGroup');
    expect(wg.Properties?.RecursiveDeleteOption).toBe(stage === 'dev');
  });

  it('gives the only automated workflow a timeout, so its timed-out alarm can fire within hours', () => {
    const machines = ofType(synthesized.dev.json, 'AWS::StepFunctions::StateMachine');
    const cycle = machines.find(([id]) => id.includes('EvaluationCycle'))!;
    expect(JSON.stringify(cycle[1].Properties?.DefinitionString)).toMatch(/\\"TimeoutSeconds\\":21600/);
  });
});

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

describe.each(stages)('CloudFormation quotas on %s', (stage) => {
  it('keeps every template under 80 % of every per-stack quota', () => {
    const s = synthesized[stage];
    const templates = [...s.templates, ...(s.edge ? [['edge', s.edge] as const] : [])];
    expect(templates.length).toBeGreaterThan(Object.keys(system.functions).length);
    const over = templates.flatMap(([name, t]) => overHeadroom(name, templateSize(t)));
    expect(over).toEqual([]);
  });

  it('puts each duty in its own nested stack, so the platform stack holds one resource per duty', () => {
    const s = synthesized[stage];
    const root = s.templates.get(s.stack.node.path)!;
    const nestedStacks = Object.values(root.Resources).filter((r) => r.Type === 'AWS::CloudFormation::Stack');
    // One per declared duty, and the operations stack.
    expect(nestedStacks).toHaveLength(Object.keys(system.functions).length + 1);
  });
});

describe('the headroom check itself', () => {
  it('reports a template at 80 % of a quota, and not one below', () => {
    const resources = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`R${i}`, {}]));
    const at = HEADROOM * CFN_LIMITS.resources;
    expect(overHeadroom('t', templateSize({ Resources: resources(at) }))).toEqual([
      `t: resources ${at} of ${CFN_LIMITS.resources} (≥ 80 %)`,
    ]);
    expect(overHeadroom('t', templateSize({ Resources: resources(at - 1) }))).toEqual([]);
    const outputs = Object.fromEntries(Array.from({ length: 160 }, (_, i) => [`O${i}`, {}]));
    expect(overHeadroom('t', templateSize({ Outputs: outputs }))).toHaveLength(1);
    expect(overHeadroom('t', templateSize({ Parameters: outputs }))).toHaveLength(1);
    expect(overHeadroom('t', templateSize({ Metadata: 'x'.repeat(800_000) } as object))).toHaveLength(1);
  });
});

describe('the README cost section', () => {
  it('is what the templates of every stage give today (npm run cost -- --readme rewrites it)', () => {
    const readme = readFileSync(resolve(import.meta.dirname, '..', '..', 'README.md'), 'utf8');
    // The same templates the CLI synthesizes: each stack's own (edge, platform, nested), by construct id.
    const templatesOf = (stage: S): [string, CostTemplate][] => {
      const s = synthesized[stage];
      return [
        ...(s.edge ? [[`${s.stack.stackName}-edge`, s.edge] as [string, CostTemplate]] : []),
        ...[...s.templates].map(([path, t]): [string, CostTemplate] => [path.split('/').at(-1)!, t]),
      ];
    };
    expect(normalizeSection(readmeCostSectionNow(readme) ?? '')).toBe(
      normalizeSection(readmeCostSection(templatesOf)),
    );
  });
});
