/**
 * CDK entry point (cdk.json: `npx tsx infra/app.ts`). `-c stage=dev|prod` picks the stage (default dev);
 * the stack is `ShiyanData-<stage>`. cdk-nag (AwsSolutions) validates the synthesized app: a finding
 * that is neither fixed nor acknowledged with a written reason fails `cdk synth`.
 */
import { App } from 'aws-cdk-lib';
import { definePlatform, parseStage } from './stack.js';

const app = new App();
definePlatform(app, parseStage(app.node.tryGetContext('stage')));
app.synth();
