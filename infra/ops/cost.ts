/**
 * `npm run cost -- --stage prod [-c key=value …]`: the stage's standing and per-million-request cost,
 * computed from its synthesized templates (infra/cost.ts).
 * `npm run cost -- --readme`: rewrites the README's cost section (between its `cost:begin` and
 * `cost:end` markers) for every stage; test/infra/run-for-real.test.ts fails when the README drifts.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { parseStage } from '../constructs/config.js';
import { type CostTemplate, costTable } from '../cost.js';
import { CFN_LIMITS } from '../limits.js';
import { definePlatform } from '../stack.js';
import { STAGES, type Stage, type StageInput } from '../stages.js';
import { contextArgs } from './portal.js';

/**
 * Inputs a stage may lack in infra/stages.ts, for the README's figures only: the cost does not depend
 * on a domain's or an issuer's value (a deploy still needs the real ones).
 */
const EXAMPLE_INPUTS: Partial<Record<StageInput, string>> = {
  domain: 'api.example.gov.cn',
  icpLicence: '鄂ICP备00000000号',
  oidcIssuer: 'https://issuer.example.gov.cn',
};

/** Every template a stage deploys (its stacks and their nested stacks), synthesized without bundling. */
export const stageTemplates = (stage: Stage, inputs: Record<string, string> = {}): CostTemplate[] =>
  namedStageTemplates(stage, inputs).map(([, t]) => t);

/** The same, each with its stack's construct id (`ShiyanData-dev`, `DutyGrants`, `Operations`…). */
export const namedStageTemplates = (
  stage: Stage,
  inputs: Record<string, string> = {},
): [string, CostTemplate][] => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], ...inputs } });
  definePlatform(app, stage);
  const assembly = app.synth({ validateOnSynthesis: false });
  try {
    return app.node
      .findAll()
      .filter((c): c is Stack => Stack.isStack(c))
      .map((s): [string, CostTemplate] => [
        s.node.id,
        JSON.parse(readFileSync(resolve(assembly.directory, s.templateFile), 'utf8')) as CostTemplate,
      ]);
  } finally {
    rmSync(assembly.directory, { recursive: true, force: true });
  }
};

const BEGIN = '<!-- cost:begin (npm run cost -- --readme) -->';
const END = '<!-- cost:end -->';

/** The README's cost section, every stage, from their templates. */
export const readmeCostSection = (
  templatesOf: (stage: Stage) => [string, CostTemplate][] = (stage) =>
    namedStageTemplates(stage, stage === 'cn-prod' ? EXAMPLE_INPUTS : {}),
): string =>
  STAGES.map((stage) => {
    const templates = templatesOf(stage);
    return `${costTable(
      stage,
      templates.map(([, t]) => t),
    )}\n\n${sizeLine(stage, templates)}`;
  }).join('\n\n');

/** How many resources each template of a stage holds, against CloudFormation's quota. */
export const sizeLine = (stage: string, templates: readonly [string, CostTemplate][]): string => {
  const count = (t: CostTemplate) => Object.keys(t.Resources).length;
  const duties = templates.filter(([id]) => id.startsWith('Duty')).map(([, t]) => count(t));
  const others = templates.filter(([id]) => !id.startsWith('Duty')).map(([id, t]) => `${id} ${count(t)}`);
  const largest = Math.max(...templates.map(([, t]) => count(t)));
  return `Resources per template (${stage}): ${others.join(', ')}; ${duties.length} duty stacks ${Math.min(...duties)}–${Math.max(...duties)}. The largest uses ${Math.round((largest / CFN_LIMITS.resources) * 100)} % of the ${CFN_LIMITS.resources}-resource quota.`;
};

/**
 * A section as compared: table rows with runs of spaces and dashes collapsed, so the README's tables
 * may be aligned by the formatter (biome formats Markdown) without counting as a change.
 */
export const normalizeSection = (section: string): string =>
  section
    .split('\n')
    .map((l) => (l.startsWith('|') ? l.replace(/ {2,}/g, ' ').replace(/-{3,}/g, '---') : l))
    .join('\n');

/** The section as the README has it now. */
export const readmeCostSectionNow = (readme: string): string | undefined => {
  const i = readme.indexOf(BEGIN);
  const j = readme.indexOf(END);
  return i >= 0 && j > i ? readme.slice(i + BEGIN.length, j).trim() : undefined;
};

const main = () => {
  const args = process.argv.slice(2);
  if (args.includes('--readme')) {
    const file = resolve(import.meta.dirname, '..', '..', 'README.md');
    const readme = readFileSync(file, 'utf8');
    const i = readme.indexOf(BEGIN);
    const j = readme.indexOf(END);
    if (i < 0 || j < i) throw new Error(`README.md has no ${BEGIN} … ${END} section`);
    writeFileSync(file, `${readme.slice(0, i + BEGIN.length)}\n${readmeCostSection()}\n${readme.slice(j)}`);
    // Aligned as the lint expects (biome formats Markdown).
    spawnSync('npx', ['biome', 'format', '--write', file], { stdio: 'inherit' });
    console.log('README.md: cost section rewritten');
    return;
  }
  const s = args.indexOf('--stage');
  const stage = parseStage(s >= 0 ? args[s + 1] : undefined);
  console.log(costTable(stage, stageTemplates(stage, contextArgs(args))));
};

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    main();
  } catch (e) {
    console.error((e as Error).message);
    process.exitCode = 1;
  }
}
