/** Shared by the test/infra/*.test.ts files: synthesizing the stack and reading its template. */
import { rmSync } from 'node:fs';
import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { PlatformDeclaration } from '../../infra/constructs/declaration.js';
import { DECLARED, type DeclaredKind } from '../../infra/constructs/declaration.js';
import { definePlatform, type PlatformStack, type Stage } from '../../infra/stack.js';

export interface Synthesized {
  readonly app: App;
  readonly stack: PlatformStack;
  readonly template: Template;
  /** Both templates' resources: the platform stack's and its nested operations stack's. */
  readonly json: CfnTemplate;
  /** The nested operations stack's template alone. */
  readonly operations: CfnTemplate;
}

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly Metadata?: Record<string, unknown>;
  readonly DependsOn?: string | string[];
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
}
export interface CfnTemplate {
  readonly Resources: Record<string, CfnResource>;
  readonly Outputs?: Record<string, { Value: unknown }>;
}

/**
 * Synthesizes the platform for a stage exactly as infra/app.ts does (cdk-nag registered). `bundle:
 * false` skips esbuild through CDK's own `aws:cdk:bundling-stacks` context, for fast template checks.
 */
export const synth = (
  stage: Stage,
  opts: { bundle?: boolean; declaration?: PlatformDeclaration } = {},
): Synthesized => {
  const app = new App({ context: opts.bundle ? {} : { 'aws:cdk:bundling-stacks': [] } });
  const stack = definePlatform(app, stage, opts.declaration);
  const template = Template.fromStack(stack);
  const main = template.toJSON() as CfnTemplate;
  // The nested stack (alarms, topic, dashboard) is read beside the platform stack's own resources.
  const nested = Template.fromStack(stack.operations).toJSON() as CfnTemplate;
  const json = {
    ...main,
    Resources: { ...main.Resources, ...inlineParameters(main, nested).Resources },
  };
  return { app, stack, template, json, operations: nested };
};

/**
 * A nested stack's template as if it were part of its parent: each `Ref` to one of its parameters is
 * replaced by the value the parent passes (a `Ref` / `Fn::GetAtt` of the parent's resource), so tests
 * follow references across the two templates as within one.
 */
const inlineParameters = (parent: CfnTemplate, nested: CfnTemplate): CfnTemplate => {
  const passed: Record<string, unknown> = {};
  for (const [, r] of ofType(parent, 'AWS::CloudFormation::Stack'))
    Object.assign(passed, (r.Properties?.Parameters ?? {}) as Record<string, unknown>);
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') {
      const ref = (v as { Ref?: unknown }).Ref;
      if (typeof ref === 'string' && ref in passed && Object.keys(v).length === 1) return passed[ref];
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    }
    return v;
  };
  return walk(nested) as CfnTemplate;
};

/** Removes a synthesized cloud assembly (bundled assets included) from the temp directory. */
export const dispose = (...synthesized: (Synthesized | undefined)[]): void => {
  for (const s of synthesized) if (s) rmSync(s.app.outdir, { recursive: true, force: true });
};

/** The resource built from a declaration entry (found by its `platform:declared` metadata). */
export const declared = (
  json: CfnTemplate,
  kind: DeclaredKind,
  name: string,
): { id: string; resource: CfnResource } => {
  const hits = Object.entries(json.Resources).filter(([, r]) => {
    const d = r.Metadata?.[DECLARED] as { kind?: string; name?: string } | undefined;
    return d?.kind === kind && d.name === name;
  });
  if (hits.length !== 1)
    throw new Error(`expected one ${kind} "${name}" in the template, found ${hits.length}`);
  const [id, resource] = hits[0]!;
  return { id, resource };
};

export const ofType = (json: CfnTemplate, type: string): [string, CfnResource][] =>
  Object.entries(json.Resources).filter(([, r]) => r.Type === type);

export interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
}
export const actionsOf = (s: Statement): string[] => (Array.isArray(s.Action) ? s.Action : [s.Action]);
/** Does a statement's Resource mention the resource with this logical id (Ref / GetAtt)? */
export const mentions = (s: Statement, logicalId: string): boolean =>
  JSON.stringify(s.Resource).includes(`"${logicalId}"`);

