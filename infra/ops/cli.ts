/**
 * One-command operations on a stage (infra/stages.ts), wrapping the CDK CLI with the stage's context:
 *
 *   npm run deploy    -- --stage dev        # synth (cdk-nag checked), then deploy ShiyanData-dev
 *   npm run diff      -- --stage prod       # what a deploy would change
 *   npm run destroy   -- --stage dev        # refuses every production stage
 *   npm run bootstrap -- --stage cn-prod    # once per account and region (aws://<account>/<region>)
 *
 * Extra arguments after the stage go to the CDK CLI unchanged (e.g. `--profile`, `--require-approval`).
 */
import { spawnSync } from 'node:child_process';
import { isProduction, parseStage, type Stage, stageConfig } from '../constructs/config.js';

export type Command = 'deploy' | 'diff' | 'destroy' | 'bootstrap';

/** The CDK CLI arguments for a command on a stage; throws for what must never run. */
export const cdkArgs = (command: Command, stage: Stage, extra: readonly string[] = []): string[] => {
  const config = stageConfig(stage);
  const stack = `ShiyanData-${stage}`;
  const context = ['-c', `stage=${stage}`];
  switch (command) {
    case 'deploy':
      return [
        'deploy',
        stack,
        ...context,
        '--require-approval',
        isProduction(stage) ? 'broadening' : 'never',
        ...extra,
      ];
    case 'diff':
      return ['diff', stack, ...context, ...extra];
    case 'destroy':
      if (isProduction(stage)) {
        throw new Error(
          `Stage ${stage} is production: destroy is refused (its data is retained; delete by hand if you must).`,
        );
      }
      return ['destroy', stack, ...context, '--force', ...extra];
    case 'bootstrap':
      if (!config.account) {
        // Without a pinned account the CLI bootstraps the account of the current credentials.
        return ['bootstrap', ...context, ...extra];
      }
      return ['bootstrap', `aws://${config.account}/${config.region}`, ...context, ...extra];
  }
};

const main = () => {
  const [command, ...rest] = process.argv.slice(2) as [Command, ...string[]];
  if (!['deploy', 'diff', 'destroy', 'bootstrap'].includes(command)) {
    throw new Error('usage: cli.ts deploy|diff|destroy|bootstrap --stage <stage> [cdk arguments]');
  }
  const i = rest.indexOf('--stage');
  if (i < 0) throw new Error(`--stage is required (one of the stages in infra/stages.ts)`);
  const stage = parseStage(rest[i + 1]);
  const extra = rest.filter((_, j) => j !== i && j !== i + 1);
  const args = cdkArgs(command, stage, extra);
  const config = stageConfig(stage);
  console.log(`cdk ${args.join(' ')}   (${config.partition} ${config.region})`);
  const run = spawnSync('npx', ['cdk', ...args], {
    stdio: 'inherit',
    env: { ...process.env, AWS_REGION: config.region, CDK_DEFAULT_REGION: config.region },
  });
  process.exitCode = run.status ?? 1;
};

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    main();
  } catch (e) {
    console.error((e as Error).message);
    process.exitCode = 1;
  }
}
