import { type App, CfnOutput, NestedStack, Stack, type StackProps, Tags, Validations } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { Construct } from 'constructs';
import { PlatformApi } from './constructs/api.js';
import { capabilitiesOf } from './constructs/capabilities.js';
import { type Stage, stageConfigOf, stageSettings } from './constructs/config.js';
import { DataTables } from './constructs/data.js';
import { deadLetterQueuesOf } from './constructs/dead-letters.js';
import {
  checkDeclaration,
  DECLARED,
  type DeclaredKind,
  type PlatformDeclaration,
  systemDeclaration,
} from './constructs/declaration.js';
import { DutyStack, dutyStackId } from './constructs/duty.js';
import { EDGE_REGION, EdgeStack } from './constructs/edge.js';
import { type FunctionContext, PlatformFunctions } from './constructs/functions.js';
import { Identity } from './constructs/identity.js';
import { AlarmTopic, Observability } from './constructs/observability.js';
import { Portal } from './constructs/portal.js';
import { ProcessingResources } from './constructs/processing.js';
import { Workflows } from './constructs/workflows.js';
import { requireStageInputs } from './stages.js';

export { isProduction, parseStage, STAGES, type Stage, stageConfig } from './constructs/config.js';
export type { PlatformDeclaration } from './constructs/declaration.js';

export const stackName = (stage: Stage): string => `ShiyanData-${stage}`;
/** The us-east-1 companion stack of a stage with a CloudFront portal (infra/constructs/edge.ts). */
export const edgeStackName = (stage: Stage): string => `ShiyanData-${stage}-edge`;

export interface PlatformStackProps extends StackProps {
  readonly stage: Stage;
  /** What to build; defaults to infra/system.ts. Tests pass variants to exercise empty sections. */
  readonly declaration?: PlatformDeclaration;
  /**
   * The authority's unified social credit code, the root of the organisation registry (the authority
   * registers every other organisation). Default: context `authorityOrg`, else the demo authority's.
   */
  readonly authorityOrg?: string;
  /** The us-east-1 companion stack (web ACL, CloudFront certificate), where the stage has a portal. */
  readonly edge?: EdgeStack;
}

/** The demo authority (infra/local/orgs.ts), for stages deployed without `-c authorityOrg=…`. */
const DEFAULT_AUTHORITY_ORG = '11420300MB1A00001N';

/**
 * The whole platform, built by iterating the declaration in infra/system.ts: nothing here is listed by
 * hand, and every construct id derives from a declared name so it stays stable as entries are added.
 * Shared resources (tables, identity, bus, secrets, API, workflows, portal) live here; each duty —
 * its function, routes, rules, schedules, queues and alarms — in its own nested stack (DutyStack), and
 * the stage-wide alarms and dashboard in the nested `Operations` stack. CloudFormation's per-stack
 * limits (500 resources, 1 MB template, 200 parameters and outputs) then apply per duty, not to the
 * platform as a whole (test/infra/run-for-real.test.ts keeps every template under 80 % of each).
 */
export class PlatformStack extends Stack {
  readonly tables: DataTables;
  readonly identity: Identity;
  readonly functions: PlatformFunctions;
  readonly duties: ReadonlyMap<string, DutyStack>;
  readonly api: PlatformApi;
  readonly workflows: Workflows;
  readonly observability: Observability;
  /** The nested stack holding the stage-wide alarms and the dashboard. */
  readonly operations: NestedStack;
  /** The portal's distribution and bucket (where the partition has a CloudFront portal). */
  readonly portal?: Portal;

