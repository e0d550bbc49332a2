import type { ZodType, z } from 'zod';
import type { DomainEvent } from '../functions/shared/deps.js';

/** Every source on the platform bus starts with this prefix. */
export const SOURCE_PREFIX = 'shiyan.';

export interface EventType<S extends ZodType> {
  readonly source: string;
  readonly detailType: string;
  readonly schema: S;
  /** Validates the detail and wraps it for the publisher. */
  make(detail: z.input<S>): DomainEvent;
  /** Validates a received event's detail (consumers call this; a malformed event throws). */
  parse(detail: unknown): z.output<S>;
}

/** Declares an event once; producers, consumers and rules import the same object. */
export const defineEvent = <S extends ZodType>(
  source: string,
  detailType: string,
  schema: S,
): EventType<S> => ({
  source: `${SOURCE_PREFIX}${source}`,
  detailType,
  schema,
  make: (detail) => ({
    source: `${SOURCE_PREFIX}${source}`,
    detailType,
    detail: schema.parse(detail) as Record<string, unknown>,
  }),
  parse: (detail) => schema.parse(detail),
});

/** An EventBridge rule pattern matching any of the given event types. */
export const patternOf = (...types: readonly EventType<ZodType>[]) => ({
  source: [...new Set(types.map((t) => t.source))],
  'detail-type': [...new Set(types.map((t) => t.detailType))],
});
