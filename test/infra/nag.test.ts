/**
 * cdk-nag (AwsSolutions) on the real stack, every stage (cn-prod: aws-cn with an OIDC issuer): no unacknowledged finding, error or warning
 * (any would already make the synth in beforeAll throw; asserting the list gives a readable failure),
 * and every acknowledgement is specific, reasoned and still answers a finding.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  acknowledgements,
  dispose,
  nagFindings,
  rawNagFindings,
  type Synthesized,
  synth,
} from './helpers.js';

const stages = ['dev', 'prod', 'cn-prod'] as const;
const synthesized = {} as Record<(typeof stages)[number], Synthesized>;

beforeAll(() => {
  for (const stage of stages) synthesized[stage] = synth(stage);
});
afterAll(() => dispose(...Object.values(synthesized)));

describe.each(stages)('cdk-nag AwsSolutions on %s', (stage) => {
  it('reports no finding, error or warning', () => {
    // Act
    const findings = nagFindings(synthesized[stage].app);
    // Assess
    expect(findings).toEqual([]);
  });

  it('acknowledges only findings that exist, each with a specific written reason', () => {
    const { app } = synthesized[stage];
    const raw = rawNagFindings(app);
    const acks = acknowledgements(app);
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) {
      expect(ack.rule).toMatch(/^AwsSolutions-[A-Z]+\d+/);
      expect(ack.reason.length, `${ack.rule} at ${ack.path}`).toBeGreaterThan(40);
      const hidden = raw.filter(
        (f) => f.rule === ack.rule && f.paths.some((p) => p.startsWith(`${ack.path}/`)),
      );
      expect(hidden, `stale acknowledgement ${ack.rule} at ${ack.path}`).not.toEqual([]);
    }
  });

  it('writes an empty validation report into the cloud assembly', () => {
    const report = JSON.parse(
      readFileSync(join(synthesized[stage].app.outdir, 'validation-report.json'), 'utf8'),
    );
    expect(report.pluginReports).toEqual([]);
  });
});
