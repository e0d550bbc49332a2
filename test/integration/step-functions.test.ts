import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  createLocalStepFunctions,
  type ExecutionRecord,
  type LocalInvoke,
  type LocalStepFunctions,
  type LocalStepFunctionsOptions,
  type LocalWorkflowEvent,
  validateDefinition,
} from '../../infra/local/step-functions.js';
import type { StateMachineDecl } from '../../infra/system.js';

const FIXTURES = resolve(import.meta.dirname, '..', 'fixtures');
const fixture = (machine: string): object =>
  JSON.parse(readFileSync(join(FIXTURES, `${machine}.asl.json`), 'utf8')) as object;

/** The fixtures, declared as infra/system.ts declares the real machines. */
const machines: Record<string, StateMachineDecl> = {
  approval: {
    file: 'test/fixtures/approval.asl.json',
    description: 'Sample approval',
    functions: ['catalog', 'meta'],
  },
  experts: {
    file: 'test/fixtures/experts.asl.json',
    description: 'Three experts score',
    functions: ['catalog'],
  },
  parallel: {
    file: 'test/fixtures/parallel.asl.json',
    description: 'Two reviews at once',
    functions: ['catalog'],
  },
  timeout: {
    file: 'test/fixtures/timeout.asl.json',
    description: 'A step that times out',
    functions: ['catalog'],
  },
};

const engines: LocalStepFunctions[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const e of engines.splice(0)) e.stop();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'local-sfn-'));
  dirs.push(d);
  return d;
};

interface Call {
  readonly fn: string;
  readonly event: Record<string, unknown>;
}

/**
 * A runtime over the fixtures with a fake `invoke`: it records every call, and its waiting steps store the
 * token they receive (as a real handler stores it with the pending decision) so the test can answer it.
 * When `decisions` already holds a decision for the entry, the step answers its own token at once, as the
 * project's human steps do when re-entered after a replay.
 */
const harness = (options: Partial<LocalStepFunctionsOptions> & { decisions?: Map<string, unknown> } = {}) => {
  const { decisions = new Map<string, unknown>(), ...rest } = options;
  const calls: Call[] = [];
  const tokens: { step: string; token: string }[] = [];
  const events: LocalWorkflowEvent[] = [];
  const invoke: LocalInvoke = async (fn, event) => {
    const e = event as Record<string, unknown>;
    calls.push({ fn, event: e });
    const token =
      typeof e.taskToken === 'string'
        ? e.taskToken
        : typeof e.token === 'string'
          ? e.token.slice('tok:'.length)
          : undefined;
    if (token) {
      tokens.push({ step: String(e.step), token });
      const decided = decisions.get(String(e.entryId));
      if (decided !== undefined) await engine.succeed(token, decided);
      return { stored: true };
    }
    if (e.step === 'explode') throw Object.assign(new Error('boom'), { name: 'ConflictError' });
    if (e.step === 'prepare') return { ready: true };
    return { done: e.step };
  };
  const engine = createLocalStepFunctions({
    invoke,
    machines,
    loadDefinition: fixture,
    onEvent: (e) => events.push(e),
    ...rest,
  });
  engines.push(engine);
  const execution = (name: string): ExecutionRecord => {
    const found = engine.executions().find((x) => x.name === name);
    if (!found) throw new Error(`no execution ${name}`);
    return found;
  };
  const tokenOf = (name: string): string => {
    const found = engine.waitingTasks().find((t) => t.execution === name);
    if (!found) throw new Error(`${name} waits for nothing`);
    return found.token;
  };
  return { engine, calls, tokens, events, decisions, execution, tokenOf };
};

const TOKEN = /^local-token-[0-9a-f-]{36}$/;
/** The placeholder an ASL file writes for a function's ARN: a literal `${CatalogFunctionArn}`, no template. */
const arnPlaceholder = (fn: string) => `\${${fn}FunctionArn}`;

