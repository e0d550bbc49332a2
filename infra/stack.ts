import { type App, CfnOutput, NestedStack, Stack, type StackProps, Tags, Validations } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { Construct } from 'constructs';
import { PlatformApi } from './constructs/api.js';
import { type Stage, stageConfig, stageSettings } from './constructs/config.js';
import { DataTables } from './constructs/data.js';
import {
  checkDeclaration,
  DECLARED,
  type DeclaredKind,
  type PlatformDeclaration,
  systemDeclaration,
} from './constructs/declaration.js';
import { EventRules, Schedules } from './constructs/events.js';
import { PlatformFunctions } from './constructs/functions.js';
import { Identity } from './constructs/identity.js';
import { Observability } from './constructs/observability.js';
import { Portal } from './constructs/portal.js';
import { ProcessingResources } from './constructs/processing.js';
import { Workflows } from './constructs/workflows.js';

export { isProduction, parseStage, STAGES, type Stage, stageConfig } from './constructs/config.js';
export type { PlatformDeclaration } from './constructs/declaration.js';

export const stackName = (stage: Stage): string => `ShiyanData-${stage}`;

export interface PlatformStackProps extends StackProps {
  readonly stage: Stage;
  /** What to build; defaults to infra/system.ts. Tests pass variants to exercise empty sections. */
  readonly declaration?: PlatformDeclaration;
  /**
   * The authority's unified social credit code, the root of the organisation registry (the authority
   * registers every other organisation). Default: context `authorityOrg`, else the demo authority's.
   */
  readonly authorityOrg?: string;
}

/** The demo authority (infra/local/orgs.ts), for stages deployed without `-c authorityOrg=…`. */
const DEFAULT_AUTHORITY_ORG = '11420300MB1A00001N';

/**
 * The whole platform, built by iterating the declaration in infra/system.ts: nothing here is listed by
 * hand, and every construct id derives from a declared name so it stays stable as entries are added.
 */
export class PlatformStack extends Stack {
  readonly tables: DataTables;
  readonly identity: Identity;
  readonly functions: PlatformFunctions;
  readonly api: PlatformApi;
  readonly workflows: Workflows;
  readonly observability: Observability;
  /** The nested stack holding the alarms, their topic and the dashboard. */
  readonly operations: NestedStack;
  /** The portal's distribution and bucket (absent in the China regions). */
  readonly portal?: Portal;

  constructor(scope: Construct, id: string, props: PlatformStackProps) {
    super(scope, id, {
      description: `Shiyan public data authorized operation platform (${props.stage})`,
      ...props,
    });
    const { stage } = props;
    const d = props.declaration ?? systemDeclaration;
    checkDeclaration(d);
    Tags.of(this).add('platform:stage', stage);

    this.tables = new DataTables(this, 'Tables', { stage, tables: d.tables });
    this.identity = new Identity(this, 'Identity', { stage });
    const bus = new EventBus(this, 'Bus', { eventBusName: `${stage}-${d.eventBus}` });
    // PIPL: identity numbers are looked up by an HMAC under this secret, never by a bare hash.
    const personKey = new Secret(this, 'PersonKey', {
      description: `Keys personal identity numbers for lookups (${stage})`,
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
    });
    Validations.of(personKey).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The person key derives stored lookup keys (HMAC of identity numbers); rotating it would orphan every stored key, so it is not rotated automatically.',
    });
    const authorityOrg =
      props.authorityOrg ??
      (this.node.tryGetContext('authorityOrg') as string | undefined) ??
      DEFAULT_AUTHORITY_ORG;

    // Signs pagination cursors: generated once per stage, base64 of 48 random bytes.
    const cursorSecret = new Secret(this, 'CursorSigningKey', {
      description: 'HMAC key signing pagination cursors (functions/shared/cursor.ts)',
      generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
      removalPolicy: stageSettings(stage).removalPolicy,
    });
    Validations.of(cursorSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The cursor signing key only makes pagination cursors tamper-evident; rotating it would merely invalidate cursors in flight, so it is not rotated.',
    });
    this.functions = new PlatformFunctions(this, 'Functions', {
      functions: d.functions,
      context: {
        stage,
        tables: this.tables.byName,
        tableDecls: d.tables,
        bus,
        identity: this.identity,
        personKey,
        authorityOrg,
        cursorKey: cursorSecret.secretValue.unsafeUnwrap(),
      },
    });
    this.api = new PlatformApi(this, 'Api', {
      stage,
      routes: d.routes,
      functions: this.functions,
      identity: this.identity,
    });
    this.workflows = new Workflows(this, 'Workflows', {
      stage,
      stateMachines: d.stateMachines,
      functions: this.functions,
    });
    // Processing (Art. 16-18): bucket, Glue database, Athena workgroup, for the function that processes.
    if ('processing' in d.functions)
      new ProcessingResources(this, 'Processing', { stage, fn: this.functions.get('processing') });
    new EventRules(this, 'EventRules', { stage, bus, eventRules: d.eventRules, functions: this.functions });
    // In a nested stack: CloudFormation allows 500 resources per stack; the schedules (five resources
    // each: schedule, role, policy, dead-letter queue and its policy) and the alarms (over a hundred)
    // live there, beside the platform stack's functions, tables and API.
    this.operations = new NestedStack(this, 'Operations', {
      description: `Schedules, alarms, their topic and the dashboard of the platform (${stage})`,
    });
    new Schedules(this.operations, 'Schedules', {
      stage,
      schedules: d.schedules,
      functions: this.functions,
    });

    // Last: it reads everything built above (functions, machines, every dead-letter queue).
    this.observability = new Observability(this.operations, 'Observability', {
      stage,
      api: this.api.api,
      functions: this.functions,
      workflows: this.workflows,
    });

    // The portal: CloudFront in front of S3 and the API. Not in the China regions, where CloudFront
    // needs an ICP-filed domain and offers neither CloudFront Functions nor origin access control: there
    // the built portal (web/dist) is served by the city's own filed web server (README, China regions).
    if (stageConfig(stage).partition !== 'aws-cn') {
      this.portal = new Portal(this, 'Portal', { stage, api: this.api, identity: this.identity });
      new CfnOutput(this, 'PortalUrl', {
        value: this.portal.url,
        description: 'The portal (API under /api)',
      });
    }
    new CfnOutput(this, 'ApiUrl', { value: this.api.url, description: 'HTTP API base URL' });
    if (this.identity.userPool && this.identity.client) {
      new CfnOutput(this, 'UserPoolId', { value: this.identity.userPool.userPoolId });
      new CfnOutput(this, 'UserPoolClientId', { value: this.identity.client.userPoolClientId });
    }
    new CfnOutput(this, 'TokenIssuer', { value: this.identity.issuer });
    new CfnOutput(this, 'EventBusName', { value: bus.eventBusName });
  }
}

