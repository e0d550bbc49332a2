import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { type CfnElement, CfnResource, Names, Stack, Token } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { missingLambdaRetry, TRANSIENT_LAMBDA_ERRORS } from '../asl.js';
import type {
  Access,
  EventRuleDecl,
  FunctionDecl,
  RouteDecl,
  ScheduleDecl,
  StateMachineDecl,
  TableDecl,
} from '../system.js';
import * as system from '../system.js';

/** Repository root: declared file paths (function entries, ASL files) are relative to it. */
export const ROOT = resolve(import.meta.dirname, '..', '..');

/**
 * The declaration the stack is built from, with names widened to plain strings. infra/system.ts
 * satisfies it as is; tests may hand the stack a variant (e.g. with a state machine the real
 * declaration does not have yet) to prove the code paths that iterate empty sections today.
 */
export interface PlatformDeclaration {
  readonly tables: Readonly<Record<string, TableDecl>>;
  readonly functions: Readonly<
    Record<
      string,
      Omit<FunctionDecl, 'tables' | 'workflows'> & {
        readonly tables: Readonly<Record<string, Access>>;
        readonly workflows?: readonly string[];
      }
    >
  >;
  readonly routes: readonly (Omit<RouteDecl, 'function'> & { readonly function: string })[];
  readonly stateMachines: Readonly<
    Record<string, Omit<StateMachineDecl, 'functions'> & { readonly functions: readonly string[] }>
  >;
  readonly eventRules: Readonly<
    Record<string, Omit<EventRuleDecl, 'function'> & { readonly function: string }>
  >;
  readonly schedules: Readonly<
    Record<string, Omit<ScheduleDecl, 'function'> & { readonly function: string }>
  >;
  /** Bus name without the stage prefix. */
  readonly eventBus: string;
}

/** infra/system.ts, the one declaration of the platform. */
export const systemDeclaration: PlatformDeclaration = {
  tables: system.tables,
  functions: system.functions,
  routes: system.routes,
  stateMachines: system.stateMachines,
  eventRules: system.eventRules,
  schedules: system.schedules,
  eventBus: system.EVENT_BUS,
};

// The naming rules in system.env are typed for the declared names; the CDK side applies them to the
// widened names of PlatformDeclaration, which are the same strings.
export const tableEnv = (t: string): string => system.env.table(t as system.TableName);
export const stateMachineEnv = (m: string): string => system.env.stateMachine(m);

/** `catalog` → `Catalog`, `grant-expiry` → `GrantExpiry`: construct ids derived from declared names. */
export const pascal = (name: string): string =>
  name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('');

/** CloudFormation Metadata key naming the declaration entry a resource was built from. */
export const DECLARED = 'platform:declared';

export type DeclaredKind = 'table' | 'function' | 'route' | 'stateMachine' | 'eventRule' | 'schedule';

/**
 * Records on the construct's CloudFormation resource which declared entry it implements, so the
 * synthesized template can be read back into declared names (see templateInventory).
 */
export const markDeclared = (construct: IConstruct, kind: DeclaredKind, name: string): void => {
  const cfn = CfnResource.isCfnResource(construct) ? construct : construct.node.defaultChild;
  if (!cfn || !CfnResource.isCfnResource(cfn)) {
    throw new Error(`${construct.node.path} has no CloudFormation resource to mark as ${kind} ${name}`);
  }
  cfn.addMetadata(DECLARED, { kind, name });
};

/** `${Name}` placeholders an ASL file uses. */
const placeholdersIn = (asl: string): string[] => [
  ...new Set([...asl.matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]!)),
];

/**
 * Cross-references the declaration before anything is built, so a typo fails synth with a sentence
 * instead of a CloudFormation error at deploy time.
 */
export const checkDeclaration = (d: PlatformDeclaration): void => {
  const problems: string[] = [];
  const fn = (where: string, f: string) => {
    if (!(f in d.functions)) problems.push(`${where} names function "${f}", which is not declared`);
  };
  for (const [name, f] of Object.entries(d.functions)) {
    if (!existsSync(resolve(ROOT, f.entry)))
      problems.push(`function ${name}: entry ${f.entry} does not exist`);
    for (const t of Object.keys(f.tables)) {
      if (!(t in d.tables)) problems.push(`function ${name} uses table "${t}", which is not declared`);
    }
    for (const m of f.workflows ?? []) {
      if (!(m in d.stateMachines))
        problems.push(`function ${name} uses state machine "${m}", which is not declared`);
    }
  }
  const keys = new Set<string>();
  const operations = new Set<string>();
  for (const r of d.routes) {
    const key = system.routeKey(r);
    fn(`route ${key}`, r.function);
    if (keys.has(key)) problems.push(`route ${key} is declared twice`);
    if (operations.has(r.operationId)) problems.push(`operationId ${r.operationId} is declared twice`);
    keys.add(key);
    operations.add(r.operationId);
  }
  for (const [name, m] of Object.entries(d.stateMachines)) {
    for (const f of m.functions) fn(`state machine ${name}`, f);
    const file = resolve(ROOT, m.file);
    if (!existsSync(file)) {
      problems.push(`state machine ${name}: ${m.file} does not exist`);
      continue;
    }
    const text = readFileSync(file, 'utf8');
    for (const task of missingLambdaRetry(JSON.parse(text) as object)) {
      problems.push(
        `state machine ${name}: Lambda task "${task}" of ${m.file} does not retry ${TRANSIENT_LAMBDA_ERRORS.join(', ')}`,
      );
    }
    if (/arn:aws(-cn|-us-gov)?:/.test(text)) {
      problems.push(`state machine ${name}: ${m.file} hard-codes a partition; write arn:\${Partition}:…`);
    }
    const provided = new Set([
      ...m.functions.map(system.functionArnPlaceholder),
      system.PARTITION_PLACEHOLDER,
    ]);
    for (const p of placeholdersIn(text)) {
      if (!provided.has(p)) {
        problems.push(
          `state machine ${name}: ${m.file} uses \${${p}}, which none of its declared functions provides`,
        );
      }
    }
  }
  for (const [name, r] of Object.entries(d.eventRules)) fn(`event rule ${name}`, r.function);
  for (const [name, s] of Object.entries(d.schedules)) fn(`schedule ${name}`, s.function);
  if (problems.length > 0) throw new Error(`infra/system.ts is inconsistent:\n  ${problems.join('\n  ')}`);
};

/**
 * The region as cdk-nag writes it in a finding: `<AWS::Region>` for an environment-agnostic stack, the
 * region itself for a stack pinned to one (infra/stages.ts).
 */
export const nagRegion = (scope: IConstruct): string => {
  const region = Stack.of(scope).region;
  return Token.isUnresolved(region) ? '<AWS::Region>' : region;
};

/**
 * How cdk-nag writes an attribute of `element` (a Ref / GetAtt) in a finding about a resource in
 * `scope`'s stack: `<LogicalId.Attr>` in the same stack, or the parameter CDK passes it as into a nested
 * stack (`<referenceto…Attr>`, named by CDK from the element's unique id: core/lib/private/refs).
 */
export const nagReference = (scope: IConstruct, element: CfnElement, attr: string): string => {
  const here = Stack.of(scope);
  const owner = Stack.of(element);
  return here === owner
    ? `<${owner.getLogicalId(element)}.${attr}>`
    : `<referenceto${Names.nodeUniqueId(element.node)}${attr}>`;
};
