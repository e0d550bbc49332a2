/**
 * What a dead-letter message asks to redo, for the three kinds of `<stage>-dlq-*` queues the stack
 * builds (infra/constructs/dead-letters.ts):
 * - `async`: Lambda's on-failure destination record
 *   `{ requestContext: { functionArn, condition, … }, requestPayload, responsePayload, … }`;
 * - `rule`: the EventBridge event itself, with the `TARGET_ARN` / `ERROR_CODE` message attributes;
 * - `schedule`: the schedule's input, with the `X-Amz-Scheduler-Target-Arn` message attribute.
 * Pure, so every shape is unit tested; infra/ops/redrive.ts does the SQS and Lambda calls.
 */

export interface Redrive {
  /** The function to invoke again (asynchronously, so its retries and on-failure destination apply). */
  readonly functionArn: string;
  /** Exactly what it was invoked with the first time. */
  readonly payload: unknown;
  /** Why it failed, as far as the message says. */
  readonly reason: string;
}

export type MessageAttributes = Readonly<Record<string, { readonly StringValue?: string } | undefined>>;

const attribute = (attrs: MessageAttributes | undefined, ...names: string[]): string | undefined => {
  for (const n of names) {
    const v = attrs?.[n]?.StringValue;
    if (v) return v;
  }
  return undefined;
};

/** The unqualified function ARN: a redrive runs the current code, not `$LATEST` of a version number. */
const unqualified = (arn: string): string =>
  arn.replace(/^(arn:[^:]+:lambda:[^:]+:\d{12}:function:[^:]+):.+$/, '$1');

export const parseDeadLetter = (body: string, attrs?: MessageAttributes): Redrive => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new Error('The message body is not JSON: not a message this platform dead-lettered');
  }
  const record = parsed as {
    requestContext?: { functionArn?: string; condition?: string };
    requestPayload?: unknown;
    responsePayload?: { errorMessage?: string } | null;
  };
  if (record?.requestContext?.functionArn && 'requestPayload' in record) {
    return {
      functionArn: unqualified(record.requestContext.functionArn),
      payload: record.requestPayload,
      reason: [record.requestContext.condition, record.responsePayload?.errorMessage]
        .filter(Boolean)
        .join(': '),
    };
  }
  const target = attribute(attrs, 'TARGET_ARN', 'X-Amz-Scheduler-Target-Arn');
  if (!target) throw new Error('The message names no target (no TARGET_ARN or scheduler target attribute)');
  return {
    functionArn: unqualified(target),
    payload: parsed,
    reason:
      [attribute(attrs, 'ERROR_CODE', 'X-Amz-Scheduler-Error-Code'), attribute(attrs, 'ERROR_MESSAGE')]
        .filter(Boolean)
        .join(': ') || 'delivery failed',
  };
};
