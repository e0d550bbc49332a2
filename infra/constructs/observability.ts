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
import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { CfnFunction, IFunction } from 'aws-cdk-lib/aws-lambda';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { type ITopic, Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { capabilitiesOf } from './capabilities.js';
import { type Stage, stageConfigOf } from './config.js';
import { type DeadLetterKind, deadLetterQueueName } from './dead-letters.js';
import { pascal } from './declaration.js';
import { metricsNamespace, type PlatformFunctions } from './functions.js';
import { BYTES_SCANNED_CUTOFF } from './processing.js';
import type { Workflows } from './workflows.js';

/** Business metrics the alarms watch (emitted by functions/shared/metrics.ts, namespace per stage). */
export const METRIC_OUTBOX_BACKLOG = 'OutboxBacklog';
export const METRIC_REVIEW_TASK_OVERDUE = 'ReviewTaskOverdue';

/** A function whose p99 duration reaches this share of its timeout is alarmed: it is about to time out. */
export const DURATION_ALARM_SHARE = 0.8;
/** The account's Lambda concurrency alarm fires at this share of the quota (infra/stages.ts). */
export const CONCURRENCY_ALARM_SHARE = 0.8;
/** Bytes the stage's Athena jobs may scan in a day before someone looks (ten full-limit queries). */
export const ATHENA_DAILY_SCAN_ALARM = 10 * BYTES_SCANNED_CUTOFF;

const FIVE_MINUTES = Duration.minutes(5);

/**
 * The stage's alarm topic: every alarm notifies it; its email subscribers come from infra/stages.ts.
 * A stage with no recipient has no topic, and so no alarms (see alarm()).
 */
export class AlarmTopic extends Construct {
  readonly topic?: Topic;

  constructor(scope: Construct, id: string, props: { stage: Stage }) {
    super(scope, id);
    const recipients = stageConfigOf(this, props.stage).alarmEmails;
    if (recipients.length === 0) return;
    this.topic = new Topic(this, 'AlarmTopic', {
      topicName: `${props.stage}-platform-alarms`,
      displayName: `Shiyan data platform alarms (${props.stage})`,
      enforceSSL: true,
    });
    for (const email of recipients) this.topic.addSubscription(new EmailSubscription(email));
  }
}

/**
 * One alarm on one metric, or on a metric-math expression over at most ten (CloudWatch bills an alarm
 * per metric it reads, so an expression is used where it makes one alarm out of several signals, not
 * to save money). Breaches at or above the threshold; missing data (no traffic) is not a breach.
 * Without a topic (a stage whose config names no alarm recipient, such as dev) no alarm is made:
 * an alarm nobody hears only costs money; the dashboard still shows every metric.
 */
export const alarm = (
  scope: Construct,
  props: {
    stage: Stage;
    topic: ITopic | undefined;
    id: string;
    description: string;
    metric: IMetric;
    threshold: number;
    periods?: number;
  },
): Alarm | undefined => {
  if (!props.topic) return undefined;
  const a = new Alarm(scope, props.id, {
    alarmName: `${props.stage}-${props.id}`,
    alarmDescription: props.description,
    metric: props.metric,
    threshold: props.threshold,
    evaluationPeriods: props.periods ?? 1,
    comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: TreatMissingData.NOT_BREACHING,
  });
  a.addAlarmAction(new SnsAction(props.topic));
  return a;
};

/**
 * What one duty's stack watches of its own: the function's errors, its p99 duration against its
 * timeout, its throttles where it has reserved concurrency (elsewhere throttling is the account's,
 * alarmed once by Observability), and the depth of every dead-letter queue the stack holds. Any queue
 * a duty adds through deadLetterQueue() is watched the same way.
 */
export const watchDuty = (
  scope: Construct,
  props: {
    stage: Stage;
    topic: ITopic | undefined;
    name: string;
    fn: NodejsFunction;
    queues: readonly DutyQueue[];
  },
): void => {
  const { stage, topic, name, fn } = props;
  const cid = pascal(name);
  alarm(scope, {
    stage,
    topic,
    id: `${cid}FunctionErrors`,
    description: `Function ${name} failed at least once in 5 minutes (its log group has the error)`,
    metric: fn.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' }),
    threshold: 1,
  });
  const timeoutMs = fn.timeout?.toMilliseconds() ?? 3000;
  alarm(scope, {
    stage,
    topic,
    id: `${cid}FunctionDurationP99`,
    description: `Function ${name}: p99 duration reached ${DURATION_ALARM_SHARE * 100} % of its ${timeoutMs / 1000} s timeout (raise the timeout or split the work before it times out)`,
    metric: fn.metricDuration({ period: FIVE_MINUTES, statistic: 'p99' }),
    threshold: Math.round(DURATION_ALARM_SHARE * timeoutMs),
  });
  const reserved = (fn.node.defaultChild as CfnFunction).reservedConcurrentExecutions;
  if (reserved !== undefined)
    alarm(scope, {
      stage,
      topic,
      id: `${cid}FunctionThrottles`,
      description: `Function ${name} was throttled at its reserved concurrency (${String(reserved)})`,
      metric: fn.metricThrottles({ period: FIVE_MINUTES, statistic: 'Sum' }),
      threshold: 1,
    });
  for (const { kind, name: queueName, queue } of props.queues) {
    alarm(scope, {
      stage,
      topic,
      id: `${pascal(kind)}${pascal(queueName)}DeadLetters`,
      description: `Dead-letter queue of ${kind} ${queueName} holds work: redrive it (npm run redrive -- --stage ${stage})`,
      metric: queue.metricApproximateNumberOfMessagesVisible({ period: FIVE_MINUTES, statistic: 'Maximum' }),
      threshold: 1,
    });
  }
};
export interface DutyQueue {
  readonly kind: DeadLetterKind;
  readonly name: string;
  readonly queue: Queue;
}

/**
 * The stage-wide alarms and the dashboard, built from what the stack built from the declaration: the
 * API, the account's Lambda concurrency and throttles, the sign-in trigger, every state machine, every
 * table, the Athena workgroup, the business metrics. A new duty, table or machine is watched without a
 * line here. The per-duty alarms are in each duty's stack (watchDuty).
 */
export class Observability extends Construct {
  readonly dashboard: Dashboard;

  constructor(
    scope: Construct,
    id: string,
    props: {
      stage: Stage;
      topic: ITopic | undefined;
      api: HttpApi;
      functions: PlatformFunctions;
      workflows: Workflows;
      tables: ReadonlyMap<string, TableV2>;
      /** Tables some function writes (their transactions' system errors are watched). */
      writtenTables: ReadonlySet<string>;
      /** The Cognito pre-token-generation trigger, on Cognito stages. */
      signInTrigger?: IFunction;
      /** The processing duty's Athena workgroup, when processing is declared. */
      athenaWorkGroup?: string;
      /** Every dead-letter queue, by kind and declared name (for the dashboard). */
      deadLetters: readonly { kind: DeadLetterKind; name: string }[];
    },
  ) {
    super(scope, id);
    const { stage, topic } = props;
    const config = stageConfigOf(this, stage);
    const ns = metricsNamespace(stage);
    const on = (cid: string, description: string, metric: IMetric, threshold: number, periods = 1) =>
      alarm(this, { stage, topic, id: cid, description, metric, threshold, periods });

    // The API
    const api5xx = props.api.metricServerError({ period: FIVE_MINUTES, statistic: 'Sum' });
    const apiLatency = props.api.metricLatency({ period: FIVE_MINUTES, statistic: 'p99' });
    on('Api5xx', 'The API answered 5 or more server errors in 5 minutes', api5xx, 5);
    on('ApiLatencyP99', 'The API p99 latency stayed at or above 3 s for 15 minutes', apiLatency, 3000, 3);

    // The account's Lambda capacity: every function of the stage shares it (none reserves any, except
    // where a duty sets reserved concurrency: watched in that duty's stack).
    const lambda = (metricName: string, statistic: string) =>
      new Metric({ namespace: 'AWS/Lambda', metricName, statistic, period: FIVE_MINUTES });
    const concurrency = lambda('ConcurrentExecutions', 'Maximum');
    const quota = config.lambdaConcurrencyQuota;
    on(
      'LambdaConcurrency',
      `The account's Lambda concurrency stayed at or above ${CONCURRENCY_ALARM_SHARE * 100} % of its quota (${quota}) for 15 minutes: ask for more before requests are throttled (account-wide: includes any other stack of the account and region)`,
      concurrency,
      Math.floor(CONCURRENCY_ALARM_SHARE * quota),
      3,
    );
    const throttles = lambda('Throttles', 'Sum');
    on(
      'LambdaThrottles',
      'Lambda throttled invocations in this account and region: requests failed with 429/503 or were retried',
      throttles,
      1,
    );

    // The sign-in trigger (Cognito): a failing or slow pre-token trigger stops every sign-in.
    if (props.signInTrigger) {
      const trigger = props.signInTrigger;
      on(
        'SignInTriggerErrors',
        'The Cognito pre-token-generation trigger failed: sign-ins fail while it does',
        trigger.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' }),
        1,
      );
      on(
        'SignInTriggerDurationP99',
        `The pre-token-generation trigger's p99 duration reached ${DURATION_ALARM_SHARE * 100} % of the 5 s Cognito allows`,
        trigger.metricDuration({ period: FIVE_MINUTES, statistic: 'p99' }),
        Math.round(DURATION_ALARM_SHARE * 5000),
      );
    }

    // Every state machine: one alarm for an execution that failed, timed out or was aborted.
    const sfnFailed: IMetric[] = [];
    for (const [name, machine] of props.workflows.byName) {
      const failed = machine.metricFailed({ period: FIVE_MINUTES, statistic: 'Sum' });
      const timedOut = machine.metricTimedOut({ period: FIVE_MINUTES, statistic: 'Sum' });
      const aborted = machine.metricAborted({ period: FIVE_MINUTES, statistic: 'Sum' });
      sfnFailed.push(failed.with({ label: `${name} failed` }), timedOut.with({ label: `${name} timed out` }));
      on(
        `${pascal(name)}ExecutionsFailed`,
        `A ${name} execution failed, timed out or was aborted`,
        new MathExpression({
          expression: 'failed + timedOut + aborted',
          usingMetrics: { failed, timedOut, aborted },
          period: FIVE_MINUTES,
        }),
        1,
      );
    }

    // Every table: throttled reads or writes, and system errors of the transactions that carry every
    // change (functions/shared/store.ts), on the tables something writes.
    for (const [name, table] of props.tables) {
      const metrics: Record<string, IMetric> = {
        readThrottles: table.metric('ReadThrottleEvents', { period: FIVE_MINUTES, statistic: 'Sum' }),
        writeThrottles: table.metric('WriteThrottleEvents', { period: FIVE_MINUTES, statistic: 'Sum' }),
      };
      if (props.writtenTables.has(name))
        metrics.systemErrors = table.metric('SystemErrors', {
          period: FIVE_MINUTES,
          statistic: 'Sum',
          dimensionsMap: { TableName: table.tableName, Operation: 'TransactWriteItems' },
        });
      on(
        `${pascal(name)}TableThrottledOrFailing`,
        `Table ${name}: DynamoDB throttled reads or writes${metrics.systemErrors ? ', or transactions failed with system errors' : ''} in 5 minutes`,
        new MathExpression({
          expression: Object.keys(metrics).join(' + '),
          usingMetrics: metrics,
          period: FIVE_MINUTES,
        }),
        1,
      );
    }

    // Athena (processing jobs): failed or cancelled queries, and a day's scan volume.
    if (props.athenaWorkGroup) {
      const athena = (metricName: string, statistic: string, queryState: string, period = FIVE_MINUTES) =>
        new Metric({
          namespace: 'AWS/Athena',
          metricName,
          statistic,
          period,
          dimensionsMap: { WorkGroup: props.athenaWorkGroup!, QueryType: 'DML', QueryState: queryState },
        });
      on(
        'AthenaQueriesFailed',
        `Athena queries of workgroup ${props.athenaWorkGroup} failed or were cancelled (e.g. at the ${BYTES_SCANNED_CUTOFF / 1024 ** 3} GiB per-query limit)`,
        new MathExpression({
          expression: 'failed + cancelled',
          usingMetrics: {
            failed: athena('TotalExecutionTime', 'SampleCount', 'FAILED'),
            cancelled: athena('TotalExecutionTime', 'SampleCount', 'CANCELED'),
          },
          period: FIVE_MINUTES,
        }),
        1,
      );
      on(
        'AthenaDailyScan',
        `Athena jobs scanned ${ATHENA_DAILY_SCAN_ALARM / 1024 ** 3} GiB or more in a day (billed per TB scanned)`,
        athena('ProcessedBytes', 'Sum', 'SUCCEEDED', Duration.days(1)),
        ATHENA_DAILY_SCAN_ALARM,
      );
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
    on(
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
    on('ReviewTasksOverdue', 'A review task passed its deadline (Art. 10, 15)', overdue, 1);

    // One dashboard per stage (graphs cost nothing per metric; only alarms do).
    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: `${stage}-platform`,
      defaultInterval: Duration.hours(24),
    });
    const graph = (title: string, left: IMetric[], width = 12) =>
      new GraphWidget({ title, left, width, height: 6 });
    this.dashboard.addWidgets(
      new TextWidget({
        markdown: `# Shiyan data platform (${stage})\n${topic ? `Alarms go to SNS topic \`${stage}-platform-alarms\`` : 'No alarm recipients in infra/stages.ts: no alarms'}. A dead-letter queue with messages: \`npm run redrive -- --stage ${stage}\`.`,
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
    const fnErrors: IMetric[] = [];
    const fnDurations: IMetric[] = [];
    const fnDropped: IMetric[] = [];
    for (const [name, fn] of props.functions.byName) {
      fnErrors.push(fn.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum', label: name }));
      fnDurations.push(fn.metricDuration({ period: FIVE_MINUTES, statistic: 'p99', label: name }));
      fnDropped.push(
        fn.metric('AsyncEventsDropped', { period: FIVE_MINUTES, statistic: 'Sum', label: name }),
      );
    }
    this.dashboard.addWidgets(
      graph('Function errors', fnErrors, 8),
      graph('Function duration p99 (ms)', fnDurations, 8),
      graph('Lambda concurrency and throttles (account)', [concurrency, throttles], 8),
    );
    // Lambda's asynchronous-invocation metrics exist only where the partition offers them.
    const asyncDropped = capabilitiesOf(config).lambdaAsyncMetrics
      ? [graph('Asynchronous events dropped after retries', fnDropped, 8)]
      : [];
    const dlqDepth = props.deadLetters.map(
      ({ kind, name }) =>
        new Metric({
          namespace: 'AWS/SQS',
          metricName: 'ApproximateNumberOfMessagesVisible',
          dimensionsMap: { QueueName: deadLetterQueueName(stage, kind, name) },
          statistic: 'Maximum',
          period: FIVE_MINUTES,
          label: `${kind} ${name}`,
        }),
    );
    this.dashboard.addWidgets(
      graph('Workflow executions failed / timed out', sfnFailed, 8),
      graph('Dead-letter queue depth', dlqDepth, 8),
      ...asyncDropped,
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
          title: `${name}: domain events`,
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
