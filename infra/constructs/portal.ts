import { execFileSync } from 'node:child_process';
import { cpSync, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { DockerImage, Duration, Stack, Validations } from 'aws-cdk-lib';
import type { ICertificate } from 'aws-cdk-lib/aws-certificatemanager';
import {
  AllowedMethods,
  CacheHeaderBehavior,
  CachePolicy,
  CacheQueryStringBehavior,
  Function as CfFunction,
  Distribution,
  FunctionCode,
  FunctionEventType,
  HttpVersion,
  OriginProtocolPolicy,
  OriginRequestPolicy,
  OriginSslPolicy,
  PriceClass,
  ResponseHeadersPolicy,
  SecurityPolicyProtocol,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin, S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import type { CfnUserPoolClient } from 'aws-cdk-lib/aws-cognito';
import { AaaaRecord, ARecord, RecordTarget } from 'aws-cdk-lib/aws-route53';
import { CloudFrontTarget } from 'aws-cdk-lib/aws-route53-targets';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  type CfnBucket,
  ObjectOwnership,
} from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, Source } from 'aws-cdk-lib/aws-s3-deployment';
import type { CfnWebACL } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { externalIssuerSignIn } from '../portal-config.js';
import { API_BASE_PATH, hostedZoneOf, type PlatformApi } from './api.js';
import { isProduction, type Stage, stageSettings } from './config.js';
import { nagRegion } from './declaration.js';
import type { Identity } from './identity.js';

const ROOT = resolve(import.meta.dirname, '..', '..');

/** Seconds CloudFront may keep an anonymous public read (the API says `public, max-age=30`). */
export const PUBLIC_API_MAX_TTL = Duration.seconds(60);

/**
 * The portal in AWS: the built SPA in a private S3 bucket read by CloudFront through origin access
 * control, and the HTTP API behind the same distribution under /api/* (same origin: no CORS). Public
 * anonymous reads are cached for the short time the API allows; anything signed in carries
 * `private, no-store` and the Authorization header is part of the cache key, so a signed-in reply is
 * never stored nor served to anyone else. The stage's WAF web ACL (AWS managed rules and a per-IP rate
 * limit, EdgeStack in us-east-1) is attached to the distribution; the API's execute-api endpoint is
 * disabled, so the API is reached through this distribution (or its own name), not around the firewall.
 */
export class Portal extends Construct {
  readonly distribution: Distribution;
  readonly bucket: Bucket;
  readonly url: string;
  private readonly stage: Stage;

