import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type { FunctionName } from '../../infra/system.js';
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
  const base = async (event: AnyEvent, context: Context): Promise<HttpResult | unknown> => {
    const requestId = context.awsRequestId;
    if (isHttp(event)) return http(event, event.requestContext.requestId ?? requestId);
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
  return middy(base).use(injectLambdaContext(deps.logger, { resetKeys: true }));
};
