/**
 * The local Step Functions runtime: runs the state machines declared in infra/system.ts in this process,
 * with the `aws-local-stepfunctions` interpreter, and every Lambda Task calling our own handlers through
 * the `invoke` function it is given (no AWS, no network).
 *
 * What the interpreter lacks and this file adds:
 * - Task tokens. `.waitForTaskToken` steps receive a fresh token (`local-token-<uuid>`) in their payload
 *   and wait until `succeed(token, output)` or `fail(token, error, cause)` is called, as with
 *   SendTaskSuccess / SendTaskFailure.
 * - The optimised Lambda integration (`arn:aws:states:::lambda:invoke`), answered `{ Payload, StatusCode }`.
 * - Execution records (status, output, error, cost counters), persisted with `dataDir`.
 *
 * RESTARTS. Execution state lives in this process only; the records on disk say which executions were
 * RUNNING when the process stopped, and `recover()` runs each of them again FROM THE START with its
 * original input. That is correct because of a project convention every state machine must follow:
 *   1. every step a state machine calls is idempotent (running it twice has the effect of running it once);
 *   2. every human step (a `.waitForTaskToken` step), when entered again after its decision was already
 *      recorded, answers its own (new) token immediately from the stored decision.
 * So a replay re-runs the finished steps harmlessly and stops at the step that was waiting, which gets a
 * new token. Tokens are not persisted: answering a token handed out before the restart fails with
 * `TaskDoesNotExist`, so a handler must record the decision BEFORE answering the token (the replay then
 * answers the new token from the record).
 *
 * Known differences from AWS Step Functions (acceptable for local runs, documented here once):
 * - Node timers cannot exceed 2^31-1 ms (about 24.8 days): a longer timeout would fire after 1 ms with a
 *   TimeoutOverflowWarning. Task and execution `TimeoutSeconds` above that are clamped to it in the copy
 *   of the definition that runs locally. `TimeoutSecondsPath` values are read at run time and NOT
 *   clamped; `HeartbeatSeconds` is not enforced.
 * - A `.waitForTaskToken` Task without a timeout waits as in AWS (whose default is 99999999 s), clamped
 *   likewise; the interpreter would otherwise fail it after 60 s. Other Tasks keep the interpreter's 60 s
 *   default, which stands in for the Lambda function's own timeout.
 * - An execution that times out is recorded FAILED with error `States.Timeout` (AWS: TIMED_OUT).
 * - `$$.Execution.StartTime` is the time of the current (possibly replayed) run, and inside Map
 *   iterations and Parallel branches `$$.Execution.Input` is the iteration's or branch's input
 *   (interpreter limitations).
 * - When a Parallel branch or Map iteration fails, its still waiting siblings keep their tokens until the
 *   execution ends (AWS closes them at once).
 * - Task state names must be unique across the whole machine, nested ones included, because the
 *   interpreter overrides Tasks by name.
 * - A Distributed Map (`ItemProcessor.ProcessorConfig.Mode: DISTRIBUTED`) runs its items in this process
 *   like an inline Map, over the array its `ItemsPath` names, honouring `ItemSelector` and
 *   `MaxConcurrency`; each item counts as one child execution in the stats (`childExecutions`), as AWS
 *   starts one. `ItemReader` (S3), `ItemBatcher`, `ResultWriter` and tolerated failures are refused by
 *   validation: a machine that needs them cannot run locally (the evaluation cycle pre-batches its
 *   items in a Lambda step instead).
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  ExecutionAbortedError,
  ExecutionError,
  ExecutionTimeoutError,
  type RunOptions,
  StateMachine,
  type StateMachineDefinition,
} from 'aws-local-stepfunctions';
import { withCorrelation } from '../../functions/shared/context.js';
import type { WorkflowEngine } from '../../functions/shared/deps.js';
import { withCorrelationParameter } from '../asl.js';
import {
  type FunctionName,
  functionArnPlaceholder,
  PARTITION_PLACEHOLDER,
  type StateMachineDecl,
  stateMachines,
} from '../system.js';

/** Runs one of our Lambda handlers in-process, as Lambda would. */
export type LocalInvoke = (fn: FunctionName, event: unknown) => Promise<unknown>;

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED';

export interface ExecutionStats {
  /** States entered, retries included (what AWS bills as state transitions). */
  transitions: number;
  /** Handler calls made by Task states. */
  taskInvocations: number;
  /** Child executions started by Distributed Map states (one per item); absent when there were none. */
  childExecutions?: number;
}

export interface ExecutionRecord {
  readonly name: string;
  readonly machine: string;
  readonly input: unknown;
  status: ExecutionStatus;
  /** ISO 8601. */
  readonly startedAt: string;
  stoppedAt?: string;
  output?: unknown;
  error?: string;
  cause?: string;
  /** Counted over every run of the execution, replays included (a run cut short by a crash, not by stop(), is lost). */
  stats: ExecutionStats;
}

export interface WaitingTask {
  readonly token: string;
  readonly machine: string;
  readonly execution: string;
  readonly state: string;
}

