/**
 * Run it for real, round two (issue 22), read from the synthesized templates of every stage: the
 * firewall is there and cannot be gone around (CloudFront-scope web ACL from the us-east-1 edge stack
 * on the distribution, the API's execute-api endpoint disabled, the API reached through its custom
 * domain), the China stage builds what the China regions offer and refuses to build without its
 * inputs, secrets stay out of templates and outlive a production stack, TLS 1.2 at least wherever a
 * certificate is ours, the user pool's sender is a verified SES identity, and a production Athena
 * workgroup is never deleted with its queries.
 */
import { App } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_BASE_PATH } from '../../infra/constructs/api.js';
import { capabilitiesOf } from '../../infra/constructs/capabilities.js';
import { EDGE_REGION, MANAGED_RULE_GROUPS, rateLimitOf } from '../../infra/constructs/edge.js';
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
