import { randomUUID } from 'node:crypto';
import { type DomainEvent, type EventPublisher, publishedDetail } from '../../functions/shared/deps.js';
import type { BusEvent } from '../../functions/shared/duty.js';
import { type EventRuleDecl, eventRules, type FunctionName } from '../system.js';
import { createFailedDeliveryStore, type FailedDeliveryStore } from './failed-deliveries.js';

export interface PublishedEvent extends BusEvent {
  readonly deliveredTo: string[];
}

/** EventBridge pattern matching for the pattern forms the platform uses: arrays of exact values, nested objects. */
export const matches = (pattern: unknown, value: unknown): boolean => {
  if (Array.isArray(pattern))
    return pattern.some((p) => (typeof p === 'object' && p !== null ? false : p === value));
  if (pattern && typeof pattern === 'object') {
    if (!value || typeof value !== 'object') return false;
    return Object.entries(pattern).every(([k, p]) => matches(p, (value as Record<string, unknown>)[k]));
  }
  return pattern === value;
};

/** Attempts per delivery, as Lambda's asynchronous invocation: the first and two retries. */
export const DELIVERY_ATTEMPTS = 3;

/**
 * The local EventBridge bus: records every event and delivers it, asynchronously as EventBridge does,
 * to the functions whose declared rules match. A delivery that fails three times is kept in the
 * failed-delivery store (the local dead-letter queue) until `redrive` delivers it again.
 */
export const createLocalEventBus = (opts: {
  invoke: (fn: FunctionName, event: unknown) => Promise<unknown>;
  now: () => Date;
  rules?: Readonly<Record<string, EventRuleDecl>>;
  onError?: (rule: string, e: unknown) => void;
  failed?: FailedDeliveryStore;
}) => {
  const rules = opts.rules ?? eventRules;
  const failed = opts.failed ?? createFailedDeliveryStore({ now: opts.now });
  const log: PublishedEvent[] = [];
  const inFlight = new Set<Promise<void>>();

  const deliver = async (rule: string, fn: FunctionName, event: BusEvent) => {
    for (let attempt = 1; ; attempt++) {
      try {
        await opts.invoke(fn, event);
        return;
      } catch (e) {
        if (attempt >= DELIVERY_ATTEMPTS) {
          failed.add({
            kind: 'rule',
            name: rule,
            function: fn,
            payload: event,
            attempts: attempt,
            error: (e as Error).message,
          });
          opts.onError?.(rule, e);
          return;
        }
      }
    }
  };

  const publisher: EventPublisher = {
    async publish(events: readonly DomainEvent[]) {
      for (const e of events) {
        const event: PublishedEvent = {
          version: '0',
          id: randomUUID(),
          source: e.source,
          'detail-type': e.detailType,
          account: '000000000000',
          region: 'us-east-1',
          time: opts.now().toISOString(),
          resources: [],
          detail: publishedDetail(e),
          deliveredTo: [],
        } as PublishedEvent;
        log.push(event);
        if (log.length > 10_000) log.shift();
        for (const [name, rule] of Object.entries(rules) as [string, EventRuleDecl][]) {
          if (!matches(rule.pattern, event)) continue;
          event.deliveredTo.push(name);
          const { deliveredTo: _d, ...envelope } = event;
          const p = deliver(name, rule.function, envelope).finally(() => inFlight.delete(p));
          inFlight.add(p);
        }
      }
    },
  };

  return {
    publisher,
    /** Names of the rules this bus delivers for. */
    ruleNames: () => Object.keys(rules),
    /** Every event published so far (newest last). */
    events: (filter?: { detailType?: string; source?: string }) =>
      log.filter(
        (e) =>
          (!filter?.detailType || e['detail-type'] === filter.detailType) &&
          (!filter?.source || e.source === filter.source),
      ),
    /** Deliveries that failed after every attempt, kept for redrive (rule deliveries and schedule runs). */
    failedDeliveries: () => failed.list(),
    /**
     * Delivers kept failures again (all, or the given ids) and waits for what they publish in turn; a
     * delivery that fails again stays kept.
     */
    async redrive(ids?: readonly string[]) {
      const out = await failed.redrive(async (d) => {
        await opts.invoke(d.function, d.payload);
      }, ids);
      while (inFlight.size) await Promise.allSettled([...inFlight]);
      return out;
    },
    /** Resolves when every delivery (and whatever it published in turn) has finished. */
    async idle(): Promise<void> {
      while (inFlight.size) await Promise.allSettled([...inFlight]);
    },
  };
};
export type LocalEventBus = ReturnType<typeof createLocalEventBus>;