/**
 * What happens inside the runtime, for logs: the interpreter's events (`ExecutionStarted`, `StateEntered`,
 * `StateFailed`, `MapIterationStarted`, …) and this runtime's own: `TaskWaiting`, `TaskSucceeded`,
 * `TaskFailed`, `TaskTimedOut`, `ExecutionRecovered`, `ExecutionRecorded` (final status written),
 * `ExecutionAlreadyExists` (same name, other input) and `RuntimeError` (a failure of the runtime itself,
 * e.g. writing the records).
 */
export interface LocalWorkflowEvent {
  readonly type: string;
  readonly machine: string;
  readonly execution: string;
  readonly state?: string;
  readonly token?: string;
  /** With `ExecutionRecorded`: the final status written to the record. */
  readonly status?: ExecutionStatus;
  readonly error?: string;
  readonly cause?: string;
}

export interface LocalStepFunctionsOptions {
  invoke: LocalInvoke;
  /** Folder to persist executions (`executions.json`); omit for memory only. */
  dataDir?: string;
  /** The declared state machines; default `stateMachines` of infra/system.ts (tests pass their own). */
  machines?: Readonly<Record<string, StateMachineDecl>>;
  /** ASL lookup, with `${<Name>FunctionArn}` placeholders still in; default: read decl.file from the repo root. */
  loadDefinition?: (machine: string) => object;
  onEvent?: (e: LocalWorkflowEvent) => void;
  /** Clock for startedAt/stoppedAt; default the system clock. */
  now?: () => Date;
}

export interface LocalStepFunctions extends WorkflowEngine {
  /** Re-runs every execution that was RUNNING when the process stopped (from the persisted record). */
  recover(): Promise<number>;
  /** Like AWS StopExecution: aborts a running execution and records it ABORTED. */
  stopExecution(machine: string, name: string, details?: { error?: string; cause?: string }): Promise<void>;
  /** Every known execution, oldest first (copies). */
  executions(): ExecutionRecord[];
  /** Tokens handed out and not answered yet. */
  waitingTasks(): WaitingTask[];
  /** Loads and compiles every declared machine (throws if one cannot run); returns their names. */
  machineNames(): string[];
  /** Resolves when no execution is running except those waiting on a task token. */
  idle(): Promise<void>;
  /** Aborts running executions without marking them finished on disk (so recover() resumes them). */
  stop(): void;
}

// ---------------------------------------------------------------------------------------------------
// Names and limits shared with AWS

const REGION = 'us-east-1';
const ACCOUNT = '000000000000';
export const localFunctionArn = (fn: string): string => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${fn}`;
const stateMachineArn = (machine: string) => `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${machine}`;
const executionArn = (machine: string, name: string) =>
  `arn:aws:states:${REGION}:${ACCOUNT}:execution:${machine}:${name}`;

/** `${Partition}` in an ASL file is the AWS partition (`aws`, `aws-cn`); the local runtime is `aws`. */
const withLocalPartition = (text: string): string => text.replaceAll(`\${${PARTITION_PLACEHOLDER}}`, 'aws');
const LAMBDA_INVOKE = 'arn:aws:states:::lambda:invoke';
const LAMBDA_CALLBACK = 'arn:aws:states:::lambda:invoke.waitForTaskToken';
const LAMBDA_ARN = /^arn:aws:lambda:[^:]+:\d{12}:function:([^:]+)(?::[^:]+)?$/;
/** FunctionName of lambda:invoke: a name, a full ARN or a partial ARN, each optionally qualified. */
const FUNCTION_REF = /^(?:arn:aws:lambda:[^:]+:\d{12}:function:|\d{12}:function:)?([^:]+)(?::[^:]+)?$/;

/** The longest delay a Node timer accepts, in whole seconds (2^31-1 ms, about 24.8 days). */
export const MAX_LOCAL_TIMEOUT_SECONDS = Math.floor((2 ** 31 - 1) / 1000);
/** What AWS uses for a Task without TimeoutSeconds. */
const AWS_DEFAULT_TASK_TIMEOUT_SECONDS = 99_999_999;

const TOKEN_PREFIX = 'local-token-';
const TOKEN_FORMAT = /^local-token-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** AWS StartExecution rejects names longer than 80, with these characters or with control characters. */
const INVALID_NAME_CHARS = /[\s<>{}[\]?*"#%\\^|~`$&,;:/]/;
const isValidName = (name: string): boolean =>
  name.length > 0 &&
  name.length <= 80 &&
  !INVALID_NAME_CHARS.test(name) &&
  [...name].every((c) => {
    const code = c.charCodeAt(0);
    return code > 0x1f && (code < 0x7f || code > 0x9f);
  });

/** Closed executions kept in executions.json, newest first (running ones are always kept; memory keeps all). */
const MAX_FINISHED_RECORDS = 200;
/** Answered or expired tokens remembered, to tell "answered twice" from "never existed". */
const MAX_CLOSED_TOKENS = 10_000;

const REPO_ROOT = resolve(import.meta.dirname, '..', '..');

/** An Error whose `name` is an AWS error code; the interpreter matches Retry/Catch `ErrorEquals` on `name`. */
const namedError = (name: string, message: string): Error => {
  const e = new Error(message);
  e.name = name;
  return e;
};

