import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { isProduction, type Stage, stageConfigOf } from './config.js';

/** What sent its failures to a dead-letter queue: the redrive and the alarms read it from the name. */
export type DeadLetterKind = 'rule' | 'async' | 'schedule';

/** `<stage>-dlq-<kind>-<name>`: the redrive command (infra/ops/redrive.ts) lists queues by this prefix. */
export const deadLetterQueueName = (stage: string, kind: DeadLetterKind, name: string): string =>
  `${stage}-dlq-${kind}-${name}`.slice(0, 80);

/** Every dead-letter queue of the stack, for the alarms and the dashboard (registered on creation). */
const registry = new WeakMap<Stack, { name: string; kind: DeadLetterKind; queue: Queue }[]>();
/** The platform stack a construct belongs to, through any nested stacks. */
const rootStack = (scope: Construct): Stack => {
  let stack = Stack.of(scope);
  while (stack.nestedStackParent) stack = stack.nestedStackParent;
  return stack;
};
export const deadLetterQueuesOf = (
  scope: Construct,
): readonly { name: string; kind: DeadLetterKind; queue: Queue }[] =>
  // Registered on the platform stack, wherever they are built (the schedules' in the nested stack);
  // alarms read them from the nested stack.
  registry.get(rootStack(scope)) ?? [];

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
    reason: `This queue is itself a dead-letter queue (${props.purpose}); a queue behind it would only move the problem. ${
      stageConfigOf(scope, props.stage).alarmEmails.length > 0
        ? 'Its depth is alarmed (one message is enough).'
        : 'Its depth is on the stage dashboard (the stage names no alarm recipient, so it has no alarms).'
    }`,
  });
  const root = rootStack(scope);
  const list = registry.get(root) ?? [];
  list.push({ name: props.name, kind: props.kind, queue });
  registry.set(root, list);
  return queue;
};
