import { ArnFormat, Duration, Stack, TimeZone, Validations } from 'aws-cdk-lib';
import { type IEventBus, Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Schedule, ScheduleExpression, ScheduleTargetInput, TimeWindow } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { Stage } from './config.js';
import { markDeclared, type PlatformDeclaration, pascal } from './declaration.js';
import type { PlatformFunctions } from './functions.js';

/** Declared event rules on the platform bus, each delivering to one function. */
export class EventRules extends Construct {
  constructor(
    scope: Construct,
    id: string,
    props: { bus: IEventBus; eventRules: PlatformDeclaration['eventRules']; functions: PlatformFunctions },
  ) {
    super(scope, id);
    for (const [name, decl] of Object.entries(props.eventRules)) {
      const cid = pascal(name);
      // Events the function could not take after every retry wait here instead of being dropped.
      const deadLetters = new Queue(this, `${cid}DeadLetters`, {
        enforceSSL: true,
        encryption: QueueEncryption.SQS_MANAGED,
        retentionPeriod: Duration.days(14),
      });
      Validations.of(deadLetters).acknowledge({
        id: 'AwsSolutions-SQS3',
        reason: `This queue is itself the dead-letter queue of event rule ${name}; a queue behind it would only move the problem.`,
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
        }),
      });
      markDeclared(schedule, 'schedule', name);
    }
  }
}
