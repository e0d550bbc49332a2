import { NestedStack, Stack } from 'aws-cdk-lib';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { DEFAULT_ROUTE_FUNCTION } from '../system.js';
import type { PlatformApi } from './api.js';
import type { Stage } from './config.js';
import { deadLetterQueuesOf } from './dead-letters.js';
import { type PlatformDeclaration, pascal } from './declaration.js';
import { addEventRule, addSchedule } from './events.js';
import { buildFunction, type FunctionContext } from './functions.js';
import { watchDuty } from './observability.js';

/**
 * One duty, whole, in its own nested stack `Duty<Name>`: its function (role, log group, grants), the
 * HTTP routes it serves, the event rules and schedules that invoke it with their dead-letter queues,
 * its asynchronous-invocation failure queue, and the alarms on all of these. The seam follows the
 * declaration (one function per duty), so it does not move as duties are added: each new duty is a new
 * nested stack, and no stack grows with the number of duties except the platform stack by one resource.
 * Shared resources (tables, bus, API, identity, secrets, workflows) stay in the platform stack and
 * reach the duty as parameters.
 */
export class DutyStack extends NestedStack {
  readonly fn: NodejsFunction;

  constructor(
    scope: Construct,
    id: string,
    props: {
      stage: Stage;
      name: string;
      declaration: PlatformDeclaration;
      context: FunctionContext;
      api: PlatformApi;
      bus: IEventBus;
      /** The stage's alarm topic; none: no alarms (a stage without recipients). */
      topic: ITopic | undefined;
    },
  ) {
    super(scope, id, { description: `Duty ${props.name} of the platform (${props.stage})` });
    const { stage, name, declaration: d } = props;
    const decl = d.functions[name];
    if (!decl) throw new Error(`function ${name} is not declared`);
    this.fn = buildFunction(this, name, decl, props.context);

    props.api.addRoutes(
      this,
      name,
      this.fn,
      d.routes.filter((r) => r.function === name),
      { fallback: name === DEFAULT_ROUTE_FUNCTION },
    );
    for (const [rule, r] of Object.entries(d.eventRules).filter(([, r]) => r.function === name))
      addEventRule(this, { stage, bus: props.bus, name: rule, decl: r, fn: this.fn });
    for (const [schedule, s] of Object.entries(d.schedules).filter(([, s]) => s.function === name))
      addSchedule(this, { stage, name: schedule, decl: s, fn: this.fn });

    watchDuty(this, {
      stage,
      topic: props.topic,
      name,
      fn: this.fn,
      queues: deadLetterQueuesOf(this).filter((q) => Stack.of(q.queue) === this),
    });
  }
}

/** Construct id of a duty's nested stack: part of the deployed contract (renaming it replaces the duty). */
export const dutyStackId = (name: string): string => `Duty${pascal(name)}`;
