import { RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';

export const STAGES = ['dev', 'prod'] as const;
export type Stage = (typeof STAGES)[number];

/** `-c stage=…` → a known stage; anything else is a mistake worth stopping for. */
export const parseStage = (value: unknown): Stage => {
  const stage = value ?? 'dev';
  if (typeof stage === 'string' && (STAGES as readonly string[]).includes(stage)) return stage as Stage;
  throw new Error(`Unknown stage ${JSON.stringify(stage)}: pass -c stage=${STAGES.join('|')}`);
};

/** Settings that differ between a disposable dev stack and production. */
export const stageSettings = (stage: Stage) =>
  stage === 'prod'
    ? {
        removalPolicy: RemovalPolicy.RETAIN,
        logRetention: RetentionDays.ONE_YEAR,
        throttle: { rateLimit: 200, burstLimit: 400 },
      }
    : {
        removalPolicy: RemovalPolicy.DESTROY,
        logRetention: RetentionDays.TWO_WEEKS,
        throttle: { rateLimit: 50, burstLimit: 100 },
      };