/** Every IAM statement attached to a role (its inline policies), by the role's logical id. */
export const statementsOfRole = (json: CfnTemplate, roleId: string): Statement[] =>
  // CDK moves statements past a policy's size limit into overflow managed policies of the same role.
  [...ofType(json, 'AWS::IAM::Policy'), ...ofType(json, 'AWS::IAM::ManagedPolicy')]
    .filter(([, p]) => JSON.stringify(p.Properties?.Roles) === JSON.stringify([{ Ref: roleId }]))
    .flatMap(([, p]) => (p.Properties!.PolicyDocument as { Statement: Statement[] }).Statement);

/** The role logical id of a Lambda function resource. */
export const roleOfFunction = (fn: CfnResource): string => {
  const role = fn.Properties?.Role as { 'Fn::GetAtt'?: [string, string] } | undefined;
  const id = role?.['Fn::GetAtt']?.[0];
  if (!id) throw new Error('function has no role reference');
  return id;
};

/** Logical ids a value references through Ref / Fn::GetAtt. */
export const referencedIds = (value: unknown): Set<string> => {
  const ids = new Set<string>();
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k === 'Ref' && typeof x === 'string') ids.add(x);
        else if (k === 'Fn::GetAtt' && Array.isArray(x) && typeof x[0] === 'string') ids.add(x[0]);
        else if (k === 'Fn::Sub' && typeof x === 'string') {
          for (const m of x.matchAll(/\$\{([\w]+)(\.\w+)?\}/g)) ids.add(m[1]!);
        } else walk(x);
      }
    }
  };
  walk(value);
  return ids;
};

/** A dependency cycle between resources (Ref, GetAtt, DependsOn), or undefined. CloudFormation rejects cycles. */
export const dependencyCycle = (json: CfnTemplate): string[] | undefined => {
  const edges = new Map<string, string[]>();
  for (const [id, r] of Object.entries(json.Resources)) {
    const deps = referencedIds(r.Properties);
    for (const d of [r.DependsOn ?? []].flat()) deps.add(d);
    edges.set(
      id,
      [...deps].filter((d) => d in json.Resources),
    );
  }
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (id: string): string[] | undefined => {
    if (state.get(id) === 'done') return undefined;
    if (state.get(id) === 'visiting') return [...path.slice(path.indexOf(id)), id];
    state.set(id, 'visiting');
    path.push(id);
    for (const d of edges.get(id) ?? []) {
      const cycle = visit(d);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(id, 'done');
    return undefined;
  };
  for (const id of edges.keys()) {
    const cycle = visit(id);
    if (cycle) return cycle;
  }
  return undefined;
};

export interface Finding {
  readonly rule: string;
  readonly severity: string;
  readonly paths: string[];
}

/** cdk-nag AwsSolutions findings of an app, honouring acknowledgements (what would fail `cdk synth`). */
export const nagFindings = (app: App): Finding[] =>
  new AwsSolutionsChecks().validateScope(app).violations.map((v) => ({
    rule: v.ruleName,
    severity: v.severity ?? 'error',
    paths: v.violatingResources.map((r) => r.constructPath ?? '?'),
  }));

/** Findings as if nothing were acknowledged: to prove each acknowledgement still answers a real finding. */
export const rawNagFindings = (app: App): Finding[] => {
  const pack = new AwsSolutionsChecks();
  // cdk-nag consults a private isAcknowledged(); switching it off is the only way to see what the
  // acknowledgements hide. A test helper, not production code.
  (pack as unknown as { isAcknowledged: () => boolean }).isAcknowledged = () => false;
  return pack.validateScope(app).violations.map((v) => ({
    rule: v.ruleName,
    severity: v.severity ?? 'error',
    paths: v.violatingResources.map((r) => r.constructPath ?? '?'),
  }));
};

export interface Acknowledgement {
  readonly path: string;
  readonly rule: string;
  readonly reason: string;
}

/** Every Validations.of(x).acknowledge({ id, reason }) in the app. */
export const acknowledgements = (app: App): Acknowledgement[] =>
  app.node.findAll().flatMap((c) =>
    c.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) =>
        Object.entries(m.data as Record<string, string>).map(([id, reason]) => ({
          path: c.node.path,
          rule: id.replace(/^annotation::/i, ''),
          reason,
        })),
      ),
  );