  constructor(
    scope: Construct,
    id: string,
    props: {
      stage: Stage;
      api: PlatformApi;
      identity: Identity;
      /** The portal's host name (infra/stages.ts `domain.name`). */
      domainName: string;
      /** The us-east-1 companion stack's web ACL and certificate. */
      edge: { webAcl: CfnWebACL; certificate: ICertificate };
    },
  ) {
    super(scope, id);
    this.stage = props.stage;
    const settings = stageSettings(props.stage);
    const prod = isProduction(props.stage);

    // Server access logs of the portal's buckets (bucket-policy delivery, no ACLs): the current CDK
    // behaviour, set here so it holds whatever the app's feature flags say.
    this.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);
    const logs = new Bucket(this, 'Logs', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      removalPolicy: settings.removalPolicy,
      autoDeleteObjects: !prod,
      lifecycleRules: [{ expiration: Duration.days(prod ? 365 : 30) }],
    });
    // CloudFront standard logs: CloudFront writes them with an object ACL, so ACLs stay enabled here.
    const cdnLogs = new Bucket(this, 'CdnLogs', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
      serverAccessLogsBucket: logs,
      serverAccessLogsPrefix: 'cdn-logs/',
      removalPolicy: settings.removalPolicy,
      autoDeleteObjects: !prod,
      lifecycleRules: [{ expiration: Duration.days(prod ? 365 : 30) }],
    });

    this.bucket = new Bucket(this, 'Site', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      versioned: prod,
      serverAccessLogsBucket: logs,
      serverAccessLogsPrefix: 'site/',
      removalPolicy: settings.removalPolicy,
      autoDeleteObjects: !prod,
    });

    // SPA routing: a path without a file extension is a page of the app → index.html.
    const spa = new CfFunction(this, 'SpaRewrite', {
      code: FunctionCode.fromInline(
        "function handler(e){var r=e.request;if(r.uri.indexOf('.')===-1){r.uri='/index.html';}return r;}",
      ),
    });

    const apiCache = new CachePolicy(this, 'ApiCache', {
      comment: 'Public anonymous API reads for at most a minute, as the API allows; signed-in reads never',
      defaultTtl: Duration.seconds(0),
      minTtl: Duration.seconds(0),
      maxTtl: PUBLIC_API_MAX_TTL,
      // The token is part of the key: an anonymous reply is never served to a signed-in caller (and the
      // API marks every signed-in reply private, no-store).
      headerBehavior: CacheHeaderBehavior.allowList('Authorization'),
      queryStringBehavior: CacheQueryStringBehavior.all(),
      enableAcceptEncodingGzip: true,
      enableAcceptEncodingBrotli: true,
    });

    this.distribution = new Distribution(this, 'Distribution', {
      comment: `Shiyan public data portal (${props.stage})`,
      domainNames: [props.domainName],
      certificate: props.edge.certificate,
      // The firewall: the stage's CLOUDFRONT-scope web ACL, created in us-east-1 (EdgeStack).
      webAclId: props.edge.webAcl.attrArn,
      defaultRootObject: 'index.html',
      httpVersion: HttpVersion.HTTP2_AND_3,
      priceClass: PriceClass.PRICE_CLASS_ALL,
      // Our certificate: TLS 1.2 at least, with the 2021 cipher suites.
      minimumProtocolVersion: SecurityPolicyProtocol.TLS_V1_2_2021,
      enableLogging: true,
      logBucket: cdnLogs,
      logFilePrefix: 'cdn/',
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        cachePolicy: CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: ResponseHeadersPolicy.SECURITY_HEADERS,
        functionAssociations: [{ function: spa, eventType: FunctionEventType.VIEWER_REQUEST }],
      },
      additionalBehaviors: {
        // The API: its custom domain has the portal's name, so CloudFront connects to the domain's
        // regional endpoint and forwards the viewer's Host (and so the TLS SNI) — the name API Gateway
        // and its certificate answer to. The path goes unchanged: the API is mapped under /api.
        [`/${API_BASE_PATH}/*`]: {
          origin: new HttpOrigin(props.api.domain.regionalDomainName, {
            protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY,
            originSslProtocols: [OriginSslPolicy.TLS_V1_2],
          }),
          viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
          allowedMethods: AllowedMethods.ALLOW_ALL,
          cachePolicy: apiCache,
          originRequestPolicy: OriginRequestPolicy.ALL_VIEWER,
        },
      },
    });
    this.url = `https://${props.domainName}`;

    // The portal's name → the distribution, where the stage names its hosted zone (else a CNAME by hand).
    const zone = hostedZoneOf(this, props.stage);
    if (zone) {
      const target = RecordTarget.fromAlias(new CloudFrontTarget(this.distribution));
      new ARecord(this, 'AliasA', { zone, recordName: props.domainName, target });
      new AaaaRecord(this, 'AliasAaaa', { zone, recordName: props.domainName, target });
    }

    // Sign-in, OIDC authorization code + PKCE, calling back to the portal: through the pool's hosted UI
    // (Cognito stages), or the stage's external OIDC issuer (its standard endpoints; China regions).
    const oidc = this.signInConfig(props.identity);
    // The built portal (web/dist) and its runtime configuration (which identity provider).
    const site = Source.asset(resolve(ROOT, 'web'), {
      bundling: {
        // Only used if the local build is unavailable; the local build always runs here.
        image: DockerImage.fromRegistry('public.ecr.aws/docker/library/node:22'),
        local: {
          // The build `npm start` and `npm run synth` run (web/scripts/build.ts, no Docker); built here
          // only when missing, so a synth in the tests does not rebuild (npm run synth rebuilds when stale).
          tryBundle(outputDir: string) {
            if (!existsSync(resolve(ROOT, 'web/dist/.build-stamp')))
              execFileSync(
                process.execPath,
                [resolve(ROOT, 'node_modules/tsx/dist/cli.mjs'), resolve(ROOT, 'web/scripts/build.ts')],
                {
                  cwd: ROOT,
                  stdio: 'inherit',
                },
              );
            cpSync(resolve(ROOT, 'web/dist'), outputDir, { recursive: true });
            return true;
          },
        },
      },
    });
    const deployment = new BucketDeployment(this, 'Deploy', {
      destinationBucket: this.bucket,
      distribution: this.distribution,
      distributionPaths: ['/index.html', '/config.json'],
      sources: [site, Source.jsonData('config.json', { oidc })],
    });

    Validations.of(this.distribution).acknowledge({
      id: 'AwsSolutions-CFR1',
      reason:
        'The portal serves the public of Shiyan and operators anywhere; the regulation restricts data access by authorization, not by viewer country, so no geo restriction applies.',
    });
    // The deployment's provider function is a stack-wide singleton created by CDK (aws-s3-deployment).
    const provider = Stack.of(this).node.children.find((c) =>
      c.node.id.startsWith('Custom::CDKBucketDeployment'),
    );
    if (provider) {
      const bucketArn = Stack.of(this).getLogicalId(this.bucket.node.defaultChild as CfnBucket);
      Validations.of(provider).acknowledge(
        {
          id: 'AwsSolutions-L1',
          reason:
            'The runtime of the BucketDeployment provider is chosen by aws-cdk-lib and updated with it; it only copies the built portal into the bucket at deploy time.',
        },
        {
          id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
          reason:
            'The deployment provider (created by aws-cdk-lib) writes only its own CloudWatch logs through the basic execution role.',
        },
        ...[
          'Action::s3:GetObject*',
          'Action::s3:GetBucket*',
          'Action::s3:List*',
          'Action::s3:DeleteObject*',
          'Action::s3:Abort*',
          `Resource::<${bucketArn}.Arn>/*`,
          // The CDK assets bucket, named after the stage's region (infra/stages.ts) when it is pinned.
          `Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-${nagRegion(this)}/*`,
          'Resource::*',
        ].map((appliesTo) => ({
          id: `AwsSolutions-IAM5[${appliesTo}]`,
          reason: `The BucketDeployment provider (aws-cdk-lib) reads the staged portal asset from the CDK assets bucket and replaces the objects of the portal bucket only (grantReadWrite on those two buckets; "*" only for CloudFront CreateInvalidation, which has no resource-level permission): ${appliesTo}.`,
        })),
      );
    }
    void deployment;
  }

  /** The portal's OIDC endpoints and client, for its runtime configuration (config.json). */
  private signInConfig(identity: Identity) {
    const { userPool, portalClient } = identity;
    if (userPool && portalClient) {
      const domain = userPool.addDomain('PortalSignIn', {
        cognitoDomain: { domainPrefix: `shiyan-data-${this.stage}-${this.node.addr.slice(0, 8)}` },
      });
      const client = portalClient.node.defaultChild as CfnUserPoolClient;
      client.callbackUrLs = [`${this.url}/signin/callback`];
      client.logoutUrLs = [`${this.url}/`];
      client.supportedIdentityProviders = ['COGNITO'];
      const base = domain.baseUrl();
      return {
        authorizationEndpoint: `${base}/oauth2/authorize`,
        tokenEndpoint: `${base}/oauth2/token`,
        logoutEndpoint: `${base}/logout`,
        clientId: portalClient.userPoolClientId,
        scope: 'openid email profile',
      };
    }
    return externalIssuerSignIn(identity.issuer, identity.audience);
  }
}
