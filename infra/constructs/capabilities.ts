/**
 * What each AWS partition offers the platform, stated once so that every construct asks here instead
 * of testing `partition === 'aws-cn'` on its own. Each entry names its source; README "AWS China
 * regions" is the same table for people.
 */
import type { StageConfig } from '../stages.js';

export interface Capabilities {
  /**
   * Lambda's X-Ray integration (active tracing). Not in the China regions: "Amazon X-Ray integration
   * with Lambda functions is not available in the China Regions" (Getting Started with AWS in China,
   * Lambda). Step Functions' own tracing is not listed as a difference there and stays on.
   */
  readonly lambdaXRay: boolean;
  /**
   * Lambda's asynchronous-invocation metrics (AsyncEventsReceived, AsyncEventAge, AsyncEventsDropped):
   * "not available in the China Regions" (same page). Where absent, dropped events are watched only
   * through the on-failure destinations' queues.
   */
  readonly lambdaAsyncMetrics: boolean;
  /**
   * The portal behind CloudFront with origin access control, CloudFront Functions and a CLOUDFRONT-
   * scope WAF web ACL (created in us-east-1). China: AWS WAF "is supported at a regional level only";
   * CloudFront serves only an ICP-filed alternate domain, takes no ACM certificate and has no
   * AWS::CloudFront::OriginAccessControl. There the city's filed web server serves the built portal.
   */
  readonly cloudFrontPortal: boolean;
  /**
   * API Gateway processes unauthenticated requests, and any custom domain, only for an account
   * associated with an ICP licence (China regions, API Gateway: "Only when the API owner's account is
   * associated with a valid ICP license"). Decides whether the stage's ICP licence is a required input.
   */
  readonly publicApiNeedsIcpLicence: boolean;
  /** Cognito user pools (China: only identity pools; Cognito authorizers are not supported). */
  readonly cognitoUserPools: boolean;
  /**
   * Athena with the Glue Data Catalog, for processing jobs. Both China regions have Athena endpoints
   * (athena.cn-north-1 / athena.cn-northwest-1.amazonaws.com.cn, general reference "China Region
   * Endpoints") and Glue ("available in the Beijing and Ningxia Regions"); the Athena for China page of
   * "Getting Started" was not among the references checked, so a first deploy confirms it (README).
   */
  readonly athena: boolean;
}

const CAPABILITIES: Record<StageConfig['partition'], Capabilities> = {
  aws: {
    lambdaXRay: true,
    lambdaAsyncMetrics: true,
    cloudFrontPortal: true,
    publicApiNeedsIcpLicence: false,
    cognitoUserPools: true,
    athena: true,
  },
  'aws-cn': {
    lambdaXRay: false,
    lambdaAsyncMetrics: false,
    cloudFrontPortal: false,
    publicApiNeedsIcpLicence: true,
    cognitoUserPools: false,
    athena: true,
  },
};

export const capabilitiesOf = (config: Pick<StageConfig, 'partition'>): Capabilities =>
  CAPABILITIES[config.partition];
