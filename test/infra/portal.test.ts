/**
 * The portal's distribution (issue 12): a private bucket read through origin access control, the API
 * under /api/* on the same distribution, public API reads cached briefly and signed-in reads never,
 * and the OIDC client calling back to the portal. The web ACL and the API's origin: run-for-real.test.ts.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STAGE_CONFIG } from '../../infra/stages.js';
import { dispose, type Synthesized, synth } from './helpers.js';

let s: Synthesized;
beforeAll(() => {
  s = synth('dev');
});
afterAll(() => dispose(s));

const resourcesOf = (type: string) =>
  Object.entries(s.json.Resources ?? {}).filter(([, r]) => (r as { Type?: string }).Type === type) as [
    string,
    { Properties: Record<string, unknown>; Condition?: string },
  ][];

describe('portal distribution', () => {
  it('serves a private bucket through origin access control', () => {
    s.template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'site/' }),
    });
    s.template.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
    s.template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        DefaultRootObject: 'index.html',
        DefaultCacheBehavior: Match.objectLike({ ViewerProtocolPolicy: 'redirect-to-https' }),
      }),
    });
  });

  it('puts the API under /api/* on the same distribution, caching only what the API allows', () => {
    const [, dist] = resourcesOf('AWS::CloudFront::Distribution')[0]!;
    const config = dist.Properties.DistributionConfig as {
      CacheBehaviors: { PathPattern: string; CachePolicyId: { Ref: string }; AllowedMethods: string[] }[];
    };
    const api = config.CacheBehaviors.find((b) => b.PathPattern === '/api/*');
    expect(api?.AllowedMethods).toContain('POST');
    const policy = s.json.Resources?.[api!.CachePolicyId.Ref] as unknown as {
      Properties: { CachePolicyConfig: Record<string, unknown> };
    };
    expect(policy.Properties.CachePolicyConfig).toMatchObject({
      DefaultTTL: 0,
      MinTTL: 0,
      MaxTTL: 60,
      ParametersInCacheKeyAndForwardedToOrigin: {
        // Signed-in replies are keyed by their token (and marked private, no-store by the API).
        HeadersConfig: { HeaderBehavior: 'whitelist', Headers: ['Authorization'] },
        QueryStringsConfig: { QueryStringBehavior: 'all' },
      },
    });
  });

  it('signs in with the authorization-code flow, calling back to the portal, and the API accepts its tokens', () => {
    s.template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      AllowedOAuthFlows: ['code'],
      GenerateSecret: false,
      // The portal's own name (infra/stages.ts domain), not a generated CloudFront domain.
      CallbackURLs: [`https://${STAGE_CONFIG.dev.domain.name}/signin/callback`],
    });
    s.template.resourceCountIs('AWS::Cognito::UserPoolDomain', 1);
    const [, authorizer] = resourcesOf('AWS::ApiGatewayV2::Authorizer')[0]!;
    expect((authorizer.Properties.JwtConfiguration as { Audience: unknown[] }).Audience).toHaveLength(2);
  });
});
