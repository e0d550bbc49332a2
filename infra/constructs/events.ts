import { ArnFormat, Duration, Stack, TimeZone } from 'aws-cdk-lib';
import { type IEventBus, Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { Schedule, ScheduleExpression, ScheduleTargetInput, TimeWindow } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { Construct } from 'constructs';
import type { Stage } from './config.js';
import { deadLetterQueue } from './dead-letters.js';
import { markDeclared, type PlatformDeclaration, pascal } from './declaration.js';
import type { PlatformFunctions } from './functions.js';

/** Lambda's own retries of an asynchronous invocation that threw (its maximum), before the on-failure destination. */
export const ASYNC_RETRY_ATTEMPTS = 2;

/**
 * Declared event rules on the platform bus, each delivering to one function. Nothing is dropped on
 * either leg: EventBridge retries a delivery it could not hand over and then puts the event in the
 * rule's dead-letter queue; the function, invoked asynchronously, retries an event it threw on and
 * then sends the invocation record to its on-failure destination (one queue per consuming function).
 */
export class EventRules extends Construct {
  constructor(
    scope: Construct,
    id: string,
    props: {
      stage: Stage;
      bus: IEventBus;
      eventRules: PlatformDeclaration['eventRules'];
      functions: PlatformFunctions;
    },
  ) {
    super(scope, id);
    const consumers = new Set<string>();
    for (const [name, decl] of Object.entries(props.eventRules)) {
      const cid = pascal(name);
      // Events EventBridge could not hand to the function after every retry wait here.
      const deadLetters = deadLetterQueue(this, `${cid}DeadLetters`, {
        stage: props.stage,
        kind: 'rule',
        name,
        purpose: `deliveries of event rule ${name}`,
      });
      const rule = new Rule(this, cid, {
        eventBus: props.bus,
        description: decl.description,
        eventPattern: {
          ...(decl.pattern.source ? { source: [...decl.pattern.source] } : {}),
          ...(decl.pattern['detail-type'] ? { detailType: [...decl.pattern['detail-type']] } : {}),
        },
      });
      rule.addTarget(
        new LambdaFunction(props.functions.get(decl.function), {
          deadLetterQueue: deadLetters,
          retryAttempts: 8,
          maxEventAge: Duration.hours(24),
        }),
      );
      markDeclared(rule, 'eventRule', name);
      consumers.add(decl.function);
    }
    for (const f of consumers) {
      const fn = props.functions.get(f);
      // Events the function threw on, after Lambda's retries: the invocation record (event included).
      const failed = deadLetterQueue(this, `${pascal(f)}FailedEvents`, {
        stage: props.stage,
        kind: 'async',
        name: f,
        purpose: `on-failure destination of function ${f}'s asynchronous invocations`,
      });
      fn.configureAsyncInvoke({
        onFailure: new SqsDestination(failed),
        retryAttempts: ASYNC_RETRY_ATTEMPTS,
        maxEventAge: Duration.hours(6),
      });
    }
  }
}

/** Declared EventBridge Scheduler schedules (UTC), each invoking one function with `{"schedule": name}`. */
export class Schedules extends Construct {
  constructor(
    scope: Construct,
    id: string,
    props: { stage: Stage; schedules: PlatformDeclaration['schedules']; functions: PlatformFunctions },
  ) {
    super(scope, id);
    const stack = Stack.of(this);
    for (const [name, decl] of Object.entries(props.schedules)) {
      const cid = pascal(name);
      const fn = props.functions.get(decl.function);
      // Scheduler may assume this role only for schedules of this account's default group.
      const role = new Role(this, `${cid}Role`, {
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
      const deadLetters = deadLetterQueue(this, `${cid}DeadLetters`, {
        stage: props.stage,
        kind: 'schedule',
        name,
        purpose: `invocations of schedule ${name}`,
      });
      deadLetters.grantSendMessages(role);
      const schedule = new Schedule(this, cid, {
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
    }
  }
}