  constructor(scope: Construct, id: string, props: PlatformStackProps) {
    super(scope, id, {
      description: `Shiyan public data authorized operation platform (${props.stage})`,
      ...props,
      // The web ACL and the CloudFront certificate come from the us-east-1 companion stack.
      crossRegionReferences: props.edge !== undefined || props.crossRegionReferences,
    });
    const { stage } = props;
    const d = props.declaration ?? systemDeclaration;
    checkDeclaration(d);
    Tags.of(this).add('platform:stage', stage);
    const config = stageConfigOf(this, stage);
    const capabilities = capabilitiesOf(config);
    const settings = stageSettings(stage);

    this.tables = new DataTables(this, 'Tables', { stage, tables: d.tables });
    this.identity = new Identity(this, 'Identity', { stage });
    const bus = new EventBus(this, 'Bus', { eventBusName: `${stage}-${d.eventBus}` });
    // PIPL: identity numbers are looked up by an HMAC under this secret, never by a bare hash. It is
    // the only key to the lookup keys stored in the retained tables: retained with them in production.
    const personKey = new Secret(this, 'PersonKey', {
      description: `Keys personal identity numbers for lookups (${stage})`,
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
      removalPolicy: settings.removalPolicy,
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

    // Signs pagination cursors: generated once per stage; functions read it at run time (cached).
    const cursorSecret = new Secret(this, 'CursorSigningKey', {
      description: 'HMAC key signing pagination cursors (functions/shared/cursor.ts)',
      generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
      removalPolicy: settings.removalPolicy,
    });
    Validations.of(cursorSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The cursor signing key only makes pagination cursors tamper-evident; rotating it would merely invalidate cursors in flight, so it is not rotated.',
    });

    this.api = new PlatformApi(this, 'Api', { stage, identity: this.identity });
    const alarms = new AlarmTopic(this, 'Alarms', { stage });

    const context: FunctionContext = {
      stage,
      tables: this.tables.byName,
      tableDecls: d.tables,
      bus,
      identity: this.identity,
      personKey,
      authorityOrg,
      cursorKeySecret: cursorSecret,
      tracing: capabilities.lambdaXRay,
    };
    const duties = new Map<string, DutyStack>();
    for (const name of Object.keys(d.functions)) {
      duties.set(
        name,
        new DutyStack(this, dutyStackId(name), {
          stage,
          name,
          declaration: d,
          context,
          api: this.api,
          bus,
          topic: alarms.topic,
        }),
      );
    }
    this.duties = duties;
    this.functions = new PlatformFunctions(new Map([...duties].map(([name, duty]) => [name, duty.fn])));

    this.workflows = new Workflows(this, 'Workflows', {
      stage,
      stateMachines: d.stateMachines,
      functions: this.functions,
    });
    // Processing (Art. 16-18): bucket, Glue database, Athena workgroup, for the function that processes.
    const processing =
      'processing' in d.functions
        ? new ProcessingResources(this, 'Processing', { stage, fn: this.functions.get('processing') })
        : undefined;

    this.operations = new NestedStack(this, 'Operations', {
      description: `Stage-wide alarms and the dashboard of the platform (${stage})`,
    });
    // Last: it reads everything built above (functions, machines, tables, every dead-letter queue).
    this.observability = new Observability(this.operations, 'Observability', {
      stage,
      topic: alarms.topic,
      api: this.api.api,
      functions: this.functions,
      workflows: this.workflows,
      tables: this.tables.byName,
      writtenTables: new Set(
        Object.values(d.functions).flatMap((f) =>
          Object.entries(f.tables)
            .filter(([, access]) => access === 'write')
            .map(([t]) => t),
        ),
      ),
      signInTrigger: this.identity.preToken,
      athenaWorkGroup: processing?.workgroup.name,
      deadLetters: deadLetterQueuesOf(this).map(({ kind, name }) => ({ kind, name })),
    });

    // The portal: CloudFront in front of S3 and the API, behind the web ACL of the edge stack. Not in
    // the China regions (capabilities.ts): there the built portal (`npm run portal`) is served by the
    // city's own filed web server in front of the API's ICP-licensed domain.
    if (capabilities.cloudFrontPortal) {
      if (!props.edge) throw new Error(`stage ${stage} needs its edge stack (definePlatform builds it)`);
      this.portal = new Portal(this, 'Portal', {
        stage,
        api: this.api,
        identity: this.identity,
        // The literal name (not the domain's Ref): CloudFront's alias and the API's domain are the same name.
        domainName: this.api.domainName,
        edge: props.edge,
      });
      new CfnOutput(this, 'PortalUrl', {
        value: this.portal.url,
        description: 'The portal (API under /api)',
      });
      new CfnOutput(this, 'PortalDnsTarget', {
        value: this.portal.distribution.distributionDomainName,
        description: `DNS: ${this.api.domainName} → this name (alias, or CNAME where the zone is not in Route 53)`,
      });
    } else {
      new CfnOutput(this, 'ApiDnsTarget', {
        value: this.api.domain.regionalDomainName,
        description: `DNS: ${this.api.domainName} → this name (CNAME), for the ICP-licensed API domain`,
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
 * The deployable app for one stage: the platform stack (and, where the stage has a CloudFront portal,
 * its us-east-1 edge stack), checked by cdk-nag's AwsSolutions pack. cdk-nag 3 is a policy-validation
 * plugin (it replaced the v2 Aspect): it runs after synthesis, any finding (error or warning) fails the
 * synth, and the report lands in cdk.out/validation-report.json. Findings are acknowledged next to the
 * construct they concern with Validations.of(construct).acknowledge({ id, reason }).
 */
export const definePlatform = (app: App, stage: Stage, declaration?: PlatformDeclaration): PlatformStack => {
  // Validated here: a stage config mistake or a missing input stops synth before anything is built.
  const config = stageConfigOf(app, stage);
  const d = declaration ?? systemDeclaration;
  requireStageInputs(stage, config, d.routes.filter((r) => typeof r.auth === 'string').length);
  // The stage's region (and account, when pinned): ARNs, service principals and endpoints follow its
  // partition (aws or aws-cn).
  const account = config.account ? { account: config.account } : {};
  const edge = capabilitiesOf(config).cloudFrontPortal
    ? new EdgeStack(app, edgeStackName(stage), { stage, env: { region: EDGE_REGION, ...account } })
    : undefined;
  const stack = new PlatformStack(app, stackName(stage), {
    stage,
    declaration,
    edge,
    env: { region: config.region, ...account },
  });
  if (edge) stack.addStackDependency(edge, 'the web ACL and the CloudFront certificate are created first');
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
