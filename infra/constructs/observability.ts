import { Duration } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  MathExpression,
  Metric,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { type Stage, stageConfig } from './config.js';
import { deadLetterQueuesOf } from './dead-letters.js';
import { pascal } from './declaration.js';
import { metricsNamespace, type PlatformFunctions } from './functions.js';
import type { Workflows } from './workflows.js';

/** Business metrics the alarms watch (emitted by functions/shared/metrics.ts, namespace per stage). */
export const METRIC_OUTBOX_BACKLOG = 'OutboxBacklog';
export const METRIC_REVIEW_TASK_OVERDUE = 'ReviewTaskOverdue';

const FIVE_MINUTES = Duration.minutes(5);

/**
 * The stage's alarms and its dashboard, built from what the stack built from the declaration: every
 * function, every state machine, every dead-letter queue, the API, plus the business metrics. A new
 * duty gets its alarms and widgets without a line here. Alarms notify one SNS topic whose email
 * subscribers come from the stage config (infra/stages.ts).
 */
export class Observability extends Construct {
  readonly topic: Topic;
  readonly alarms: Alarm[] = [];
  readonly dashboard: Dashboard;

  constructor(
    scope: Construct,
    id: string,
    props: { stage: Stage; api: HttpApi; functions: PlatformFunctions; workflows: Workflows },
  ) {
    super(scope, id);
    const config = stageConfig(props.stage);
    this.topic = new Topic(this, 'AlarmTopic', {
      topicName: `${props.stage}-platform-alarms`,
      displayName: `Shiyan data platform alarms (${props.stage})`,
      enforceSSL: true,
    });

    for (const email of config.alarmEmails) this.topic.addSubscription(new EmailSubscription(email));
    const action = new SnsAction(this.topic);
    const ns = metricsNamespace(props.stage);

    // Alarms watch the plain metric (a label would turn it into a metric-math query); widgets keep labels.
    const alarm = (cid: string, description: string, metric: Metric, threshold: number, periods = 1) => {
      const a = new Alarm(this, cid, {
        alarmName: `${props.stage}-${cid}`,
        alarmDescription: description,
        metric,
        threshold,
        evaluationPeriods: periods,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      a.addAlarmAction(action);
      this.alarms.push(a);
      return a;
    };

    // The API
    const api5xx: Metric = props.api.metricServerError({ period: FIVE_MINUTES, statistic: 'Sum' });
    const apiLatency: Metric = props.api.metricLatency({ period: FIVE_MINUTES, statistic: 'p99' });
    alarm('Api5xx', 'The API answered 5 or more server errors in 5 minutes', api5xx, 5);
    alarm('ApiLatencyP99', 'The API p99 latency stayed at or above 3 s for 15 minutes', apiLatency, 3000, 3);

    // Every function
    const fnErrors: IMetric[] = [];
    const fnThrottles: IMetric[] = [];
    const fnDurations: IMetric[] = [];
    for (const [name, fn] of props.functions.byName) {
      const errors = fn.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' });
      const throttles = fn.metricThrottles({ period: FIVE_MINUTES, statistic: 'Sum' });
      fnErrors.push(errors.with({ label: name }));
      fnThrottles.push(throttles.with({ label: name }));
      fnDurations.push(fn.metricDuration({ period: FIVE_MINUTES, statistic: 'p99', label: name }));
      alarm(`${pascal(name)}FunctionErrors`, `Function ${name} failed at least once in 5 minutes`, errors, 1);
      alarm(`${pascal(name)}FunctionThrottles`, `Function ${name} was throttled in 5 minutes`, throttles, 1);
    }

    // Every state machine
    const sfnFailed: IMetric[] = [];
    for (const [name, machine] of props.workflows.byName) {
      const failed = machine.metricFailed({ period: FIVE_MINUTES, statistic: 'Sum' });
      const timedOut = machine.metricTimedOut({ period: FIVE_MINUTES, statistic: 'Sum' });
      sfnFailed.push(failed.with({ label: `${name} failed` }), timedOut.with({ label: `${name} timed out` }));
      alarm(`${pascal(name)}ExecutionsFailed`, `A ${name} execution failed`, failed, 1);
      alarm(`${pascal(name)}ExecutionsTimedOut`, `A ${name} execution timed out`, timedOut, 1);
    }

    // Every dead-letter queue: something waits for a redrive (npm run redrive).
    const dlqDepth: IMetric[] = [];
    const dlqAge: IMetric[] = [];
    for (const { kind, name, queue } of deadLetterQueuesOf(this)) {
      const label = `${kind} ${name}`;
      const depth = queue.metricApproximateNumberOfMessagesVisible({
        period: FIVE_MINUTES,
        statistic: 'Maximum',
      });
      const age = queue.metricApproximateAgeOfOldestMessage({ period: FIVE_MINUTES, statistic: 'Maximum' });
      dlqDepth.push(depth.with({ label }));
      dlqAge.push(age.with({ label }));
      const cid = `${pascal(kind)}${pascal(name)}DeadLetters`;
      alarm(`${cid}Depth`, `Dead-letter queue of ${label} holds work: redrive it (README)`, depth, 1);
      alarm(`${cid}Age`, `Dead-letter queue of ${label} holds work older than a day`, age, 86_400);
    }

    // Business metrics
    const relayed = new Metric({
      namespace: ns,
      metricName: 'EventsRelayed',
      dimensionsMap: { service: 'outbox' },
      statistic: 'Sum',
      period: FIVE_MINUTES,
    });
    const backlog = new Metric({
      namespace: ns,
      metricName: METRIC_OUTBOX_BACKLOG,
      dimensionsMap: { service: 'outbox' },
      statistic: 'Maximum',
      period: FIVE_MINUTES,
    });
    alarm(
      'OutboxBacklog',
      'Committed events waited over a minute for the bus for 15 minutes (publishing fails)',
      backlog,
      1,
      3,
    );
    const overdue = new Metric({
      namespace: ns,
      metricName: METRIC_REVIEW_TASK_OVERDUE,
      dimensionsMap: { service: 'tasks' },
      statistic: 'Sum',
      period: FIVE_MINUTES,
    });
    alarm('ReviewTasksOverdue', 'A review task passed its deadline (Art. 10, 15)', overdue, 1);

    // One dashboard per stage.
    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: `${props.stage}-platform`,
      defaultInterval: Duration.hours(24),
    });
    const graph = (title: string, left: IMetric[], width = 12) =>
      new GraphWidget({ title, left, width, height: 6 });
    this.dashboard.addWidgets(
      new TextWidget({
        markdown: `# Shiyan data platform (${props.stage})\nAlarms go to SNS topic \`${props.stage}-platform-alarms\`. A dead-letter queue with messages: \`npm run redrive -- --stage ${props.stage}\`.`,
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      graph('API requests and errors', [
        props.api.metricCount({ period: FIVE_MINUTES, statistic: 'Sum' }),
        props.api.metricClientError({ period: FIVE_MINUTES, statistic: 'Sum' }),
        api5xx,
      ]),
      graph('API latency p50 / p99 (ms)', [
        props.api.metricLatency({ period: FIVE_MINUTES, statistic: 'p50' }),
        apiLatency,
      ]),
    );
    this.dashboard.addWidgets(
      graph('Function errors', fnErrors, 8),
      graph('Function throttles', fnThrottles, 8),
      graph('Function duration p99 (ms)', fnDurations, 8),
    );
    this.dashboard.addWidgets(
      graph('Workflow executions failed / timed out', sfnFailed, 8),
      graph('Dead-letter queue depth', dlqDepth, 8),
      graph('Dead-letter queue oldest message (s)', dlqAge, 8),
    );
    this.dashboard.addWidgets(
      graph('Outbox backlog and events relayed', [backlog, relayed], 12),
      graph('Review tasks overdue', [overdue], 12),
    );
    // Business metrics per duty: every domain event each function commits, by name (SEARCH picks up
    // whatever a new duty publishes without a change here).
    for (const name of props.functions.byName.keys()) {
      this.dashboard.addWidgets(
        new GraphWidget({
          title: `${name}: domain events and operations`,
          width: 24,
          height: 5,
          left: [
            new MathExpression({
              expression: `SEARCH('{${ns},service} service="${name}"', 'Sum', 300)`,
              label: name,
              period: FIVE_MINUTES,
            }),
          ],
        }),
      );
    }
  }
}