/** Values cross a JSON boundary in AWS (events, outputs); copying through JSON keeps local runs honest. */
const jsonCopy = (v: unknown): JsonValue =>
  v === undefined ? null : (JSON.parse(JSON.stringify(v)) as JsonValue);

// ---------------------------------------------------------------------------------------------------
// Definitions: loading, checking, adapting for local timers

type JsonValue = Parameters<StateMachine['run']>[0];
type TaskHandlers = NonNullable<NonNullable<RunOptions['overrides']>['taskResourceLocalHandlers']>;

interface AslState {
  Type: string;
  Resource?: string;
  Parameters?: Record<string, unknown>;
  TimeoutSeconds?: number;
  TimeoutSecondsPath?: string;
  Branches?: AslMachine[];
  ItemProcessor?: AslMachine;
  Iterator?: AslMachine;
  [other: string]: unknown;
}

interface AslMachine {
  StartAt: string;
  States: Record<string, AslState>;
  TimeoutSeconds?: number;
  [other: string]: unknown;
}

/** Every state of a machine, nested ones (Parallel branches, Map processors) included. */
const allStates = (machine: AslMachine): [string, AslState][] =>
  Object.entries(machine.States ?? {}).flatMap(([name, state]) => [
    [name, state] as [string, AslState],
    ...(state.Branches ?? []).flatMap(allStates),
    ...[state.ItemProcessor ?? state.Iterator].filter((m): m is AslMachine => !!m).flatMap(allStates),
  ]);

/** Fields of a Distributed Map this runtime cannot honour (see the file comment). */
const UNSUPPORTED_DISTRIBUTED = [
  'ItemReader',
  'ItemBatcher',
  'ResultWriter',
  'ToleratedFailurePercentage',
  'ToleratedFailureCount',
];

const isDistributedMap = (state: AslState): boolean =>
  state.Type === 'Map' &&
  (state.ItemProcessor as { ProcessorConfig?: { Mode?: string } } | undefined)?.ProcessorConfig?.Mode ===
    'DISTRIBUTED';

/** Why a Map state cannot run locally, or undefined. */
const mapProblem = (name: string, state: AslState): string | undefined => {
  if (!isDistributedMap(state)) return undefined;
  const unsupported = UNSUPPORTED_DISTRIBUTED.filter((f) => state[f] !== undefined);
  if (unsupported.length) {
    return `Distributed Map "${name}" uses ${unsupported.join(', ')}, which the local runtime does not support: give it its items through ItemsPath`;
  }
  if (state.ItemsPath === undefined) {
    return `Distributed Map "${name}" has no ItemsPath: locally its items must come from the state input`;
  }
  return undefined;
};

/** How this runtime performs one Task state. */
type TaskPlan =
  | { readonly kind: 'function'; readonly fn: string }
  | { readonly kind: 'invoke' }
  | { readonly kind: 'callback'; readonly timeoutSeconds: number | undefined };

/** The plan for a Task, or an error message if this runtime cannot run it. */
const planTask = (name: string, state: AslState): TaskPlan | string => {
  const resource = state.Resource ?? '';
  const direct = LAMBDA_ARN.exec(resource);
  if (direct?.[1]) return { kind: 'function', fn: direct[1] };
  if (resource === LAMBDA_INVOKE) return { kind: 'invoke' };
  if (resource === LAMBDA_CALLBACK) {
    if (!JSON.stringify(state.Parameters ?? {}).includes('$$.Task.Token')) {
      return `Task "${name}" waits for a task token but its Parameters never pass $$.Task.Token: nobody could answer it`;
    }
    return { kind: 'callback', timeoutSeconds: state.TimeoutSeconds };
  }
  return `Task "${name}": resource "${resource}" is not supported locally (use a Lambda function ARN, ${LAMBDA_INVOKE} or ${LAMBDA_CALLBACK})`;
};

/** The function a lambda:invoke FunctionName names, if it is given literally in the definition. */
const literalFunctionName = (state: AslState): string | undefined => {
  const ref = state.Parameters?.FunctionName;
  return typeof ref === 'string' ? FUNCTION_REF.exec(ref)?.[1] : undefined;
};

/**
 * The copy of a definition that runs locally: timeouts Node cannot time are clamped (see the file
 * comment), and waiting Tasks get AWS's default timeout instead of the interpreter's 60 s.
 */
const forLocalTimers = (def: AslMachine): AslMachine => {
  const copy = structuredClone(def);
  const clamp = (s: number) => Math.min(s, MAX_LOCAL_TIMEOUT_SECONDS);
  if (copy.TimeoutSeconds !== undefined) copy.TimeoutSeconds = clamp(copy.TimeoutSeconds);
  for (const [, state] of allStates(copy)) {
    if (state.Type !== 'Task') continue;
    if (state.TimeoutSeconds !== undefined) state.TimeoutSeconds = clamp(state.TimeoutSeconds);
    else if (state.Resource === LAMBDA_CALLBACK && state.TimeoutSecondsPath === undefined) {
      state.TimeoutSeconds = clamp(AWS_DEFAULT_TASK_TIMEOUT_SECONDS);
    }
  }
  return copy;
};

