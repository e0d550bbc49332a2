import { Stack, type StackProps } from 'aws-cdk-lib';
import { Certificate, CertificateValidation, type ICertificate } from 'aws-cdk-lib/aws-certificatemanager';
import { CfnWebACL } from 'aws-cdk-lib/aws-wafv2';
import type { Construct } from 'constructs';
import { hostedZoneOf } from './api.js';
import { isProduction, type Stage, stageConfigOf } from './config.js';

/** CloudFront-scope resources must be created in us-east-1 (AWS WAF: "CLOUDFRONT … in US East (N. Virginia)"). */
export const EDGE_REGION = 'us-east-1';

/** Requests per 5 minutes per client IP before the web ACL blocks it: far above a person, below a scraper. */
export const rateLimitOf = (stage: Stage): number => (isProduction(stage) ? 3000 : 1000);

/** The AWS managed rule groups of the web ACL, by the rule name it gives each. */
export const MANAGED_RULE_GROUPS = {
  common: 'AWSManagedRulesCommonRuleSet',
  'bad-inputs': 'AWSManagedRulesKnownBadInputsRuleSet',
  'ip-reputation': 'AWSManagedRulesAmazonIpReputationList',
} as const;

/**
 * The stage's companion stack in us-east-1 (`ShiyanData-<stage>-edge`), for what CloudFront only
 * accepts from there: the CLOUDFRONT-scope WAF web ACL (AWS managed rule groups and a per-IP rate
 * limit) and, unless the stage imports one, the portal's certificate. The platform stack references
 * both across regions (CDK's cross-region references: SSM parameters written here, read there).
 */
export class EdgeStack extends Stack {
  readonly webAcl: CfnWebACL;
  readonly certificate: ICertificate;

  constructor(scope: Construct, id: string, props: StackProps & { stage: Stage }) {
    super(scope, id, {
      description: `Shiyan public data platform (${props.stage}): CloudFront web ACL and certificate (us-east-1)`,
      ...props,
      crossRegionReferences: true,
    });
    const { stage } = props;
    const domain = stageConfigOf(this, stage).domain;
    if (!domain?.name) throw new Error(`stage ${stage} has no domain (requireStageInputs runs first)`);

    const managed = (name: string, priority: number, group: string): CfnWebACL.RuleProperty => ({
      name,
      priority,
      overrideAction: { none: {} },
      statement: { managedRuleGroupStatement: { vendorName: 'AWS', name: group } },
      visibilityConfig: { cloudWatchMetricsEnabled: true, metricName: name, sampledRequestsEnabled: true },
    });
    this.webAcl = new CfnWebACL(this, 'WebAcl', {
      name: `${stage}-portal`,
      description: `Shiyan public data portal and API, stage ${stage}: AWS managed rules and a per-IP rate limit`,
      scope: 'CLOUDFRONT',
      defaultAction: { allow: {} },
      visibilityConfig: {
        cloudWatchMetricsEnabled: true,
        metricName: `portal-${stage}`,
        sampledRequestsEnabled: true,
      },
      rules: [
        // The rate limit first: a flood is blocked before the managed groups spend their capacity on it.
        {
          name: 'rate-limit',
          priority: 0,
          action: { block: {} },
          statement: { rateBasedStatement: { limit: rateLimitOf(stage), aggregateKeyType: 'IP' } },
          visibilityConfig: {
            cloudWatchMetricsEnabled: true,
            metricName: 'rate-limit',
            sampledRequestsEnabled: true,
          },
        },
        ...Object.entries(MANAGED_RULE_GROUPS).map(([name, group], i) => managed(name, i + 1, group)),
      ],
    });

    this.certificate = domain.edgeCertificateArn
      ? Certificate.fromCertificateArn(this, 'PortalCertificate', domain.edgeCertificateArn)
      : new Certificate(this, 'PortalCertificate', {
          domainName: domain.name,
          validation: CertificateValidation.fromDns(hostedZoneOf(this, stage)),
        });
  }
}
