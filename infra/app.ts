/**
 * CDK entry point (cdk.json: `npx tsx infra/app.ts`). `-c stage=dev|prod|cn-prod` picks the stage
 * (default dev); its stacks are `ShiyanData-<stage>` (and `ShiyanData-<stage>-edge` in us-east-1 where
 * it has a CloudFront portal). Stage inputs come as context too (`-c domain=…`, infra/stages.ts
 * STAGE_INPUTS). cdk-nag (AwsSolutions) validates the synthesized app: a finding that is neither fixed
 * nor acknowledged with a written reason fails `cdk synth`. A stage config mistake or a missing input
 * stops synth with its sentences, not a stack trace.
 */
import { App } from 'aws-cdk-lib';
import { definePlatform, parseStage } from './stack.js';

const app = new App();
try {
  definePlatform(app, parseStage(app.node.tryGetContext('stage')));
} catch (e) {
  console.error((e as Error).message);
  process.exit(1);
}
app.synth();
