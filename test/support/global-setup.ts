import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal } from '../../infra/local/dynamodb.js';
import { ensurePortalBuilt } from '../../web/scripts/build.js';

/** One in-memory DynamoDB Local for the whole run; its endpoint reaches every test file. */
export default async function setup(project: TestProject) {
  // The portal is built once, before any file needs it (browser tests, CDK asset), never concurrently.
  const [dynamo] = await Promise.all([startDynamoDbLocal(), ensurePortalBuilt()]);
  project.provide('dynamoEndpoint', dynamo.endpoint);
  return () => dynamo.stop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoEndpoint: string;
  }
}