describe('the sample approval machine', () => {
  it('hands the waiting step a fresh token and completes with the decision given to succeed()', async () => {
    const h = harness();
    await h.engine.start('approval', 'entry-1', { entryId: 'entry-1' });
    await h.engine.idle();

    expect(h.execution('entry-1').status).toBe('RUNNING');
    expect(h.engine.waitingTasks()).toEqual([
      {
        token: expect.stringMatching(TOKEN),
        machine: 'approval',
        execution: 'entry-1',
        state: 'AwaitDecision',
      },
    ]);
    // lambda:invoke got the Payload; the waiting step also its token and the $$.Execution fields.
    expect(h.calls.map((c) => [c.fn, c.event.step])).toEqual([
      ['catalog', 'prepare'],
      ['catalog', 'awaitDecision'],
    ]);
    expect(h.calls[1]?.event).toEqual({
      step: 'awaitDecision',
      entryId: 'entry-1',
      taskToken: h.tokenOf('entry-1'),
      execution: 'entry-1',
      executionId: 'arn:aws:states:us-east-1:000000000000:execution:approval:entry-1',
      // Every Lambda task passes the execution's correlation id (its name, when started without one).
      correlationId: 'entry-1',
    });

    await h.engine.succeed(h.tokenOf('entry-1'), { approved: true, by: 'reviewer-7' });
    await h.engine.idle();

    const done = h.execution('entry-1');
    expect(done.status).toBe('SUCCEEDED');
    expect(done.output).toEqual({
      entryId: 'entry-1',
      correlationId: 'entry-1',
      prepared: { ready: true, status: 200 },
      decision: { approved: true, by: 'reviewer-7' },
      published: { done: 'publish' },
    });
    expect(done.stoppedAt).toBeDefined();
    // The direct-ARN Task ran the other declared function with its Parameters as the event.
    expect(h.calls[2]).toEqual({
      fn: 'meta',
      event: { step: 'publish', entryId: 'entry-1', correlationId: 'entry-1' },
    });
    expect(h.engine.waitingTasks()).toEqual([]);
  });

  it('counts the transitions and handler calls of a whole run', async () => {
    const h = harness();
    await h.engine.start('approval', 'approved', { entryId: 'approved' });
    await h.engine.idle();
    await h.engine.succeed(h.tokenOf('approved'), { approved: true });
    await h.engine.start('approval', 'rejected', { entryId: 'rejected' });
    await h.engine.idle();
    await h.engine.fail(h.tokenOf('rejected'), 'Rejected', 'Licence missing');
    await h.engine.idle();

    // Prepare, AwaitDecision, Decide, Publish, Done; three handler calls.
    expect(h.execution('approved').stats).toEqual({ transitions: 5, taskInvocations: 3 });
    // Prepare, AwaitDecision, Rejected; two handler calls.
    expect(h.execution('rejected').stats).toEqual({ transitions: 3, taskInvocations: 2 });
  });

  it('gives concurrent executions distinct tokens, each answering its own execution', async () => {
    const h = harness();
    await h.engine.start('approval', 'a', { entryId: 'a' });
    await h.engine.start('approval', 'b', { entryId: 'b' });
    await h.engine.idle();

    const [first, second] = h.tokens;
    expect(h.tokens).toHaveLength(2);
    expect(first?.token).not.toBe(second?.token);

    await h.engine.succeed(h.tokenOf('b'), { approved: true });
    await h.engine.succeed(h.tokenOf('a'), { approved: false });
    await h.engine.idle();

    expect(h.execution('b')).toMatchObject({
      status: 'SUCCEEDED',
      output: { entryId: 'b', decision: { approved: true } },
    });
    expect(h.execution('a')).toMatchObject({
      status: 'FAILED',
      error: 'NotApproved',
      cause: 'The reviewer did not approve',
    });
  });

  it('lets a Catch on ErrorEquals ["Rejected"] catch fail(token, "Rejected", cause)', async () => {
    const h = harness();
    await h.engine.start('approval', 'e', { entryId: 'e' });
    await h.engine.idle();
    await h.engine.fail(h.tokenOf('e'), 'Rejected', 'Licence missing');
    await h.engine.idle();

    expect(h.execution('e')).toMatchObject({
      status: 'SUCCEEDED',
      output: { outcome: 'rejected', entryId: 'e', reason: 'Licence missing' },
    });
  });

  it('fails the execution with the error and cause of an uncaught fail()', async () => {
    const h = harness();
    await h.engine.start('approval', 'e', { entryId: 'e' });
    await h.engine.idle();
    await h.engine.fail(h.tokenOf('e'), 'Withdrawn', 'By the provider');
    await h.engine.idle();

    expect(h.execution('e')).toMatchObject({
      status: 'FAILED',
      error: 'Withdrawn',
      cause: 'By the provider',
    });
  });

  it('refuses a token answered twice, an unknown token and a malformed one', async () => {
    const h = harness();
    await h.engine.start('approval', 'e', { entryId: 'e' });
    await h.engine.idle();
    const token = h.tokenOf('e');
    await h.engine.succeed(token, { approved: true });

    await expect(h.engine.succeed(token, { approved: false })).rejects.toMatchObject({
      name: 'TaskTimedOut',
    });
    await expect(h.engine.fail(token, 'Rejected', 'late')).rejects.toMatchObject({ name: 'TaskTimedOut' });
    await expect(h.engine.succeed(`local-token-${randomUUID()}`, {})).rejects.toMatchObject({
      name: 'TaskDoesNotExist',
    });
    await expect(h.engine.fail('not-a-token', 'X', 'y')).rejects.toMatchObject({ name: 'InvalidToken' });

    await h.engine.idle();
    expect(h.execution('e').status).toBe('SUCCEEDED');
  });

  it('returns from start() before the first step runs, and starts a name only once', async () => {
    const h = harness();
    await h.engine.start('approval', 'once', { entryId: 'once' });
    expect(h.calls).toEqual([]);
    expect(h.execution('once').status).toBe('RUNNING');

    await h.engine.start('approval', 'once', { entryId: 'once' });
    await h.engine.start('approval', 'once', { entryId: 'other input' });
    await h.engine.idle();

    expect(h.engine.executions()).toHaveLength(1);
    expect(h.calls.filter((c) => c.event.step === 'prepare')).toHaveLength(1);
    expect(h.events.filter((e) => e.type === 'ExecutionAlreadyExists')).toHaveLength(1);
  });

  it('refuses machines that are not declared and invalid execution names', async () => {
    const h = harness();
    await expect(h.engine.start('nope', 'x', {})).rejects.toMatchObject({ name: 'StateMachineDoesNotExist' });
    await expect(h.engine.start('approval', 'a:b', {})).rejects.toMatchObject({ name: 'InvalidName' });
  });
});

