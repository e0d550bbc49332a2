/** Shared by the test/infra/*.test.ts files: synthesizing the stack and reading its template. */
import { rmSync } from 'node:fs';
import { App, type CfnElement, NestedStack, type Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { PlatformDeclaration } from '../../infra/constructs/declaration.js';
import { DECLARED, type DeclaredKind } from '../../infra/constructs/declaration.js';
import { EdgeStack } from '../../infra/constructs/edge.js';
import { definePlatform, type PlatformStack, type Stage } from '../../infra/stack.js';

export interface Synthesized {
  readonly app: App;
  readonly stack: PlatformStack;
  readonly template: Template;
  /**
   * Every resource of the stage as one template: the platform stack's and those of its nested stacks
   * (each duty's, Operations), with references across them (nested-stack parameters and outputs)
   * replaced by what they refer to, so tests follow Ref / GetAtt as within one template.
   */
  readonly json: CfnTemplate;
  /** The nested operations stack's template alone (stage-wide alarms, dashboard). */
  readonly operations: CfnTemplate;
  /** Each stack's own template as CloudFormation receives it, by stack path (limits apply to each). */
  readonly templates: ReadonlyMap<string, CfnTemplate>;
  /** The us-east-1 companion stack's template (stages with a CloudFront portal). */
  readonly edge?: CfnTemplate;
}

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly Metadata?: Record<string, unknown>;
  readonly DependsOn?: string | string[];
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
  readonly Condition?: string;
}
export interface CfnTemplate {
  readonly Resources: Record<string, CfnResource>;
  readonly Outputs?: Record<string, { Value: unknown }>;
  readonly Parameters?: Record<string, unknown>;
}

/** What the China stage needs at synth (infra/stages.ts STAGE_INPUTS), as its operator passes them. */
export const CN_INPUTS = {
  domain: 'api.data.shiyan.gov.cn',
  icpLicence: '鄂ICP备12345678号-1',
  oidcIssuer: 'https://ids.hubei.gov.cn/oidc',
} as const;

/**
 * Synthesizes the platform for a stage exactly as infra/app.ts does (cdk-nag registered). `bundle:
 * false` skips esbuild through CDK's own `aws:cdk:bundling-stacks` context, for fast template checks.
 * `inputs`: the stage inputs given as context (default: CN_INPUTS for cn-prod, none elsewhere).
 */
export const synth = (
  stage: Stage,
  opts: { bundle?: boolean; declaration?: PlatformDeclaration; inputs?: Record<string, string> } = {},
): Synthesized => {
  const inputs = opts.inputs ?? (stage === 'cn-prod' ? CN_INPUTS : {});
  const app = new App({
    context: { ...(opts.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }), ...inputs },
  });
  const stack = definePlatform(app, stage, opts.declaration);
  const template = Template.fromStack(stack);
  const nested = stack.node.findAll().filter((c): c is NestedStack => c instanceof NestedStack);
  const templates = new Map<string, CfnTemplate>([[stack.node.path, template.toJSON() as CfnTemplate]]);
  for (const n of nested) templates.set(n.node.path, Template.fromStack(n).toJSON() as CfnTemplate);
  const edgeStack = app.node.findAll().find((c): c is EdgeStack => c instanceof EdgeStack);
  return {
    app,
    stack,
    template,
    json: mergeStacks(stack, nested, templates),
    operations: templates.get(stack.operations.node.path)!,
    templates,
    ...(edgeStack ? { edge: Template.fromStack(edgeStack).toJSON() as CfnTemplate } : {}),
  };
};

/**
 * The platform stack and its nested stacks as one template: a `Ref` to a nested stack's parameter is
 * replaced by what the parent passes, a `GetAtt` of a nested stack's output by the output's value,
 * recursively, so every reference ends at the resource it names.
 */
const mergeStacks = (
  root: Stack,
  nested: readonly NestedStack[],
  templates: ReadonlyMap<string, CfnTemplate>,
): CfnTemplate => {
  const byResourceId = new Map<string, NestedStack>();
  for (const n of nested) {
    const parent = n.nestedStackParent ?? root;
    byResourceId.set(`${parent.node.path}|${parent.getLogicalId(n.nestedStackResource as CfnElement)}`, n);
  }
  const templateOf = (s: Stack) => templates.get(s.node.path)!;
  const resolveIn = (s: Stack, v: unknown): unknown => {
    if (Array.isArray(v)) return v.map((x) => resolveIn(s, x));
    if (!v || typeof v !== 'object') return v;
    const o = v as Record<string, unknown>;
    const ref = o.Ref;
    if (typeof ref === 'string' && Object.keys(o).length === 1 && s instanceof NestedStack) {
      const parent = s.nestedStackParent ?? root;
      const resource = templateOf(parent).Resources[parent.getLogicalId(s.nestedStackResource as CfnElement)];
      const passed = (resource?.Properties?.Parameters ?? {}) as Record<string, unknown>;
      if (ref in passed) return resolveIn(parent, passed[ref]);
    }
    const getAtt = o['Fn::GetAtt'];
    if (Array.isArray(getAtt) && typeof getAtt[1] === 'string' && getAtt[1].startsWith('Outputs.')) {
      const child = byResourceId.get(`${s.node.path}|${String(getAtt[0])}`);
      const output = child && templateOf(child).Outputs?.[getAtt[1].slice('Outputs.'.length)];
      if (child && output) return resolveIn(child, output.Value);
    }
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, resolveIn(s, x)]));
  };
  const resources: Record<string, CfnResource> = {};
  for (const s of [root, ...nested]) {
    for (const [id, r] of Object.entries(templateOf(s).Resources)) {
      if (id in resources)
        throw new Error(`logical id ${id} is in two stacks: the merged view would hide one`);
      resources[id] = resolveIn(s, r) as CfnResource;
    }
  }
  const main = templateOf(root);
  return {
    ...main,
    Resources: resources,
    Outputs: resolveIn(root, main.Outputs ?? {}) as CfnTemplate['Outputs'],
  };
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