/** The messages of the interpreter's validation error (its first line is a heading). */
const validationMessages = (e: unknown): string[] =>
  String((e as Error).message ?? e)
    .split('\n')
    .slice(1)
    .map((l) => l.trim())
    .filter(Boolean);

/** The interpreter's own validation (asl-validator, run by its constructor), as a list of messages. */
const interpreterErrors = (def: object): string[] => {
  try {
    // The validator adds fields to the object it checks: give it a copy.
    new StateMachine(structuredClone(def) as StateMachineDefinition);
    return [];
  } catch (e) {
    return validationMessages(e);
  }
};

/**
 * Problems that would stop a definition from running (in AWS or in this runtime); `[]` when it is fine.
 * Accepts a definition with or without its `${<Name>FunctionArn}` placeholders substituted.
 */
export function validateDefinition(def: object): string[] {
  const text = withLocalPartition(JSON.stringify(def)).replace(
    /\$\{(\w+)FunctionArn\}/g,
    (_m, name: string) => localFunctionArn(name),
  );
  const machine = JSON.parse(text) as AslMachine;
  const errors = interpreterErrors(machine);
  if (errors.length) return errors;
  for (const [name, state] of allStates(machine)) {
    const map = mapProblem(name, state);
    if (map) errors.push(map);
    if (state.Type !== 'Task') continue;
    const plan = planTask(name, state);
    if (typeof plan === 'string') errors.push(plan);
    else if (
      plan.kind === 'callback' &&
      state.TimeoutSeconds === undefined &&
      state.TimeoutSecondsPath === undefined
    ) {
      errors.push(
        `Task "${name}" waits for a task token without TimeoutSeconds: AWS would wait up to a year`,
      );
    }
  }
  return errors;
}

interface CompiledMachine {
  readonly name: string;
  readonly decl: StateMachineDecl;
  readonly stateMachine: StateMachine;
  readonly tasks: ReadonlyMap<string, TaskPlan>;
  /** Map states in DISTRIBUTED mode (their items count as child executions). */
  readonly distributedMaps: ReadonlySet<string>;
}

/** Loads a declared machine's ASL and prepares it to run; throws on anything that could not run. */
const compileMachine = (name: string, decl: StateMachineDecl, raw: object): CompiledMachine => {
  // Placeholders are substituted in the text, as CloudFormation's DefinitionSubstitutions do.
  // aws-local-stepfunctions gives a Map iteration its item as $$.Execution.Input (AWS keeps the
  // execution's input there): locally the correlation id is read from a context field set per run.
  let text = withLocalPartition(JSON.stringify(withCorrelationParameter(raw))).replaceAll(
    '$$.Execution.Input.correlationId',
    () => '$$.Execution.CorrelationId',
  );
  for (const fn of decl.functions) {
    text = text.replaceAll(`\${${functionArnPlaceholder(fn)}}`, localFunctionArn(fn));
  }
  const missing = /\$\{(\w+FunctionArn)\}/.exec(text);
  if (missing) {
    throw new Error(
      `State machine ${name} uses \${${missing[1]}}, but that function is not in its declared functions (infra/system.ts)`,
    );
  }
  // Plans are read from the local copy, so waiting Tasks know their clamped timeout.
  const def = forLocalTimers(JSON.parse(text) as AslMachine);

  const seen = new Set<string>();
  const tasks = new Map<string, TaskPlan>();
  const distributedMaps = new Set<string>();
  const declared = new Set<string>(decl.functions);
  for (const [stateName, state] of allStates(def)) {
    if (seen.has(stateName)) {
      throw new Error(
        `State machine ${name} has two states named "${stateName}": the local runtime needs state names unique across the whole machine, Parallel branches and Map processors included`,
      );
    }
    seen.add(stateName);
    const map = mapProblem(stateName, state);
    if (map) throw new Error(`State machine ${name}: ${map}`);
    if (isDistributedMap(state)) distributedMaps.add(stateName);
    if (state.Type !== 'Task') continue;
    const plan = planTask(stateName, state);
    if (typeof plan === 'string') throw new Error(`State machine ${name}: ${plan}`);
    const fn = plan.kind === 'function' ? plan.fn : literalFunctionName(state);
    if (fn !== undefined && !declared.has(fn)) {
      throw new Error(
        `State machine ${name}: Task "${stateName}" calls function ${fn}, which is not in its declared functions`,
      );
    }
    tasks.set(stateName, plan);
  }

  try {
    // The constructor validates the definition (and may add fields to it: `def` is our own copy).
    return {
      name,
      decl,
      stateMachine: new StateMachine(def as StateMachineDefinition),
      tasks,
      distributedMaps,
    };
  } catch (e) {
    throw new Error(`State machine ${name} is invalid:\n${validationMessages(e).join('\n')}`);
  }
};

// ---------------------------------------------------------------------------------------------------
// Persistence

interface StoredExecutions {
  readonly version: 1;
  readonly executions: ExecutionRecord[];
}

