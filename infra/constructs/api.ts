import { Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  CfnIntegration,
  CorsHttpMethod,
  HttpApi,
  HttpMethod,
  HttpNoneAuthorizer,
  HttpRoute,
  HttpRouteKey,
  type HttpStage,
  LogGroupLogDestination,
  PayloadFormatVersion,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { CfnPermission } from 'aws-cdk-lib/aws-lambda';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { routeKey } from '../system.js';
import { type Stage, stageSettings } from './config.js';
import { markDeclared, type PlatformDeclaration, pascal } from './declaration.js';
import type { PlatformFunctions } from './functions.js';
import type { Identity } from './identity.js';

/** Headers a browser may send cross-origin: the bearer token, JSON bodies, retries and optimistic locking. */
export const CORS_HEADERS = ['authorization', 'content-type', 'idempotency-key', 'if-match'];

/**
 * One HTTP API route per declared route. Role-restricted routes go through the Cognito JWT authorizer;
 * the handler then checks which of the declared roles the caller holds. `public` and `optional` routes
 * have no authorizer (an `optional` route verifies a token itself when one is sent).
 */
export class PlatformApi extends Construct {
  readonly api: HttpApi;
  readonly stage: HttpStage;

  constructor(
    scope: Construct,
    id: string,
    props: {
      stage: Stage;
      routes: PlatformDeclaration['routes'];
      functions: PlatformFunctions;
      identity: Identity;
    },
  ) {
    super(scope, id);
    const settings = stageSettings(props.stage);
    this.api = new HttpApi(this, 'HttpApi', {
      apiName: `${props.stage}-platform`,
      description: 'Public data authorized operation platform (公共数据授权运营平台)',
      // The stage is created below, with access logs and throttling.
      createDefaultStage: false,
      corsPreflight: {
        allowOrigins: ['*'],
        allowHeaders: CORS_HEADERS,
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

    const jwt = new HttpJwtAuthorizer('CognitoJwt', props.identity.issuer, {
      jwtAudience: props.identity.audiences,
      identitySource: ['$request.header.Authorization'],
    });
    const none = new HttpNoneAuthorizer();

    // One integration per function, shared by its routes. A single API-wide invoke permission per
    // function (not one per route) keeps the Lambda resource policy under its 20 KB limit as routes grow.
    const integrations = new Map<string, HttpLambdaIntegration>();
    const integrationFor = (fn: string) => {
      let integration = integrations.get(fn);
      if (!integration) {
        integration = new HttpLambdaIntegration(`${pascal(fn)}Integration`, props.functions.get(fn), {
          payloadFormatVersion: PayloadFormatVersion.VERSION_2_0,
          scopePermissionToRoute: false,
        });
        integrations.set(fn, integration);
      }
      return integration;
    };

    const firstRouteOf = new Map<string, HttpRoute>();
    for (const r of props.routes) {
      const key = routeKey(r);
      const route = new HttpRoute(this, `Route${pascal(r.operationId)}`, {
        httpApi: this.api,
        routeKey: HttpRouteKey.with(r.path, HttpMethod[r.method]),
        integration: integrationFor(r.function),
        authorizer: typeof r.auth === 'string' ? none : jwt,
      });
      markDeclared(route, 'route', key);
      if (!firstRouteOf.has(r.function)) firstRouteOf.set(r.function, route);
      if (typeof r.auth === 'string') {
        Validations.of(route).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason:
            r.auth === 'public'
              ? `${key} is declared public in infra/system.ts: open data the public reads without an account (${r.summary}).`
              : `${key} is declared optional in infra/system.ts: anyone may call it, and the handler verifies a bearer token when one is sent to widen the view (${r.summary}).`,
        });
      }
    }

    // CDK creates a shared integration (and its invoke permission) under whichever route binds it first.
    // Pin their logical ids to the function, so adding or removing routes never replaces them.
    for (const [fn, route] of firstRouteOf) {
      for (const child of route.node.findAll()) {
        if (child instanceof CfnIntegration) child.overrideLogicalId(`Api${pascal(fn)}Integration`);
        if (child instanceof CfnPermission) child.overrideLogicalId(`Api${pascal(fn)}InvokePermission`);
      }
    }
  }

  get url(): string {
    return this.stage.url;
  }
}
