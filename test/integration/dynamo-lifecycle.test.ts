/**
 * Issue 7, kind 7: if DynamoDB Local dies, the runtime says so (npm start then stops) instead of
 * answering 500 forever; a failed start leaves no DynamoDB Local process behind.
 */
import { createServer, type Server } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startDynamoDbLocal } from '../../infra/local/dynamodb.js';
import { startLocalRuntime } from '../../infra/local/runtime.js';

const alive = (pid: number | undefined): boolean => {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const waitFor = async (ok: () => boolean, ms = 10_000) => {
  const until = Date.now() + ms;
  while (!ok() && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  return ok();
};

describe('DynamoDB Local lifecycle', () => {
  it('reports the emulator dying to the runtime, which npm start turns into a stop', async () => {
    const fatal: Error[] = [];
    const rt = await startLocalRuntime({ stage: 'life', logLevel: 'SILENT', onFatal: (e) => fatal.push(e) });
    try {
      expect(alive(rt.dynamoPid)).toBe(true);
      process.kill(rt.dynamoPid as number, 'SIGKILL');
      expect(await waitFor(() => fatal.length > 0)).toBe(true);
      expect(fatal[0]?.message).toMatch(/DynamoDB Local stopped unexpectedly/);
    } finally {
      await rt.stop();
    }
  });

  it('a deliberate stop is not reported', async () => {
    const dynamo = await startDynamoDbLocal();
    const exits: unknown[] = [];
    dynamo.onUnexpectedExit((code) => exits.push(code));
    await dynamo.stop();
    await new Promise((r) => setTimeout(r, 200));
    expect(exits).toEqual([]);
    expect(alive(dynamo.pid)).toBe(false);
  });

  it('a failed start (gateway port taken) stops the emulator it started', async () => {
    const busy: Server = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
    const port = (busy.address() as { port: number }).port;
    const before = new Set(await javaPids());
    const started = new Set<number>();
    // Watch this process's children while the start runs, to see the emulator it starts.
    const watch = setInterval(() => {
      void javaPids().then((pids) => {
        for (const pid of pids) if (!before.has(pid)) started.add(pid);
      });
    }, 100);
    try {
      await expect(startLocalRuntime({ stage: 'busy', port, logLevel: 'SILENT' })).rejects.toThrow();
      expect(started.size).toBeGreaterThan(0);
      expect(await waitFor(() => [...started].every((pid) => !alive(pid)))).toBe(true);
    } finally {
      clearInterval(watch);
      busy.close();
    }
  });
});

/** Ids of this user's DynamoDB Local processes (children of this test process only). */
const javaPids = async (): Promise<number[]> => {
  const { execFile } = await import('node:child_process');
  return new Promise((resolve) =>
    execFile('pgrep', ['-P', String(process.pid), 'java'], (_e, out) =>
      resolve(String(out).split('\n').filter(Boolean).map(Number)),
    ),
  );
};