const loadRecords = (file: string | undefined): ExecutionRecord[] => {
  if (!file || !existsSync(file)) return [];
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as StoredExecutions).executions;
  } catch (e) {
    throw new Error(
      `Cannot read the local workflow executions in ${file} (fix or delete the file): ${(e as Error).message}`,
    );
  }
};

/** Writes the whole file at once (temporary file, then rename) so a crash never leaves half a file. */
const saveRecords = (file: string, records: readonly ExecutionRecord[]) => {
  const tmp = `${file}.${process.pid}.tmp`;
  const stored: StoredExecutions = { version: 1, executions: [...records] };
  writeFileSync(tmp, JSON.stringify(stored));
  renameSync(tmp, file);
};

// ---------------------------------------------------------------------------------------------------
// The runtime

/** One execution running in this process. */
interface ActiveRun {
  readonly key: string;
  readonly record: ExecutionRecord;
  readonly compiled: CompiledMachine;
  /** The interpreter's run has begun (start() defers it by one tick). */
  launched: boolean;
  /** Aborts the interpreter's run; set at launch. */
  abort: () => void;
  /** Handler calls in progress. */
  inflight: number;
  /** Tokens handed out and not answered. */
  readonly tokens: Set<string>;
  /** Set when the execution finished or the runtime stopped: its Tasks must not call handlers any more. */
  closed: boolean;
  /** Set by stopExecution, to record why it was aborted. */
  abortedWith?: { error: string; cause: string };
}

interface Waiter extends WaitingTask {
  readonly run: ActiveRun;
  readonly resolve: (output: JsonValue) => void;
  readonly reject: (e: Error) => void;
  timer?: NodeJS.Timeout;
}

type Outcome = Pick<ExecutionRecord, 'status' | 'output' | 'error' | 'cause'>;

const keyOf = (machine: string, name: string) => `${machine}/${name}`;

const causeText = (cause: unknown): string | undefined =>
  cause === undefined ? undefined : typeof cause === 'string' ? cause : JSON.stringify(cause);