/**
 * The deployable app for one stage: the platform stack, checked by cdk-nag's AwsSolutions pack. cdk-nag 3
 * is a policy-validation plugin (it replaced the v2 Aspect): it runs after synthesis, any finding (error or
 * warning) fails the synth, and the report lands in cdk.out/validation-report.json. Findings are acknowledged next to the
 * construct they concern with Validations.of(construct).acknowledge({ id, reason }).
 */
export const definePlatform = (app: App, stage: Stage, declaration?: PlatformDeclaration): PlatformStack => {
  // Validated here: a stage config mistake stops synth before anything is built.
  const config = stageConfig(stage);
  const stack = new PlatformStack(app, stackName(stage), {
    stage,
    declaration,
    // The stage's region (and account, when pinned): ARNs, service principals and endpoints follow its
    // partition (aws or aws-cn).
    env: { region: config.region, ...(config.account ? { account: config.account } : {}) },
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return stack;
};

/** Declared names read back from a synthesized template. */
export interface TemplateInventory {
  /** `METHOD /path`, as API Gateway's RouteKey. */
  readonly routes: string[];
  readonly stateMachines: string[];
  readonly schedules: string[];
  readonly eventRules: string[];
  readonly tables: string[];
  readonly functions: string[];
}

interface CfnTemplateJson {
  readonly Resources?: Record<
    string,
    {
      readonly Type?: string;
      readonly Properties?: Record<string, unknown>;
      readonly Metadata?: Record<string, unknown>;
    }
  >;
}

/**
 * What a synthesized template actually contains, in declared names: routes from each route's RouteKey
 * (what API Gateway serves), everything else from the `platform:declared` metadata the stack writes on
 * each resource it builds from a declaration entry. Sorted, for comparison with the declaration.
 */
export const templateInventory = (template: Template | object): TemplateInventory => {
  const json = (
    'toJSON' in template && typeof template.toJSON === 'function' ? template.toJSON() : template
  ) as CfnTemplateJson;
  const found: Record<Exclude<DeclaredKind, 'route'>, string[]> = {
    table: [],
    function: [],
    stateMachine: [],
    eventRule: [],
    schedule: [],
  };
  const routes: string[] = [];
  for (const resource of Object.values(json.Resources ?? {})) {
    if (
      resource.Type === 'AWS::ApiGatewayV2::Route' &&
      typeof resource.Properties?.RouteKey === 'string' &&
      // `$default` is the fallback for unmatched requests, not a declared route (both runtimes have it).
      resource.Properties.RouteKey !== '$default'
    ) {
      routes.push(resource.Properties.RouteKey);
      continue;
    }
    const declared = resource.Metadata?.[DECLARED] as { kind?: DeclaredKind; name?: string } | undefined;
    if (declared?.kind && declared.kind !== 'route' && typeof declared.name === 'string') {
      found[declared.kind].push(declared.name);
    }
  }
  const sorted = (xs: string[]) => [...xs].sort();
  return {
    routes: sorted(routes),
    stateMachines: sorted(found.stateMachine),
    schedules: sorted(found.schedule),
    eventRules: sorted(found.eventRule),
    tables: sorted(found.table),
    functions: sorted(found.function),
  };
};
