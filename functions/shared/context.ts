import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * What one invocation carries through everything it calls, without threading it through every
 * signature: the correlation id of the request it serves (HTTP → outbox → bus → workflow steps) and
 * the business-metric counter. Set by functions/shared/duty.ts for each invocation.
 */
export interface InvocationContext {
  readonly correlationId: string;
  /** Adds to a business metric (a count) of this function, published at the end of the invocation. */
  count(metric: string, value?: number): void;
}

const storage = new AsyncLocalStorage<InvocationContext>();

export const runInContext = <T>(ctx: InvocationContext, fn: () => T): T => storage.run(ctx, fn);
export const currentCorrelationId = (): string | undefined => storage.getStore()?.correlationId;
export const countMetric = (metric: string, value = 1): void => storage.getStore()?.count(metric, value);

/** A client may name the correlation id of its request; otherwise the gateway's request id is used. */
export const CORRELATION_HEADER = 'x-correlation-id';
export const CORRELATION_ID = /^[\w.:-]{1,128}$/;

/** The key under which events (detail) and workflow inputs carry the correlation id. */
export const CORRELATION_KEY = 'correlationId';

/** `input` with the correlation id added (an object input only; anything else is passed as is). */
export const withCorrelation = <T>(input: T, fallback?: string): T => {
  if (!input || typeof input !== 'object' || Array.isArray(input)) return input;
  const existing = (input as Record<string, unknown>)[CORRELATION_KEY];
  if (typeof existing === 'string') return input;
  const id = currentCorrelationId() ?? fallback;
  return id ? ({ ...input, [CORRELATION_KEY]: id } as T) : input;
};
