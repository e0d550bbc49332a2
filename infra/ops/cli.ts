/**
 * One-command operations on a stage (infra/stages.ts), wrapping the CDK CLI with the stage's context:
 *
 *   npm run deploy    -- --stage dev        # synth (cdk-nag checked), then deploy ShiyanData-dev
 *   npm run diff      -- --stage prod       # what a deploy would change
 *   npm run destroy   -- --stage dev        # refuses every production stage
 *   npm run bootstrap -- --stage cn-prod    # once per account and region (aws://<account>/<region>)
 *
 * Extra arguments after the stage go to the CDK CLI unchanged (e.g. `--profile`, `--require-approval`,
 * or a stage input: `-c domain=… -c icpLicence=… -c oidcIssuer=…`, infra/stages.ts STAGE_INPUTS).
 * A stage with a CloudFront portal has a second stack in us-east-1 (`ShiyanData-<stage>-edge`: the
 * web ACL and the portal's certificate): every command names both, and bootstrap covers both regions.
 */
import { spawnSync } from 'node:child_process';
import { capabilitiesOf } from '../constructs/capabilities.js';
import { isProduction, parseStage, type Stage, stageConfig } from '../constructs/config.js';
import { EDGE_REGION } from '../constructs/edge.js';

export type Command = 'deploy' | 'diff' | 'destroy' | 'bootstrap';

/** The CDK CLI arguments for a command on a stage; throws for what must never run. */
export const cdkArgs = (command: Command, stage: Stage, extra: readonly string[] = []): string[] => {
  const config = stageConfig(stage);
  const edge = capabilitiesOf(config).cloudFrontPortal;
  // The edge stack first: the platform stack reads its web ACL and certificate.
  const stacks = [...(edge ? [`ShiyanData-${stage}-edge`] : []), `ShiyanData-${stage}`];
  const context = ['-c', `stage=${stage}`];
  switch (command) {
    case 'deploy':
      return [
        'deploy',
        ...stacks,
        ...context,
        '--require-approval',
        isProduction(stage) ? 'broadening' : 'never',
        ...extra,
      ];
    case 'diff':
      return ['diff', ...stacks, ...context, ...extra];
    case 'destroy':
      if (isProduction(stage)) {
        throw new Error(
          `Stage ${stage} is production: destroy is refused (its data is retained; delete by hand if you must).`,
        );
      }
      return ['destroy', ...stacks, ...context, '--force', ...extra];
    case 'bootstrap':
      if (!config.account) {
        // Without a pinned account the CLI bootstraps the account of the current credentials, in the
        // region of every stack of the app (the stage's and, for the edge stack, us-east-1).
        return ['bootstrap', ...context, ...extra];
      }
      return [
        'bootstrap',
        `aws://${config.account}/${config.region}`,
        ...(edge && config.region !== EDGE_REGION ? [`aws://${config.account}/${EDGE_REGION}`] : []),
        ...context,
        ...extra,
      ];
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