describe('Map and Parallel', () => {
  it('gives each Map iteration its own token and completes only when all three experts answered', async () => {
    const h = harness();
    await h.engine.start('experts', 'entry-9', { entryId: 'entry-9', experts: ['ana', 'bo', 'chen'] });
    await h.engine.idle();

    const waiting = h.engine.waitingTasks();
    expect(waiting).toHaveLength(3);
    expect(new Set(waiting.map((w) => w.token)).size).toBe(3);
    expect(waiting.every((w) => w.state === 'AwaitScore' && w.execution === 'entry-9')).toBe(true);
    const tokenFor = (expert: string) => {
      const i = h.calls.findIndex((c) => c.event.expert === expert);
      return String(h.calls[i]?.event.taskToken);
    };
    expect(h.calls.map((c) => c.event.entryId)).toEqual(['entry-9', 'entry-9', 'entry-9']);

    await h.engine.succeed(tokenFor('chen'), { score: 8 });
    await h.engine.succeed(tokenFor('ana'), { score: 7 });
    await h.engine.idle();
    expect(h.execution('entry-9').status).toBe('RUNNING');
    expect(h.engine.waitingTasks()).toHaveLength(1);

    await h.engine.succeed(tokenFor('bo'), { score: 9 });
    await h.engine.idle();
    // Results in item order, whatever the order of the answers.
    expect(h.execution('entry-9')).toMatchObject({
      status: 'SUCCEEDED',
      output: { entryId: 'entry-9', scores: [7, 9, 8] },
    });
    // Score, three AwaitScore, Summarize.
    expect(h.execution('entry-9').stats).toEqual({ transitions: 5, taskInvocations: 3 });
  });

  it('waits for both Parallel branches, tokens placed inside strings included', async () => {
    const h = harness();
    await h.engine.start('parallel', 'p', {});
    await h.engine.idle();

    expect(
      h.engine
        .waitingTasks()
        .map((w) => w.state)
        .sort(),
    ).toEqual(['AwaitLegal', 'AwaitTechnical']);
    const technical = h.calls.find((c) => c.event.step === 'awaitTechnical');
    expect(technical?.event.token).toMatch(/^tok:local-token-/);

    await h.engine.succeed(h.tokenOf('p'), { ok: 'first answer' });
    await h.engine.idle();
    expect(h.execution('p').status).toBe('RUNNING');
    await h.engine.succeed(h.tokenOf('p'), { ok: 'second answer' });
    await h.engine.idle();

    const out = h.execution('p');
    expect(out.status).toBe('SUCCEEDED');
    expect(out.output).toEqual(
      expect.objectContaining({ legal: expect.any(Object), technical: expect.any(Object) }),
    );
  });

  it('closes the other branch’s token when a Parallel branch fails the execution', async () => {
    const h = harness();
    await h.engine.start('parallel', 'p', {});
    await h.engine.idle();
    const [legal, technical] = ['AwaitLegal', 'AwaitTechnical'].map(
      (s) => h.engine.waitingTasks().find((w) => w.state === s)?.token ?? '',
    );

    await h.engine.fail(legal ?? '', 'Refused', 'Not lawful');
    await h.engine.idle();

    expect(h.execution('p')).toMatchObject({ status: 'FAILED', error: 'Refused', cause: 'Not lawful' });
    expect(h.engine.waitingTasks()).toEqual([]);
    await expect(h.engine.succeed(technical ?? '', {})).rejects.toMatchObject({ name: 'TaskTimedOut' });
  });
});

