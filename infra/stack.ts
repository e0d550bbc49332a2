import { type App, CfnOutput, Stack, type StackProps, Tags, Validations } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { Construct } from 'constructs';
import { PlatformApi } from './constructs/api.js';
import type { Stage } from './constructs/config.js';
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
import { Portal } from './constructs/portal.js';
import { Workflows } from './constructs/workflows.js';

export { parseStage, STAGES, type Stage } from './constructs/config.js';
export type { PlatformDeclaration } from './constructs/declaration.js';

export const stackName = (stage: Stage): string => `ShiyanData-${stage}`;

export interface PlatformStackProps extends StackProps {
  readonly stage: Stage;
  /** What to build; defaults to infra/system.ts. Tests pass variants to exercise empty sections. */
  readonly declaration?: PlatformDeclaration;
}

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
  readonly portal: Portal;

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

    this.functions = new PlatformFunctions(this, 'Functions', {
      functions: d.functions,
      context: { stage, tables: this.tables.byName, tableDecls: d.tables, bus, identity: this.identity },
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
    new EventRules(this, 'EventRules', { bus, eventRules: d.eventRules, functions: this.functions });
    new Schedules(this, 'Schedules', { stage, schedules: d.schedules, functions: this.functions });

    this.portal = new Portal(this, 'Portal', { stage, api: this.api, identity: this.identity });

    new CfnOutput(this, 'PortalUrl', { value: this.portal.url, description: 'The portal (API under /api)' });
    new CfnOutput(this, 'ApiUrl', { value: this.api.url, description: 'HTTP API base URL' });
    new CfnOutput(this, 'UserPoolId', { value: this.identity.userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: this.identity.client.userPoolClientId });
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
  const stack = new PlatformStack(app, stackName(stage), { stage, declaration });
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
    if (resource.Type === 'AWS::ApiGatewayV2::Route' && typeof resource.Properties?.RouteKey === 'string') {
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
