import { RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IConstruct } from 'constructs';
import { STAGES, type Stage, type StageConfig, stageConfig, stageConfigWithInputs } from '../stages.js';

export { STAGES, type Stage, stageConfig } from '../stages.js';

/**
 * The stage's configuration as this synth sees it: infra/stages.ts with the stage inputs given as
 * context (`-c domain=…`, `-c oidcIssuer=…`; STAGE_INPUTS) applied.
 */
export const stageConfigOf = (scope: IConstruct, stage: Stage): StageConfig =>
  stageConfigWithInputs(stage, (key) => scope.node.tryGetContext(key));

/** `-c stage=…` → a known stage (infra/stages.ts); anything else is a mistake worth stopping for. */
export const parseStage = (value: unknown): Stage => {
  const stage = value ?? 'dev';
  if (typeof stage === 'string' && (STAGES as readonly string[]).includes(stage)) return stage as Stage;
  throw new Error(`Unknown stage ${JSON.stringify(stage)}: pass -c stage=${STAGES.join('|')}`);
};

/** Production stages keep their data (RETAIN, deletion protection) and refuse `destroy`. */
export const isProduction = (stage: Stage): boolean => stageConfig(stage).production;

/** Settings that differ between a disposable dev stack and production. */
export const stageSettings = (stage: Stage) => {
  const config = stageConfig(stage);
  return config.production
    ? {
        removalPolicy: RemovalPolicy.RETAIN,
        logRetention: RetentionDays.ONE_YEAR,
        throttle: config.throttle,
        publicRouteThrottle: config.publicRouteThrottle,
      }
    : {
        removalPolicy: RemovalPolicy.DESTROY,
        logRetention: RetentionDays.TWO_WEEKS,
        throttle: config.throttle,
        publicRouteThrottle: config.publicRouteThrottle,
      };
};