export function createLocalStepFunctions(opts: LocalStepFunctionsOptions): LocalStepFunctions {
  const machines: Readonly<Record<string, StateMachineDecl>> = opts.machines ?? stateMachines;
  const now = opts.now ?? (() => new Date());
  const file = opts.dataDir ? join(opts.dataDir, 'executions.json') : undefined;
  if (opts.dataDir) mkdirSync(opts.dataDir, { recursive: true });
  const placeholder = `local-task-token-placeholder-${randomUUID()}`;

  const records = new Map<string, ExecutionRecord>(
    loadRecords(file).map((r) => [keyOf(r.machine, r.name), r]),
  );
  const compiled = new Map<string, CompiledMachine>();
  const active = new Map<string, ActiveRun>();
  const waiting = new Map<string, Waiter>();
  const closedTokens = new Set<string>();
  let stopped = false;

  const emit = (e: LocalWorkflowEvent) => {
    try {
      opts.onEvent?.(e);
    } catch {
      // A failing listener must not break executions.
    }
  };

  /** Wakes idle() whenever something it looks at changed. */
  let wakers: (() => void)[] = [];
  const changed = () => {
    const w = wakers;
    wakers = [];
    for (const wake of w) wake();
  };

  /** Saves the records: every running execution (recover() needs their input) and the latest finished ones. */
  const persist = () => {
    if (!file) return;
    const all = [...records.values()];
    const finished = all
      .filter((r) => r.status !== 'RUNNING')
      .sort((a, b) => (b.stoppedAt ?? '').localeCompare(a.stoppedAt ?? ''))
      .slice(0, MAX_FINISHED_RECORDS);
    saveRecords(file, [...all.filter((r) => r.status === 'RUNNING'), ...finished]);
  };

  const machineFor = (machine: string): CompiledMachine => {
    const decl = machines[machine];
    if (!decl) {
      throw namedError(
        'StateMachineDoesNotExist',
        `State Machine Does Not Exist: '${stateMachineArn(machine)}'`,
      );
    }
    let c = compiled.get(machine);
    if (!c) {
      const raw = opts.loadDefinition
        ? opts.loadDefinition(machine)
        : (JSON.parse(readFileSync(resolve(REPO_ROOT, decl.file), 'utf8')) as object);
      c = compileMachine(machine, decl, raw);
      compiled.set(machine, c);
    }
    return c;
  };

  const assertRunning = () => {
    if (stopped) throw new Error('The local Step Functions runtime is stopped');
  };

  // --- task tokens

  const rememberClosed = (token: string) => {
    closedTokens.add(token);
    if (closedTokens.size > MAX_CLOSED_TOKENS) {
      const oldest = closedTokens.values().next().value;
      if (oldest !== undefined) closedTokens.delete(oldest);
    }
  };

  /** Removes a token from the waiting list for good; returns its waiter if it was still waiting. */
  const closeToken = (token: string): Waiter | undefined => {
    const w = waiting.get(token);
    if (!w) return undefined;
    waiting.delete(token);
    w.run.tokens.delete(token);
    if (w.timer) clearTimeout(w.timer);
    rememberClosed(token);
    changed();
    return w;
  };

  /** The waiter a succeed/fail call answers, or the error AWS would give. */
  const answerable = (token: string): Waiter => {
    assertRunning();
    const w = closeToken(token);
    if (w) return w;
    if (closedTokens.has(token)) {
      throw namedError('TaskTimedOut', 'Task Timed Out: Provided task does not exist anymore');
    }
    if (!TOKEN_FORMAT.test(token)) throw namedError('InvalidToken', `Invalid Token: '${token}'`);
    throw namedError(
      'TaskDoesNotExist',
      'Task does not exist (tokens handed out before a restart are not kept)',
    );
  };

  /** Registers a fresh token as waiting; the promise settles when it is answered. */
  const waitForToken = (run: ActiveRun, token: string, state: string, timeoutSeconds: number | undefined) => {
    let waiter: Waiter | undefined;
    const answer = new Promise<JsonValue>((resolve, reject) => {
      waiter = {
        token,
        machine: run.record.machine,
        execution: run.record.name,
        state,
        run,
        resolve,
        reject,
      };
    });
    // fail() may reject before anyone awaits the promise (while the handler still runs): mark it handled.
    answer.catch(() => undefined);
    if (!waiter) throw new Error('unreachable');
    if (timeoutSeconds !== undefined) {
      // The interpreter fails the Task with States.Timeout at the same moment; this timer only makes the
      // token unanswerable then, as in AWS. unref(): it must not keep the process alive on its own.
      waiter.timer = setTimeout(() => {
        if (closeToken(token)) {
          emit({
            type: 'TaskTimedOut',
            machine: run.record.machine,
            execution: run.record.name,
            state,
            token,
          });
        }
      }, Math.min(timeoutSeconds, MAX_LOCAL_TIMEOUT_SECONDS) * 1000).unref();
    }
    waiting.set(token, waiter);
    run.tokens.add(token);
    emit({ type: 'TaskWaiting', machine: run.record.machine, execution: run.record.name, state, token });
    changed();
    return answer;
  };

  /** Rejects every token the run still holds, so the interpreter's pending Tasks (and their timers) end. */
  const releaseTokens = (run: ActiveRun, why: string) => {
    for (const token of [...run.tokens]) closeToken(token)?.reject(namedError('States.Runtime', why));
  };

  // --- tasks

  /** Calls one handler as the Lambda service would, turning its failure into a Lambda-style error. */
  const callFunction = async (run: ActiveRun, fn: string, payload: unknown): Promise<JsonValue> => {
    run.inflight++;
    run.record.stats.taskInvocations++;
    try {
      return jsonCopy(await opts.invoke(fn as FunctionName, jsonCopy(payload)));
    } catch (e) {
      // As in AWS: the error name is the thrown error's, the cause a JSON text describing it.
      const name = e instanceof Error ? e.name : 'Error';
      const message = e instanceof Error ? e.message : String(e);
      throw namedError(name, JSON.stringify({ errorType: name, errorMessage: message }));
    } finally {
      run.inflight--;
      changed();
    }
  };

  /** The function and payload of a lambda:invoke Task, from its processed Parameters. */
  const invokeParameters = (run: ActiveRun, input: JsonValue): { fn: string; payload: unknown } => {
    const params = (input ?? {}) as { FunctionName?: unknown; Payload?: unknown };
    const fn =
      typeof params.FunctionName === 'string' ? FUNCTION_REF.exec(params.FunctionName)?.[1] : undefined;
    if (!fn) throw namedError('States.Runtime', 'lambda:invoke needs a FunctionName');
    if (!(run.compiled.decl.functions as readonly string[]).includes(fn)) {
      throw namedError(
        'Lambda.ResourceNotFoundException',
        `Function ${fn} is not among the declared functions of state machine ${run.record.machine}`,
      );
    }
    // Lambda receives {} when invoked without a payload.
    return { fn, payload: params.Payload ?? {} };
  };

  /** Replaces the token placeholder everywhere in a value (also inside strings built with States.Format). */
  const withToken = (value: unknown, token: string): unknown => {
    if (typeof value === 'string') return value.replaceAll(placeholder, token);
    if (Array.isArray(value)) return value.map((v) => withToken(v, token));
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withToken(v, token)]));
    }
    return value;
  };

  const runTask = async (
    run: ActiveRun,
    state: string,
    plan: TaskPlan,
    input: JsonValue,
  ): Promise<JsonValue> => {
    // After the execution ended or the runtime stopped, the interpreter may still retry a Task it was
    // waiting on; it must not reach a handler again.
    if (run.closed) throw namedError('States.Runtime', 'The execution is no longer running');
    switch (plan.kind) {
      case 'function':
        return callFunction(run, plan.fn, input);
      case 'invoke': {
        const { fn, payload } = invokeParameters(run, input);
        const result = await callFunction(run, fn, payload);
        return { Payload: result, StatusCode: 200 };
      }
      case 'callback': {
        const { fn, payload } = invokeParameters(run, input);
        const token = `${TOKEN_PREFIX}${randomUUID()}`;
        const event = withToken(payload, token);
        if (!JSON.stringify(event).includes(token)) {
          throw namedError('States.Runtime', `Task "${state}" does not pass $$.Task.Token in its Payload`);
        }
        // Registered before the call: the handler may answer its own token at once (a decision
        // already recorded, see the file comment).
        const answer = waitForToken(run, token, state, plan.timeoutSeconds);
        try {
          await callFunction(run, fn, event);
        } catch (e) {
          closeToken(token);
          throw e;
        }
        return answer;
      }
    }
  };

  // --- executions

  const outcomeOf = (run: ActiveRun, e: unknown): Outcome => {
    if (e instanceof ExecutionAbortedError) {
      return {
        status: 'ABORTED',
        ...(run.abortedWith ?? { error: 'Aborted', cause: 'The execution was stopped' }),
      };
    }
    if (e instanceof ExecutionTimeoutError) {
      return { status: 'FAILED', error: 'States.Timeout', cause: 'The execution timed out (TimeoutSeconds)' };
    }
    const err = e instanceof ExecutionError && e.cause instanceof Error ? e.cause : e;
    if (err instanceof Error) return { status: 'FAILED', error: err.name, cause: err.message };
    return { status: 'FAILED', error: 'Error', cause: String(err) };
  };

  const finish = (run: ActiveRun, outcome: Outcome) => {
    run.closed = true;
    active.delete(run.key);
    releaseTokens(run, 'The execution has ended');
    changed();
    // stop(): the record stays RUNNING, in memory and on disk, for recover().
    if (stopped) return;
    Object.assign(run.record, outcome, { stoppedAt: now().toISOString() });
    const { machine, name: execution } = run.record;
    emit({
      type: 'ExecutionRecorded',
      machine,
      execution,
      status: outcome.status,
      error: outcome.error,
      cause: outcome.cause,
    });
    try {
      persist();
    } catch (e) {
      emit({ type: 'RuntimeError', machine, execution, error: 'PersistFailed', cause: String(e) });
    }
  };

  /** Counts transitions from the interpreter's event log and forwards its events to onEvent. */
  const follow = async (run: ActiveRun, events: AsyncGenerator<unknown>) => {
    const { machine, name: execution } = run.record;
    for await (const raw of events) {
      const e = raw as {
        type: string;
        state?: { name: string };
        parentState?: { name: string };
        Error?: string;
        Cause?: unknown;
      };
      if (e.type === 'StateEntered' || e.type === 'StateRetried') run.record.stats.transitions++;
      if (e.type === 'MapIterationStarted' && run.compiled.distributedMaps.has(e.parentState?.name ?? '')) {
        run.record.stats.childExecutions = (run.record.stats.childExecutions ?? 0) + 1;
      }
      emit({
        type: e.type,
        machine,
        execution,
        state: e.state?.name,
        error: e.Error,
        cause: causeText(e.Cause),
      });
    }
  };

  const launch = (run: ActiveRun) => {
    if (run.closed) return;
    const { record, compiled: machine } = run;
    const taskResourceLocalHandlers: TaskHandlers = {};
    for (const [state, plan] of machine.tasks) {
      taskResourceLocalHandlers[state] = (input) => runTask(run, state, plan, input);
    }
    // Executions recorded before correlation ids existed get their name as one.
    const input = withCorrelation(jsonCopy(record.input), record.name);
    const execution = machine.stateMachine.run(input, {
      overrides: { taskResourceLocalHandlers },
      // The interpreter has no task tokens: $$.Task.Token is a placeholder that runTask replaces with a
      // fresh token for each waiting Task.
      context: {
        Execution: {
          Id: executionArn(record.machine, record.name),
          Name: record.name,
          CorrelationId: (input as { correlationId?: string }).correlationId ?? record.name,
        },
        StateMachine: { Id: stateMachineArn(record.machine), Name: record.machine },
        Task: { Token: placeholder },
      },
    });
    run.abort = execution.abort;
    run.launched = true;
    const following = follow(run, execution.eventLogs);
    void (async () => {
      let outcome: Outcome;
      try {
        outcome = { status: 'SUCCEEDED', output: await execution.result };
      } catch (e) {
        outcome = outcomeOf(run, e);
      }
      // The event log is closed once the result is settled: let the counters catch up (bounded, in case).
      await Promise.race([following, new Promise((r) => setTimeout(r, 1000).unref())]);
      finish(run, outcome);
    })().catch((e: unknown) => {
      // Only a bug of this file gets here; keep the process alive and say so.
      emit({
        type: 'RuntimeError',
        machine: record.machine,
        execution: record.name,
        error: 'Internal',
        cause: String(e),
      });
    });
  };

  /** Makes a record active and runs it from its first state, on a later tick (start() returns first). */
  const run = (record: ExecutionRecord, machine: CompiledMachine) => {
    const key = keyOf(record.machine, record.name);
    const r: ActiveRun = {
      key,
      record,
      compiled: machine,
      launched: false,
      abort: () => undefined,
      inflight: 0,
      tokens: new Set(),
      closed: false,
    };
    active.set(key, r);
    changed();
    setImmediate(() => {
      try {
        launch(r);
      } catch (e) {
        finish(r, outcomeOf(r, e));
      }
    });
  };

  const isQuiet = () => [...active.values()].every((r) => r.inflight === 0 && r.tokens.size > 0);
  const nextTick = () => new Promise<void>((r) => setImmediate(r));

  return {
    machineNames() {
      return Object.keys(machines).filter((m) => machineFor(m));
    },
    async start(machine, executionName, input) {
      assertRunning();
      const c = machineFor(machine);
      if (!isValidName(executionName)) {
        throw namedError('InvalidName', `Invalid Name: '${executionName}'`);
      }
      const key = keyOf(machine, executionName);
      // AWS runs an execution started without input with {}.
      // As the production engine: the input carries the correlation id of the request that starts it.
      const copy = withCorrelation(input === undefined ? {} : jsonCopy(input), executionName);
      const existing = records.get(key);
      if (existing) {
        // AWS answers ExecutionAlreadyExists, which the production client treats as "already started"
        // (functions/shared/aws/step-functions.ts): a no-op here too. Another input hints at a bug.
        if (JSON.stringify(existing.input) !== JSON.stringify(copy)) {
          emit({
            type: 'ExecutionAlreadyExists',
            machine,
            execution: executionName,
            cause: 'started again with another input',
          });
        }
        return;
      }
      const record: ExecutionRecord = {
        name: executionName,
        machine,
        input: copy,
        status: 'RUNNING',
        startedAt: now().toISOString(),
        stats: { transitions: 0, taskInvocations: 0 },
      };
      records.set(key, record);
      try {
        persist();
      } catch (e) {
        records.delete(key);
        throw e;
      }
      run(record, c);
    },

    async succeed(taskToken, output) {
      const w = answerable(taskToken);
      emit({
        type: 'TaskSucceeded',
        machine: w.machine,
        execution: w.execution,
        state: w.state,
        token: taskToken,
      });
      w.resolve(jsonCopy(output));
    },

    async fail(taskToken, error, cause) {
      const w = answerable(taskToken);
      emit({
        type: 'TaskFailed',
        machine: w.machine,
        execution: w.execution,
        state: w.state,
        token: taskToken,
        error,
        cause,
      });
      // `name` is what Catch/Retry ErrorEquals match; the message becomes the Cause.
      w.reject(namedError(error, cause));
    },

    async recover() {
      assertRunning();
      let count = 0;
      for (const [key, record] of records) {
        if (record.status !== 'RUNNING' || active.has(key)) continue;
        let machine: CompiledMachine;
        try {
          machine = machineFor(record.machine);
        } catch (e) {
          const err = e as Error;
          Object.assign(record, {
            status: 'FAILED',
            error: err.name,
            cause: err.message,
            stoppedAt: now().toISOString(),
          });
          persist();
          continue;
        }
        emit({ type: 'ExecutionRecovered', machine: record.machine, execution: record.name });
        run(record, machine);
        count++;
      }
      return count;
    },

    async stopExecution(machine, name, details = {}) {
      assertRunning();
      const key = keyOf(machine, name);
      const record = records.get(key);
      if (!record) {
        throw namedError(
          'ExecutionDoesNotExist',
          `Execution Does Not Exist: '${executionArn(machine, name)}'`,
        );
      }
      if (record.status !== 'RUNNING') return;
      const abortedWith = { error: details.error ?? 'Aborted', cause: details.cause ?? 'Stopped on request' };
      const r = active.get(key);
      if (r) {
        r.abortedWith = abortedWith;
        // The interpreter's run rejects with ExecutionAbortedError, and finish() records ABORTED.
        if (r.launched) r.abort();
        else finish(r, { status: 'ABORTED', ...abortedWith });
        return;
      }
      // RUNNING in the records from a previous process, not recovered yet.
      Object.assign(record, { status: 'ABORTED', ...abortedWith, stoppedAt: now().toISOString() });
      persist();
    },

    executions() {
      return [...records.values()]
        .map((r) => structuredClone(r))
        .sort((a, b) => a.startedAt.localeCompare(b.startedAt));
    },

    waitingTasks() {
      return [...waiting.values()].map(({ token, machine, execution, state }) => ({
        token,
        machine,
        execution,
        state,
      }));
    },

    async idle() {
      for (;;) {
        // The interpreter moves between states in microtasks; two turns of the event loop let it reach the
        // next Task (a handler call or a token) or the end.
        await nextTick();
        await nextTick();
        if (isQuiet()) return;
        // Something is running: wait for a change (a call ending, a token, an execution ending), or poll
        // (Wait states and retry pauses change nothing until they end).
        await new Promise<void>((r) => {
          const t = setTimeout(r, 25);
          wakers.push(() => {
            clearTimeout(t);
            r();
          });
        });
      }
    },

    stop() {
      if (stopped) return;
      stopped = true;
      for (const r of active.values()) {
        r.closed = true;
        r.abort();
        releaseTokens(r, 'The local runtime stopped');
      }
      active.clear();
      changed();
      // The records stay RUNNING; saving them keeps the counters of the interrupted runs.
      try {
        persist();
      } catch (e) {
        emit({ type: 'RuntimeError', machine: '', execution: '', error: 'PersistFailed', cause: String(e) });
      }
    },
  };
}
