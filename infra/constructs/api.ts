import { Duration, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  ApiMapping,
  CfnIntegration,
  type CfnRoute,
  type CfnStage,
  CorsHttpMethod,
  DomainName,
  EndpointType,
  HttpApi,
  HttpAuthorizer,
  HttpAuthorizerType,
  HttpMethod,
  HttpNoneAuthorizer,
  HttpRoute,
  HttpRouteKey,
  type HttpStage,
  type IHttpRouteAuthorizer,
  LogGroupLogDestination,
  PayloadFormatVersion,
  SecurityPolicy,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Certificate, CertificateValidation, type ICertificate } from 'aws-cdk-lib/aws-certificatemanager';
import { CfnPermission, type IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { HostedZone, type IHostedZone } from 'aws-cdk-lib/aws-route53';
import { Construct } from 'constructs';
import { routeKey } from '../system.js';
import { type Stage, stageConfigOf, stageSettings } from './config.js';
import { markDeclared, type PlatformDeclaration, pascal } from './declaration.js';
import type { Identity } from './identity.js';

/** Headers a browser may send cross-origin: the bearer token, JSON bodies, retries and optimistic locking. */
export const CORS_HEADERS = ['authorization', 'content-type', 'idempotency-key', 'if-match'];
/** Response headers a browser client must be able to read: versions, created resources, replays. */
export const CORS_EXPOSED_HEADERS = ['etag', 'location', 'idempotency-key', 'idempotent-replayed'];
/**
 * The API is mapped under this path of its custom domain (`https://<domain>/api/catalog` → route
 * `GET /catalog`): the portal calls `/api` on its own origin (web/src/api/client.ts), CloudFront passes
 * the path through unchanged, and API Gateway strips the mapping key.
 */
export const API_BASE_PATH = 'api';

/** The hosted zone of a stage's domain, when the stage names one (infra/stages.ts `domain.hostedZone`). */
export const hostedZoneOf = (scope: Construct, stage: Stage): IHostedZone | undefined => {
  const zone = stageConfigOf(scope, stage).domain?.hostedZone;
  return zone
    ? HostedZone.fromHostedZoneAttributes(scope, 'Zone', { hostedZoneId: zone.id, zoneName: zone.name })
    : undefined;
};

/**
 * The stage's HTTP API: the `$default` stage with access logs and throttles, the JWT authorizer of the
 * stage's issuer, and the custom domain it is served on. The default execute-api endpoint is disabled:
 * the only way in is the stage's domain (behind CloudFront and its web ACL in the aws partition, the
 * ICP-licensed name in the China regions). Routes are added by each duty's stack (addRoutes), next to
 * the function that serves them.
 */
export class PlatformApi extends Construct {
  readonly api: HttpApi;
  readonly stage: HttpStage;
  readonly domain: DomainName;
  /** The JWT authorizer every role-restricted route uses (one per API, created here once). */
  readonly jwt: IHttpRouteAuthorizer;
  /** `https://<domain>/api`: where callers reach the API. */
  readonly url: string;
  /** The host name the API is served on (infra/stages.ts `domain.name`). */
  readonly domainName: string;
  private readonly publicThrottle: { rateLimit: number; burstLimit: number };
  private readonly routeSettings: Record<
    string,
    { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }
  > = {};

  constructor(scope: Construct, id: string, props: { stage: Stage; identity: Identity }) {
    super(scope, id);
    const settings = stageSettings(props.stage);
    const config = stageConfigOf(this, props.stage);
    const domain = config.domain?.name ? { ...config.domain, name: config.domain.name } : undefined;
    if (!domain) throw new Error(`stage ${props.stage} has no domain (requireStageInputs runs first)`);
    this.publicThrottle = settings.publicRouteThrottle;
    this.api = new HttpApi(this, 'HttpApi', {
      apiName: `${props.stage}-platform`,
      description: 'Public data authorized operation platform (公共数据授权运营平台)',
      // The stage is created below, with access logs and throttling.
      createDefaultStage: false,
      // Nobody reaches the API around its domain: not around CloudFront's web ACL, not around the ICP name.
      disableExecuteApiEndpoint: true,
      corsPreflight: {
        allowOrigins: [...config.corsOrigins],
        allowHeaders: CORS_HEADERS,
        exposeHeaders: CORS_EXPOSED_HEADERS,
        maxAge: Duration.hours(1),
        allowMethods: [
          CorsHttpMethod.GET,
          CorsHttpMethod.POST,
          CorsHttpMethod.PUT,
          CorsHttpMethod.PATCH,
          CorsHttpMethod.DELETE,
          CorsHttpMethod.OPTIONS,
        ],
      },
    });

    const accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: settings.logRetention,
      removalPolicy: settings.removalPolicy,
    });
    this.stage = this.api.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: settings.throttle,
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        // Who called what (Art. 18: every action attributable); never bodies or tokens.
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            requestTime: '$context.requestTime',
            routeKey: '$context.routeKey',
            status: '$context.status',
            responseLength: '$context.responseLength',
            latency: '$context.responseLatency',
            user: '$context.authorizer.claims.sub',
            error: '$context.error.message',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
    });

    // Created once here (a JWT authorizer bound lazily would land in whichever duty stack binds first).
    const authorizer = new HttpAuthorizer(this, 'CognitoJwt', {
      httpApi: this.api,
      type: HttpAuthorizerType.JWT,
      identitySource: ['$request.header.Authorization'],
      jwtIssuer: props.identity.issuer,
      jwtAudience: props.identity.audience,
    });
    this.jwt = {
      bind: () => ({ authorizerId: authorizer.authorizerId, authorizationType: 'JWT' }),
    };

    // The custom domain, TLS 1.2 at least, with a certificate of the stage's (imported, or requested
    // here and validated through DNS).
    const certificate: ICertificate = domain.certificateArn
      ? Certificate.fromCertificateArn(this, 'Certificate', domain.certificateArn)
      : new Certificate(this, 'Certificate', {
          domainName: domain.name,
          validation: CertificateValidation.fromDns(hostedZoneOf(this, props.stage)),
        });
    this.domain = new DomainName(this, 'Domain', {
      domainName: domain.name,
      certificate,
      endpointType: EndpointType.REGIONAL,
      securityPolicy: SecurityPolicy.TLS_1_2,
    });
    new ApiMapping(this, 'Mapping', {
      api: this.api,
      domainName: this.domain,
      stage: this.stage,
      apiMappingKey: API_BASE_PATH,
    });
    this.domainName = domain.name;
    this.url = `https://${domain.name}/${API_BASE_PATH}`;
  }

  /**
   * The routes one function serves, built in `scope` (its duty's stack). Role-restricted routes go
   * through the JWT authorizer; the handler then checks which of the declared roles the caller holds.
   * `public` and `optional` routes have no authorizer (an `optional` route verifies a token itself
   * when one is sent) and their own, tighter throttle. `fallback`: also API Gateway's `$default` route,
   * so a request no declared route matches still gets the platform's error body (404 `not_found`).
   */
  addRoutes(
    scope: Construct,
    fnName: string,
    fn: IFunction,
    routes: PlatformDeclaration['routes'],
    opts: { fallback?: boolean } = {},
  ): void {
    if (routes.length === 0 && !opts.fallback) return;
    // One integration per function, shared by its routes; one API-wide invoke permission per function
    // (not one per route) keeps the Lambda resource policy under its 20 KB limit as routes grow.
    const integration = new HttpLambdaIntegration(`${pascal(fnName)}Integration`, fn, {
      payloadFormatVersion: PayloadFormatVersion.VERSION_2_0,
      scopePermissionToRoute: false,
    });
    const none = new HttpNoneAuthorizer();
    const cfnStage = this.stage.node.defaultChild as CfnStage;
    let first: HttpRoute | undefined;
    for (const r of routes) {
      const key = routeKey(r);
      const route = new HttpRoute(scope, `Route${pascal(r.operationId)}`, {
        httpApi: this.api,
        routeKey: HttpRouteKey.with(r.path, HttpMethod[r.method]),
        integration,
        authorizer: typeof r.auth === 'string' ? none : this.jwt,
      });
      markDeclared(route, 'route', key);
      first ??= route;
      if (typeof r.auth === 'string') {
        // RouteSettings is a JSON property in CloudFormation: keys are written as CloudFormation spells them.
        this.routeSettings[key] = {
          ThrottlingRateLimit: this.publicThrottle.rateLimit,
          ThrottlingBurstLimit: this.publicThrottle.burstLimit,
        };
        cfnStage.routeSettings = this.routeSettings;
        // Route settings name existing routes: the stage is updated after them.
        cfnStage.addResourceDependency(route.node.defaultChild as CfnRoute, `route settings name ${key}`);
        Validations.of(route).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason:
            r.auth === 'public'
              ? `${key} is declared public in infra/system.ts: open data the public reads without an account (${r.summary}).`
              : `${key} is declared optional in infra/system.ts: anyone may call it, and the handler verifies a bearer token when one is sent to widen the view (${r.summary}).`,
        });
      }
    }
    if (opts.fallback) {
      const fallback = new HttpRoute(scope, 'RouteDefault', {
        httpApi: this.api,
        routeKey: HttpRouteKey.DEFAULT,
        integration,
        authorizer: none,
      });
      Validations.of(fallback).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason:
          'The $default route only answers requests no declared route matches, with a 404 error body; it reaches no data.',
      });
      first ??= fallback;
    }
    // CDK creates the shared integration (and its invoke permission) under whichever route binds it
    // first. Pin their logical ids to the function, so adding or removing routes never replaces them.
    for (const child of first?.node.findAll() ?? []) {
      if (child instanceof CfnIntegration) child.overrideLogicalId(`Api${pascal(fnName)}Integration`);
      if (child instanceof CfnPermission) child.overrideLogicalId(`Api${pascal(fnName)}InvokePermission`);
    }
  }
}
