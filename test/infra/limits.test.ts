/**
 * Room to grow (issue 22): every template of every stage — the platform stack, each duty's nested
 * stack, the operations stack and the us-east-1 edge stack — stays under 80 % of each CloudFormation
 * per-stack quota (resources, template size, outputs, parameters). The split follows the declaration
 * (one nested stack per duty), so the platform stack grows by one resource per new duty.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CFN_LIMITS, HEADROOM, overHeadroom, templateSize } from '../../infra/limits.js';
import * as system from '../../infra/system.js';
import { dispose, type Synthesized, synth } from './helpers.js';

const stages = ['dev', 'prod', 'cn-prod'] as const;
const synthesized = {} as Record<(typeof stages)[number], Synthesized>;
beforeAll(() => {
  for (const stage of stages) synthesized[stage] = synth(stage);
}, 300_000);
afterAll(() => dispose(...Object.values(synthesized)));

describe.each(stages)('CloudFormation quotas on %s', (stage) => {
  it('keeps every template under 80 % of every per-stack quota', () => {
    const s = synthesized[stage];
    const templates = [...s.templates, ...(s.edge ? [['edge', s.edge] as const] : [])];
    expect(templates.length).toBeGreaterThan(Object.keys(system.functions).length);
    const over = templates.flatMap(([name, t]) => overHeadroom(name, templateSize(t)));
    expect(over).toEqual([]);
  });

  it('puts each duty in its own nested stack, so the platform stack holds one resource per duty', () => {
    const s = synthesized[stage];
    const root = s.templates.get(s.stack.node.path)!;
    const nestedStacks = Object.values(root.Resources).filter((r) => r.Type === 'AWS::CloudFormation::Stack');
    // One per declared duty, and the operations stack.
    expect(nestedStacks).toHaveLength(Object.keys(system.functions).length + 1);
  });
});

describe('the headroom check itself', () => {
  it('reports a template at 80 % of a quota, and not one below', () => {
    const resources = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`R${i}`, {}]));
    const at = HEADROOM * CFN_LIMITS.resources;
    expect(overHeadroom('t', templateSize({ Resources: resources(at) }))).toEqual([
      `t: resources ${at} of ${CFN_LIMITS.resources} (≥ 80 %)`,
    ]);
    expect(overHeadroom('t', templateSize({ Resources: resources(at - 1) }))).toEqual([]);
    const outputs = Object.fromEntries(Array.from({ length: 160 }, (_, i) => [`O${i}`, {}]));
    expect(overHeadroom('t', templateSize({ Outputs: outputs }))).toHaveLength(1);
    expect(overHeadroom('t', templateSize({ Parameters: outputs }))).toHaveLength(1);
    expect(overHeadroom('t', templateSize({ Metadata: 'x'.repeat(800_000) } as object))).toHaveLength(1);
  });
});
