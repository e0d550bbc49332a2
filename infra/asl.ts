/**
 * Reading ASL (Amazon States Language) definitions: which states are Lambda tasks and whether each
 * retries the transient Lambda errors. Used by the synth checks (test/infra/asl-rules.test.ts) and by
 * the CDK stack, which refuses a definition without those retries.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * Errors of the Lambda service itself (throttling, a failed invoke), not of our code: a task retries
 * them with backoff instead of failing the whole workflow.
 */
export const TRANSIENT_LAMBDA_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
] as const;

interface AslState {
  readonly Type?: string;
  readonly Resource?: string;
  readonly Retry?: readonly { readonly ErrorEquals?: readonly string[]; readonly MaxAttempts?: number }[];
  readonly Branches?: readonly AslMachineLike[];
  readonly Iterator?: AslMachineLike;
  readonly ItemProcessor?: AslMachineLike;
}
interface AslMachineLike {
  readonly States?: Readonly<Record<string, AslState>>;
}

/** Every state of a definition, Parallel branches and Map processors included. */
export const allAslStates = (machine: object): [string, AslState][] => {
  const out: [string, AslState][] = [];
  const walk = (m: AslMachineLike | undefined) => {
    for (const [name, s] of Object.entries(m?.States ?? {})) {
      out.push([name, s]);
      for (const b of s.Branches ?? []) walk(b);
      walk(s.Iterator);
      walk(s.ItemProcessor);
    }
  };
  walk(machine as AslMachineLike);
  return out;
};

/** Task states that invoke a Lambda function (directly by ARN or through the lambda:invoke integrations). */
export const lambdaTasks = (machine: object): string[] =>
  allAslStates(machine)
    .filter(([, s]) => {
      if (s.Type !== 'Task' || typeof s.Resource !== 'string') return false;
      return /FunctionArn\}$|:lambda:|:states:::lambda:invoke/.test(s.Resource);
    })
    .map(([name]) => name);

/** Lambda tasks whose retriers do not cover every transient Lambda error (at least one more attempt). */
export const missingLambdaRetry = (machine: object): string[] => {
  const states = new Map(allAslStates(machine));
  return lambdaTasks(machine).filter((name) => {
    const retriers = (states.get(name)?.Retry ?? []).filter((r) => (r.MaxAttempts ?? 3) > 0);
    return !TRANSIENT_LAMBDA_ERRORS.every((error) =>
      retriers.some((r) => r.ErrorEquals?.includes(error) || r.ErrorEquals?.includes('States.ALL')),
    );
  });
};

/** Every ASL file of the repository: those in `state-machines/` and those the declaration names. */
export const aslFiles = (root: string, declared: readonly string[]): string[] => {
  const dir = join(root, 'state-machines');
  const inDir = existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith('.json'))
        .map((f) => join(dir, f))
    : [];
  return [...new Set([...inDir, ...declared.map((f) => resolve(root, f))])].sort();
};

/** The payload key every Lambda task receives the execution's correlation id under. */
const CORRELATION_PARAM = 'correlationId.$';
const CORRELATION_PATH = '$$.Execution.Input.correlationId';

/**
 * The definition as deployed and run locally: every Lambda task whose payload is an object also passes
 * `correlationId` from the execution input (which the platform's workflow engines always set), so a
 * step's logs carry the correlation id of the request that started the workflow. A payload given as a
 * path (`Payload.$`) is left alone. Applied to every ASL file, so no file has to repeat it.
 */
export const withCorrelationParameter = <T extends object>(machine: T): T => {
  const copy = structuredClone(machine);
  for (const [, state] of allAslStates(copy)) {
    if (state.Type !== 'Task' || typeof state.Resource !== 'string') continue;
    const s = state as { Parameters?: Record<string, unknown> };
    const integration = /:states:::lambda:invoke/.test(state.Resource);
    const direct = /FunctionArn\}$|:lambda:[^:]+:\d{12}:function:/.test(state.Resource);
    const payload = integration ? s.Parameters?.Payload : direct ? s.Parameters : undefined;
    if (payload && typeof payload === 'object' && !Array.isArray(payload)) {
      (payload as Record<string, unknown>)[CORRELATION_PARAM] = CORRELATION_PATH;
    }
  }
  return copy;
};
