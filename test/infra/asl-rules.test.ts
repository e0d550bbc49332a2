/**
 * Rules every state machine definition obeys, checked on EVERY ASL file: each one in
 * `state-machines/` and each one the declaration names (wherever it lives), so a machine added by
 * another duty is held to them without touching this test.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { aslFiles, lambdaTasks, missingLambdaRetry, TRANSIENT_LAMBDA_ERRORS } from '../../infra/asl.js';
import { stateMachines } from '../../infra/system.js';

const ROOT = resolve(import.meta.dirname, '..', '..');

describe('every ASL file', () => {
  const files = aslFiles(
    ROOT,
    Object.values(stateMachines).map((m) => m.file),
  );

  it('covers the directory and the declaration', () => {
    const inDir = readdirSync(join(ROOT, 'state-machines')).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThanOrEqual(inDir.length);
    for (const m of Object.values(stateMachines)) expect(files).toContain(resolve(ROOT, m.file));
  });

  for (const file of files) {
    const name = relative(ROOT, file);
    const text = readFileSync(file, 'utf8');
    const asl = JSON.parse(text) as object;

    it(`${name}: retries every Lambda task on throttling and Lambda service errors`, () => {
      expect(lambdaTasks(asl).length).toBeGreaterThan(0);
      expect(missingLambdaRetry(asl)).toEqual([]);
    });

    it(`${name}: names no partition (arn:\${Partition}:…, substituted per stack)`, () => {
      expect(text).not.toMatch(/arn:aws(-cn|-us-gov)?:/);
    });
  }
});

describe('the retry check', () => {
  const task = (extra: object) => ({
    StartAt: 'A',
    States: {
      A: { Type: 'Task', Resource: '${XFunctionArn}', End: true, ...extra },
      P: {
        Type: 'Parallel',
        End: true,
        Branches: [
          {
            StartAt: 'B',
            States: {
              B: {
                Type: 'Task',
                Resource: 'arn:${Partition}:states:::lambda:invoke.waitForTaskToken',
                End: true,
              },
            },
          },
        ],
      },
    },
  });

  it('finds a Lambda task without a retry, also inside a Parallel branch', () => {
    expect(missingLambdaRetry(task({}))).toEqual(['A', 'B']);
  });

  it('does not count a retry that leaves out one of the transient errors', () => {
    const partial = { Retry: [{ ErrorEquals: TRANSIENT_LAMBDA_ERRORS.slice(1), MaxAttempts: 3 }] };
    expect(missingLambdaRetry(task(partial))).toContain('A');
    const zero = { Retry: [{ ErrorEquals: [...TRANSIENT_LAMBDA_ERRORS], MaxAttempts: 0 }] };
    expect(missingLambdaRetry(task(zero))).toContain('A');
    const full = { Retry: [{ ErrorEquals: [...TRANSIENT_LAMBDA_ERRORS], MaxAttempts: 3 }] };
    expect(missingLambdaRetry(task(full))).toEqual(['B']);
    const all = { Retry: [{ ErrorEquals: ['States.ALL'], MaxAttempts: 3 }] };
    expect(missingLambdaRetry(task(all))).toEqual(['B']);
  });
});
