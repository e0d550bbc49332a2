import { randomUUID } from 'node:crypto';
import type { DomainEvent, EventPublisher } from '../../functions/shared/deps.js';
import type { BusEvent } from '../../functions/shared/duty.js';
import { type EventRuleDecl, eventRules, type FunctionName } from '../system.js';

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

/**
 * The local EventBridge bus: records every event and delivers it, asynchronously as EventBridge does,
 * to the functions whose declared rules match. Delivery failures are retried twice, then logged.
 */
export const createLocalEventBus = (opts: {
  invoke: (fn: FunctionName, event: unknown) => Promise<unknown>;
  now: () => Date;
  rules?: Readonly<Record<string, EventRuleDecl>>;
  onError?: (rule: string, e: unknown) => void;
}) => {
  const rules = opts.rules ?? eventRules;
  const log: PublishedEvent[] = [];
  const inFlight = new Set<Promise<void>>();

  const deliver = async (rule: string, fn: FunctionName, event: BusEvent) => {
    for (let attempt = 1; ; attempt++) {
      try {
        await opts.invoke(fn, event);
        return;
      } catch (e) {
        if (attempt >= 3) {
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
          detail: e.detail,
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
    /** Resolves when every delivery (and whatever it published in turn) has finished. */
    async idle(): Promise<void> {
      while (inFlight.size) await Promise.allSettled([...inFlight]);
    },
  };
};
export type LocalEventBus = ReturnType<typeof createLocalEventBus>;