describe('timeouts', () => {
  it('does not fire a TimeoutSeconds longer than a Node timer can hold (24.8 days) early', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    try {
      // approval: 30 days on the waiting step, a year for the execution.
      expect((fixture('approval') as { TimeoutSeconds: number }).TimeoutSeconds * 1000).toBeGreaterThan(
        2 ** 31 - 1,
      );
      const h = harness();
      await h.engine.start('approval', 'slow', { entryId: 'slow' });
      await h.engine.idle();
      await new Promise((r) => setTimeout(r, 150));

      expect(h.execution('slow').status).toBe('RUNNING');
      expect(h.engine.waitingTasks()).toHaveLength(1);
      expect(warnings).not.toContain('TimeoutOverflowWarning');

      await h.engine.succeed(h.tokenOf('slow'), { approved: true });
      await h.engine.idle();
      expect(h.execution('slow').status).toBe('SUCCEEDED');
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('still fires a short TimeoutSeconds, which Catch can handle, and closes the token', async () => {
    const h = harness();
    await h.engine.start('timeout', 't', {});
    await h.engine.idle();
    const token = h.tokenOf('t');

    await vi.waitFor(() => expect(h.execution('t').status).toBe('SUCCEEDED'), {
      timeout: 3000,
      interval: 50,
    });
    expect(h.execution('t').output).toEqual({ timedOut: true, error: 'States.Timeout' });
    expect(h.engine.waitingTasks()).toEqual([]);
    await expect(h.engine.succeed(token, {})).rejects.toMatchObject({ name: 'TaskTimedOut' });
  });
});

describe('persistence and recovery', () => {
  it('resumes an execution that was waiting when the runtime stopped', async () => {
    const dataDir = tempDir();
    const before = harness({ dataDir });
    await before.engine.start('approval', 'entry-5', { entryId: 'entry-5' });
    await before.engine.idle();
    const oldToken = before.tokenOf('entry-5');
    before.engine.stop();

    const file = JSON.parse(readFileSync(join(dataDir, 'executions.json'), 'utf8')) as {
      executions: ExecutionRecord[];
    };
    expect(file.executions).toMatchObject([{ name: 'entry-5', machine: 'approval', status: 'RUNNING' }]);

    const after = harness({ dataDir });
    expect(after.execution('entry-5')).toMatchObject({ status: 'RUNNING', input: { entryId: 'entry-5' } });
    expect(after.engine.waitingTasks()).toEqual([]);
    await expect(after.engine.succeed(oldToken, { approved: true })).rejects.toMatchObject({
      name: 'TaskDoesNotExist',
    });

    expect(await after.engine.recover()).toBe(1);
    await after.engine.idle();
    // Replayed from the start: the idempotent first step ran again, the waiting step has a new token.
    expect(after.calls.map((c) => c.event.step)).toEqual(['prepare', 'awaitDecision']);
    const newToken = after.tokenOf('entry-5');
    expect(newToken).not.toBe(oldToken);

    await after.engine.succeed(newToken, { approved: true });
    await after.engine.idle();
    expect(after.execution('entry-5')).toMatchObject({
      status: 'SUCCEEDED',
      output: { decision: { approved: true } },
    });
    // Both runs counted: 2 transitions before the stop, 5 in the replay.
    expect(after.execution('entry-5').stats).toEqual({ transitions: 7, taskInvocations: 5 });

    const saved = JSON.parse(readFileSync(join(dataDir, 'executions.json'), 'utf8')) as {
      executions: ExecutionRecord[];
    };
    expect(saved.executions).toMatchObject([{ name: 'entry-5', status: 'SUCCEEDED' }]);
    expect(existsSync(join(dataDir, `executions.json.${process.pid}.tmp`))).toBe(false);
    expect(await after.engine.recover()).toBe(0);
  });

  it('lets a replayed human step answer itself from a decision recorded before the restart', async () => {
    const dataDir = tempDir();
    const decisions = new Map<string, unknown>();
    const before = harness({ dataDir, decisions });
    await before.engine.start('approval', 'entry-6', { entryId: 'entry-6' });
    await before.engine.idle();
    // The decision reached the database, but the process stopped before the token was answered.
    decisions.set('entry-6', { approved: true, by: 'reviewer-1' });
    before.engine.stop();

    const after = harness({ dataDir, decisions });
    await after.engine.recover();
    await after.engine.idle();

    expect(after.execution('entry-6')).toMatchObject({
      status: 'SUCCEEDED',
      output: { decision: { approved: true, by: 'reviewer-1' } },
    });
  });

  it('fails a recovered execution whose machine is no longer declared', async () => {
    const dataDir = tempDir();
    const record: ExecutionRecord = {
      name: 'orphan',
      machine: 'retired',
      input: {},
      status: 'RUNNING',
      startedAt: new Date().toISOString(),
      stats: { transitions: 1, taskInvocations: 1 },
    };
    writeFileSync(join(dataDir, 'executions.json'), JSON.stringify({ version: 1, executions: [record] }));
    const h = harness({ dataDir });

    expect(await h.engine.recover()).toBe(0);
    expect(h.execution('orphan')).toMatchObject({ status: 'FAILED', error: 'StateMachineDoesNotExist' });
  });

  it('records an execution stopped on request as ABORTED and closes its token', async () => {
    const h = harness({ dataDir: tempDir() });
    await h.engine.start('approval', 'e', { entryId: 'e' });
    await h.engine.idle();
    const token = h.tokenOf('e');

    await h.engine.stopExecution('approval', 'e', { error: 'Withdrawn', cause: 'Entry deleted' });
    await h.engine.idle();

    expect(h.execution('e')).toMatchObject({ status: 'ABORTED', error: 'Withdrawn', cause: 'Entry deleted' });
    await expect(h.engine.succeed(token, {})).rejects.toMatchObject({ name: 'TaskTimedOut' });
  });
});

describe('robustness', () => {
  const single = (step: string) => ({
    StartAt: 'Work',
    States: {
      Work: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: { FunctionName: arnPlaceholder('Catalog'), Payload: { step } },
        End: true,
      },
    },
  });
  const oneMachine = {
    one: { file: 'unused', description: 'inline', functions: ['catalog'] },
  } satisfies Record<string, StateMachineDecl>;

  it('records a handler error as FAILED with its name and message, and keeps running', async () => {
    const h = harness({ machines: oneMachine, loadDefinition: () => single('explode') });
    await h.engine.start('one', 'x', {});
    await h.engine.idle();

    const failed = h.execution('x');
    expect(failed).toMatchObject({ status: 'FAILED', error: 'ConflictError' });
    expect(JSON.parse(failed.cause ?? '')).toEqual({ errorType: 'ConflictError', errorMessage: 'boom' });

    await h.engine.start('one', 'y', {});
    await h.engine.idle();
    expect(h.execution('y').status).toBe('FAILED');
  });

  it('refuses a machine with the same state name in two places', async () => {
    const def = {
      StartAt: 'Work',
      States: {
        Work: { Type: 'Pass', Next: 'Both' },
        Both: {
          Type: 'Parallel',
          End: true,
          Branches: [{ StartAt: 'Work', States: { Work: { Type: 'Pass', End: true } } }],
        },
      },
    };
    const h = harness({ machines: oneMachine, loadDefinition: () => def });
    await expect(h.engine.start('one', 'x', {})).rejects.toThrow(/two states named "Work"/);
  });

  it('refuses a placeholder for a function the machine does not declare', async () => {
    const def = {
      ...single('x'),
      States: { Work: { ...single('x').States.Work, Resource: arnPlaceholder('Meta') } },
    };
    const h = harness({ machines: oneMachine, loadDefinition: () => def });
    await expect(h.engine.start('one', 'x', {})).rejects.toThrow(/MetaFunctionArn/);
  });

  it('reads the declared file from the repository root by default', async () => {
    const h = harness({ loadDefinition: undefined });
    await h.engine.start('parallel', 'p', {});
    await h.engine.idle();
    expect(h.engine.waitingTasks()).toHaveLength(2);
  });
});

describe('validateDefinition', () => {
  it('accepts the fixtures, placeholders and all', () => {
    for (const m of Object.keys(machines)) expect(validateDefinition(fixture(m)), m).toEqual([]);
  });

  it('lists what would not run', () => {
    expect(
      validateDefinition({ StartAt: 'A', States: { A: { Type: 'Pass', Next: 'Missing' } } }),
    ).not.toEqual([]);
    const task = (extra: object) => ({
      StartAt: 'A',
      States: { A: { Type: 'Task', End: true, ...extra } },
    });
    expect(
      validateDefinition(task({ Resource: 'arn:aws:states:::dynamodb:putItem', Parameters: {} })),
    ).toEqual([expect.stringMatching(/not supported locally/)]);
    expect(
      validateDefinition(
        task({
          Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
          Parameters: {
            FunctionName: arnPlaceholder('Catalog'),
            Payload: { 'taskToken.$': '$$.Task.Token' },
          },
        }),
      ),
    ).toEqual([expect.stringMatching(/without TimeoutSeconds/)]);
  });
});
