import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type { FunctionName } from '../../infra/system.js';
import { CORRELATION_HEADER, CORRELATION_ID, CORRELATION_KEY, runInContext } from './context.js';
import { setCursorKey } from './cursor.js';
import type { Deps } from './deps.js';
import { type HttpEvent, type HttpResult, httpRouter, type RouteTable } from './http.js';

/** An EventBridge event as delivered to a rule target. */
export interface BusEvent<D = Record<string, unknown>> {
  readonly id: string;
  readonly source: string;
  readonly 'detail-type': string;
  readonly time: string;
  readonly detail: D;
}

/** Invocation by EventBridge Scheduler (payload set in infra/stack.ts and by the local scheduler). */
export interface ScheduleInvocation {
  readonly schedule: string;
}

/** Invocation by a state machine Task: `step` names the work, the rest is its input. */
export interface StepInvocation {
  readonly step: string;
  readonly [key: string]: unknown;
}

export interface Invocation {
  readonly deps: Deps;
  readonly requestId: string;
}

export interface DutyHandlers {
  readonly routes?: RouteTable;
  readonly steps?: Record<string, (input: StepInvocation, inv: Invocation) => Promise<unknown>>;
  readonly events?: Record<string, (event: BusEvent, inv: Invocation) => Promise<void>>;
  readonly schedules?: Record<string, (inv: Invocation) => Promise<unknown>>;
}

type AnyEvent = HttpEvent | BusEvent | ScheduleInvocation | StepInvocation;

const isHttp = (e: AnyEvent): e is HttpEvent => 'requestContext' in e && 'routeKey' in e;
const isBus = (e: AnyEvent): e is BusEvent => 'detail-type' in e && 'source' in e;
const isSchedule = (e: AnyEvent): e is ScheduleInvocation =>
  'schedule' in e && typeof e.schedule === 'string';
const isStep = (e: AnyEvent): e is StepInvocation => 'step' in e && typeof e.step === 'string';

/**
 * One Lambda function per duty. It serves that duty's HTTP routes, its state-machine steps, the bus
 * events it consumes and its schedules, all declared in infra/system.ts. Each kind is dispatched to a
 * plain function that receives the dependencies (tests and the local runtime pass their own).
 */
export const dutyHandler = (fn: FunctionName, handlers: DutyHandlers, deps: Deps) => {
  const http = httpRouter(fn, handlers.routes ?? {}, deps);
  // Business metrics (EMF): namespace per stage from POWERTOOLS_METRICS_NAMESPACE, dimension service.
  const metrics = new Metrics({ serviceName: fn });

  const dispatch = async (event: AnyEvent, requestId: string): Promise<HttpResult | unknown> => {
    if (isHttp(event)) {
      // Per-operation counts come from the API's access logs (routeKey, status), not from a custom
      // metric per operation: those cost more a month than the platform's traffic (issue 22).
      return http(event, event.requestContext.requestId ?? requestId);
    }
    const inv: Invocation = { deps, requestId };
    if (isBus(event)) {
      const consume = handlers.events?.[event['detail-type']];
      if (!consume) throw new Error(`${fn} does not consume ${event['detail-type']}`);
      return consume(event, inv);
    }
    if (isSchedule(event)) {
      const job = handlers.schedules?.[event.schedule];
      if (!job) throw new Error(`${fn} has no schedule ${event.schedule}`);
      return job(inv);
    }
    if (isStep(event)) {
      const step = handlers.steps?.[event.step];
      if (!step) throw new Error(`${fn} has no step ${event.step}`);
      return step(event, inv);
    }
    throw new Error(`${fn} cannot handle this event`);
  };

  const base = async (event: AnyEvent, context: Context): Promise<HttpResult | unknown> => {
    const requestId = context.awsRequestId;
    const correlationId = correlationOf(event, requestId);
    // Every log line of this invocation carries it (Powertools key `correlation_id`).
    deps.logger.appendKeys({ correlation_id: correlationId });
    deps.logger.info('Invoked', { kind: kindOf(event) });
    if (deps.cursorKey) setCursorKey(await deps.cursorKey());
    try {
      return await runInContext(
        { correlationId, count: (m, v = 1) => metrics.addMetric(m, MetricUnit.Count, v) },
        () => dispatch(event, requestId),
      );
    } finally {
      // An invocation that counted nothing publishes nothing (Powertools would warn on every one).
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    }
  };
  return middy(base).use(injectLambdaContext(deps.logger, { resetKeys: true }));
};

const kindOf = (e: AnyEvent): string =>
  isHttp(e)
    ? e.routeKey
    : isBus(e)
      ? `event ${e['detail-type']}`
      : isSchedule(e)
        ? `schedule ${e.schedule}`
        : isStep(e)
          ? `step ${e.step}`
          : 'unknown';

/**
 * The correlation id of an invocation: a valid `X-Correlation-Id` header or the gateway's request id
 * (HTTP), the id an event or a workflow input carries, or else this invocation's own request id.
 */
const correlationOf = (e: AnyEvent, requestId: string): string => {
  const valid = (v: unknown): v is string => typeof v === 'string' && CORRELATION_ID.test(v);
  if (isHttp(e)) {
    const header = e.headers?.[CORRELATION_HEADER] ?? e.headers?.['X-Correlation-Id'];
    return valid(header) ? header : (e.requestContext.requestId ?? requestId);
  }
  if (isBus(e)) {
    const carried = (e.detail as Record<string, unknown> | undefined)?.[CORRELATION_KEY];
    return valid(carried) ? carried : e.id;
  }
  const carried = (e as Record<string, unknown>)[CORRELATION_KEY];
  return valid(carried) ? carried : requestId;
};
