/**
 * Secrets read at run time (issue 22): through Powertools Parameters, cached for a few minutes in the
 * warm container (one Secrets Manager call per SECRET_MAX_AGE_SECONDS, not per request), and the
 * cursor key in force for each invocation is the secret's current value.
 */

import { Logger } from '@aws-lambda-powertools/logger';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { type GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Context } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { readSecret, SECRET_MAX_AGE_SECONDS } from '../../functions/shared/aws/secrets.js';
import { systemClock } from '../../functions/shared/clock.js';
import { openCursor, sealCursor, setCursorKeyForTests } from '../../functions/shared/cursor.js';
import type { Deps } from '../../functions/shared/deps.js';
import { dutyHandler } from '../../functions/shared/duty.js';

/** A Secrets Manager client answering from a map, counting its calls. */
const stubClient = (values: Record<string, string | undefined>) => {
  const client = new SecretsManagerClient({ region: 'us-east-1' });
  const calls: string[] = [];
  client.send = (async (command: GetSecretValueCommand) => {
    const id = command.input.SecretId!;
    calls.push(id);
    return { SecretString: values[id] };
  }) as SecretsManagerClient['send'];
  return { client, calls };
};

afterEach(() => {
  vi.useRealTimers();
  setCursorKeyForTests(undefined);
});

describe('readSecret', () => {
  it('reads a secret once per cache period, then again', async () => {
    // Prepare
    const { client, calls } = stubClient({ 'arn:cursor': 'k'.repeat(64) });
    const provider = new SecretsProvider({ awsSdkV3Client: client });
    vi.useFakeTimers();
    // Act
    const first = await readSecret('arn:cursor', provider);
    const second = await readSecret('arn:cursor', provider);
    vi.advanceTimersByTime((SECRET_MAX_AGE_SECONDS + 1) * 1000);
    await readSecret('arn:cursor', provider);
    // Assess
    expect(first).toBe('k'.repeat(64));
    expect(second).toBe(first);
    expect(calls).toEqual(['arn:cursor', 'arn:cursor']);
  });

  it('refuses a secret without a string value', async () => {
    const { client } = stubClient({});
    await expect(readSecret('arn:empty', new SecretsProvider({ awsSdkV3Client: client }))).rejects.toThrow(
      /has no string value/,
    );
  });
});

describe('the cursor key in a duty', () => {
  it('is the value the loader returns at each invocation: a cursor sealed under an older key is refused', async () => {
    // Prepare
    let key = 'a'.repeat(64);
    // A schedule touches no AWS service here: the rest of the dependencies are never called.
    const deps = {
      tables: {},
      clock: systemClock,
      logger: new Logger({ serviceName: 'meta', logLevel: 'SILENT' }),
      authorityOrg: '11420300MB1A00001N',
      cursorKey: async () => key,
    } as unknown as Deps;
    const handler = dutyHandler(
      'meta',
      { schedules: { seal: async () => sealCursor({ at: 1 }, 'q') } },
      deps,
    );
    const context = { awsRequestId: 'r1', functionName: 'meta' } as Context;
    // Act
    const cursor = (await handler({ schedule: 'seal' }, context)) as string;
    // Assess
    expect(openCursor(cursor, 'q')).toEqual({ at: 1 });
    key = 'b'.repeat(64);
    await handler({ schedule: 'seal' }, context);
    expect(() => openCursor(cursor, 'q')).toThrow(/Invalid cursor/);
  });
});
