import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { isProduction, type Stage } from './config.js';

/** What sent its failures to a dead-letter queue: the redrive and the alarms read it from the name. */
export type DeadLetterKind = 'rule' | 'async' | 'schedule';

/** `<stage>-dlq-<kind>-<name>`: the redrive command (infra/ops/redrive.ts) lists queues by this prefix. */
export const deadLetterQueueName = (stage: string, kind: DeadLetterKind, name: string): string =>
  `${stage}-dlq-${kind}-${name}`.slice(0, 80);

/** Every dead-letter queue of the stack, for the alarms and the dashboard (registered on creation). */
const registry = new WeakMap<Stack, { name: string; kind: DeadLetterKind; queue: Queue }[]>();
export const deadLetterQueuesOf = (
  scope: Construct,
): readonly { name: string; kind: DeadLetterKind; queue: Queue }[] => {
  // The queues are registered on the platform stack; alarms read them from a nested stack.
  let stack = Stack.of(scope);
  while (stack.nestedStackParent) stack = stack.nestedStackParent;
  return registry.get(stack) ?? [];
};

/**
 * A dead-letter queue: work that failed after every retry waits here (14 days, the SQS maximum) for
 * the redrive, instead of being dropped. Kept when a prod stack is deleted: it may hold the only copy.
 */
export const deadLetterQueue = (
  scope: Construct,
  id: string,
  props: { stage: Stage; kind: DeadLetterKind; name: string; purpose: string },
): Queue => {
  const queue = new Queue(scope, id, {
    queueName: deadLetterQueueName(props.stage, props.kind, props.name),
    enforceSSL: true,
    encryption: QueueEncryption.SQS_MANAGED,
    retentionPeriod: Duration.days(14),
    removalPolicy: isProduction(props.stage) ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
  });
  Validations.of(queue).acknowledge({
    id: 'AwsSolutions-SQS3',
    reason: `This queue is itself a dead-letter queue (${props.purpose}); a queue behind it would only move the problem. Its age and depth are alarmed.`,
  });
  const list = registry.get(Stack.of(scope)) ?? [];
  list.push({ name: props.name, kind: props.kind, queue });
  registry.set(Stack.of(scope), list);
  return queue;
};
