import { ArnFormat, Duration, Stack, TimeZone } from 'aws-cdk-lib';
import { type IEventBus, Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { Schedule, ScheduleExpression, ScheduleTargetInput, TimeWindow } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { Stage } from './config.js';
import { deadLetterQueue } from './dead-letters.js';
import { markDeclared, type PlatformDeclaration, pascal } from './declaration.js';

/** Lambda's own retries of an asynchronous invocation that threw (its maximum), before the on-failure destination. */
export const ASYNC_RETRY_ATTEMPTS = 2;

/**
 * Every asynchronous invocation of a function ends somewhere: EventBridge rules and EventBridge
 * Scheduler both invoke their Lambda targets asynchronously, so an invocation that threw after
 * Lambda's retries (or waited too long in Lambda's queue) goes, with its payload, to this queue
 * `<stage>-dlq-async-<function>` instead of being dropped. Built once per function, in `scope` (the
 * function's stack), by whichever path first needs it.
 */
export const asyncFailureQueue = (scope: Construct, stage: Stage, name: string, fn: IFunction): Queue => {
  const existing = scope.node.tryFindChild(`${pascal(name)}FailedEvents`) as Queue | undefined;
  if (existing) return existing;
  // The invocation record (event included) of what threw on every attempt.
  const failed = deadLetterQueue(scope, `${pascal(name)}FailedEvents`, {
    stage,
    kind: 'async',
    name,
    purpose: `on-failure destination of function ${name}'s asynchronous invocations`,
  });
  fn.configureAsyncInvoke({
    onFailure: new SqsDestination(failed),
    retryAttempts: ASYNC_RETRY_ATTEMPTS,
    maxEventAge: Duration.hours(6),
  });
  return failed;
};

/**
 * A declared event rule on the platform bus, delivering to one function. Nothing is dropped on either
 * leg: EventBridge retries a delivery it could not hand over and then puts the event in the rule's
 * dead-letter queue; the function, invoked asynchronously, retries an event it threw on and then sends
 * the invocation record to its on-failure destination (asyncFailureQueue).
 */
export const addEventRule = (
  scope: Construct,
  props: {
    stage: Stage;
    bus: IEventBus;
    name: string;
    decl: PlatformDeclaration['eventRules'][string];
    fn: IFunction;
  },
): Rule => {
  const { name, decl } = props;
  const cid = pascal(name);
  // Events EventBridge could not hand to the function after every retry wait here.
  const deadLetters = deadLetterQueue(scope, `${cid}DeadLetters`, {
    stage: props.stage,
    kind: 'rule',
    name,
    purpose: `deliveries of event rule ${name}`,
  });
  const rule = new Rule(scope, cid, {
    eventBus: props.bus,
    description: decl.description,
    eventPattern: {
      ...(decl.pattern.source ? { source: [...decl.pattern.source] } : {}),
      ...(decl.pattern['detail-type'] ? { detailType: [...decl.pattern['detail-type']] } : {}),
    },
  });
  rule.addTarget(
    new LambdaFunction(props.fn, {
      deadLetterQueue: deadLetters,
      retryAttempts: 8,
      maxEventAge: Duration.hours(24),
    }),
  );
  markDeclared(rule, 'eventRule', name);
  asyncFailureQueue(scope, props.stage, decl.function, props.fn);
  return rule;
};

/**
 * A declared EventBridge Scheduler schedule (UTC unless it names a time zone), invoking one function
 * with `{"schedule": name}`. Scheduler retries an invocation it could not make, then keeps it in the
 * schedule's dead-letter queue; the run that Lambda accepted but that threw goes to the function's
 * on-failure destination (asyncFailureQueue): a failed outbox relay, evaluation cycle or overdue sweep
 * waits for the redrive instead of vanishing after Lambda's retries.
 */
export const addSchedule = (
  scope: Construct,
  props: { stage: Stage; name: string; decl: PlatformDeclaration['schedules'][string]; fn: IFunction },
): Schedule => {
  const { name, decl, fn } = props;
  const stack = Stack.of(scope);
  const cid = pascal(name);
  // Scheduler may assume this role only for schedules of this account's default group.
  const role = new Role(scope, `${cid}Role`, {
    description: `Schedule ${name} (${props.stage}) invokes function ${decl.function}`,
    assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
      conditions: {
        StringEquals: {
          'aws:SourceAccount': stack.account,
          'aws:SourceArn': stack.formatArn({
            service: 'scheduler',
            resource: 'schedule-group',
            resourceName: 'default',
            arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
          }),
        },
      },
    }),
  });
  role.addToPrincipalPolicy(
    new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [fn.functionArn] }),
  );
  // Invocations Scheduler could not make after its retries wait here (the run is lost otherwise).
  const deadLetters = deadLetterQueue(scope, `${cid}DeadLetters`, {
    stage: props.stage,
    kind: 'schedule',
    name,
    purpose: `invocations of schedule ${name}`,
  });
  deadLetters.grantSendMessages(role);
  const schedule = new Schedule(scope, cid, {
    scheduleName: `${props.stage}-${name}`,
    description: decl.description,
    schedule: ScheduleExpression.expression(
      decl.expression,
      decl.timezone ? TimeZone.of(decl.timezone) : TimeZone.ETC_UTC,
    ),
    timeWindow: TimeWindow.off(),
    // The role above may invoke exactly the unqualified function; handed over without policy updates
    // so that LambdaInvoke does not widen it to every version and alias (`:*`).
    target: new LambdaInvoke(fn, {
      role: role.withoutPolicyUpdates(),
      input: ScheduleTargetInput.fromObject({ schedule: name }),
      retryAttempts: 3,
      maxEventAge: Duration.hours(1),
      deadLetterQueue: deadLetters,
    }),
  });
  markDeclared(schedule, 'schedule', name);
  asyncFailureQueue(scope, props.stage, decl.function, fn);
  return schedule;
};
