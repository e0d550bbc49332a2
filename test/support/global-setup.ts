import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal } from '../../infra/local/dynamodb.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
/** In a child process: Vite must not build inside vitest's own process (they share Vite). */
const ensurePortalBuilt = () =>
  promisify(execFile)(
    process.execPath,
    [resolve(ROOT, 'node_modules/tsx/dist/cli.mjs'), 'web/scripts/build.ts', '--if-stale'],
    {
      cwd: ROOT,
    },
  );

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
