/**
 * What a stage costs, computed from its synthesized templates (not guessed): the standing cost of a
 * month with no traffic — alarms (per metric they read), dashboards, secrets, the web ACL and its
 * rules, the schedules' own invocations — and the cost of a million API requests through what the
 * template puts in front of and behind the API (CloudFront, WAF, API Gateway, Lambda at the memory the
 * template gives the functions that serve routes, X-Ray where tracing is on, DynamoDB, logs).
 * `npm run cost` prints the table the README carries (test/infra/run-for-real.test.ts keeps them equal).
 *
 * Prices: AWS list prices in USD, US East (N. Virginia), as published in 2026; other regions differ by
 * up to ~30 % (China regions bill in CNY at their own list prices). Assumptions are named next to
 * each figure and kept in ASSUMPTIONS.
 */

/** List prices (USD). */
export const PRICES = {
  alarmMetric: 0.1, // per alarm metric-month, standard resolution (a metric-math alarm: per metric it reads)
  compositeAlarm: 0.5, // per composite alarm-month
  dashboard: 3, // per dashboard-month (beyond 3 free per account)
  customMetric: 0.3, // per custom metric-month, prorated by the hour it is published
  secret: 0.4, // per secret-month
  secretCalls: 0.05 / 10_000, // per GetSecretValue
  webAcl: 5, // per web ACL-month
  webAclRule: 1, // per rule or rule group-month
  wafRequests: 0.6 / 1e6,
  httpApiRequests: 1 / 1e6, // first 300 M a month
  cloudFrontRequests: 0.01 / 10_000, // HTTPS, US/Europe
  cloudFrontGb: 0.085, // data out, first 10 TB, US/Europe
  lambdaRequests: 0.2 / 1e6,
  lambdaArmGbSecond: 0.0000133334,
  xrayTraces: 5 / 1e6, // traces recorded (first 100,000 a month free)
  dynamoRead: 0.125 / 1e6, // on-demand read request unit
  dynamoWrite: 0.625 / 1e6, // on-demand write request unit
  logsGb: 0.5, // CloudWatch Logs ingestion
  busEvents: 1 / 1e6, // EventBridge custom events
} as const;

/** What a request is assumed to do; the template supplies everything else. */
export const ASSUMPTIONS = {
  /** Billed duration of an API function invocation (warm), seconds. */
  apiDurationSeconds: 0.06,
  /** Billed duration of a scheduled run that finds little to do, seconds. */
  scheduleDurationSeconds: 0.2,
  /** DynamoDB read units per request. */
  readUnits: 3,
  /** Share of requests that change something: a transaction of ~4 items × 2 write units. */
  writeShare: 0.1,
  writeUnits: 8,
  /** Response size through CloudFront, KB. */
  responseKb: 5,
  /** Log ingested per request (access log line, `Invoked`, EMF), KB. */
  logKbPerRequest: 1.5,
  /** Log ingested per scheduled run, KB. */
  logKbPerRun: 1,
  /** Events published per request (10 % of requests change something and publish one). */
  eventsPerRequest: 0.1,
  /**
   * Share of requests X-Ray records: Lambda traces the first request each second and 5 % of the rest,
   * so under about one request a second nearly every request is traced.
   */
  tracedShare: 1,
  /** Secret reads: one per cached secret per warm container per cache period (900 s): 4 an hour. */
  secretReadsPerContainerHour: 4,
  /** Containers kept warm all month (roughly one per function serving steady traffic). */
  warmContainers: 10,
} as const;

interface Resource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
}
export interface CostTemplate {
  readonly Resources: Record<string, Resource>;
}

export interface CostLine {
  readonly item: string;
  readonly detail: string;
  readonly usd: number;
}

const ofType = (templates: readonly CostTemplate[], type: string): Resource[] =>
  templates.flatMap((t) => Object.values(t.Resources).filter((r) => r.Type === type));

/** Metrics an alarm reads: one, or each MetricStat of its metric-math expression. */
const alarmMetrics = (alarm: Resource): number => {
  const metrics = alarm.Properties?.Metrics as { MetricStat?: unknown }[] | undefined;
  return metrics ? metrics.filter((m) => m.MetricStat).length : 1;
};

const HOURS_A_MONTH = 730;
/** Runs a month of an EventBridge Scheduler expression (rate or cron as the declaration writes them). */
export const runsPerMonth = (expression: string): number => {
  const rate = /^rate\((\d+) (minute|hour|day)s?\)$/.exec(expression);
  if (rate) {
    const every = Number(rate[1]) * { minute: 1, hour: 60, day: 1440 }[rate[2] as 'minute'];
    return (HOURS_A_MONTH * 60) / every;
  }
  const cron = /^cron\((\S+) (\S+) (\S+) (\S+) (\S+) (\S+)\)$/.exec(expression);
  if (!cron) throw new Error(`not a schedule expression: ${expression}`);
  const [, minute, hour, dom, month] = cron as unknown as string[];
  const count = (field: string, size: number): number => {
    if (field === '*' || field === '?') return size;
    const step = /^(?:\*|\d+)\/(\d+)$/.exec(field);
    if (step) return Math.ceil(size / Number(step[1]));
    return field.split(',').reduce((n, part) => {
      const range = /^(\d+)-(\d+)$/.exec(part);
      return n + (range ? Number(range[2]) - Number(range[1]) + 1 : 1);
    }, 0);
  };
  const perDay = count(minute!, 60) * count(hour!, 24);
  const days = dom === '*' || dom === '?' ? 30.4 : count(dom!, 31);
  return perDay * days * (count(month!, 12) / 12);
};

/** The standing cost of a month without traffic. */
export const standingCost = (templates: readonly CostTemplate[]): CostLine[] => {
  const alarms = ofType(templates, 'AWS::CloudWatch::Alarm');
  const alarmMetricCount = alarms.reduce((n, a) => n + alarmMetrics(a), 0);
  const composites = ofType(templates, 'AWS::CloudWatch::CompositeAlarm').length;
  const dashboards = ofType(templates, 'AWS::CloudWatch::Dashboard').length;
  const secrets = ofType(templates, 'AWS::SecretsManager::Secret').length;
  const acls = ofType(templates, 'AWS::WAFv2::WebACL');
  const rules = acls.reduce((n, a) => n + ((a.Properties?.Rules as unknown[]) ?? []).length, 0);
  // Each schedule's own runs: Lambda requests and compute at its target's memory, and their logs.
  const functions = new Map(
    templates.flatMap((t) =>
      Object.entries(t.Resources).filter(([, r]) => r.Type === 'AWS::Lambda::Function'),
    ),
  );
  let runs = 0;
  let gbSeconds = 0;
  for (const s of ofType(templates, 'AWS::Scheduler::Schedule')) {
    const n = runsPerMonth(String(s.Properties?.ScheduleExpression));
    const target = JSON.stringify((s.Properties?.Target as { Arn?: unknown } | undefined)?.Arn);
    const fn = [...functions].find(([id]) => target.includes(`"${id}"`))?.[1];
    const memoryGb = Number(fn?.Properties?.MemorySize ?? 256) / 1024;
    runs += n;
    gbSeconds += n * memoryGb * ASSUMPTIONS.scheduleDurationSeconds;
  }
  const lines: CostLine[] = [
    {
      item: 'CloudWatch alarms',
      detail: `${alarms.length} alarms reading ${alarmMetricCount} metrics × $${PRICES.alarmMetric}`,
      usd: alarmMetricCount * PRICES.alarmMetric + composites * PRICES.compositeAlarm,
    },
    {
      item: 'CloudWatch dashboard',
      detail: `${dashboards} × $${PRICES.dashboard}`,
      usd: dashboards * PRICES.dashboard,
    },
    {
      item: 'Secrets Manager',
      detail: `${secrets} secrets × $${PRICES.secret}, reads cached 15 min (~${ASSUMPTIONS.warmContainers} warm containers)`,
      usd:
        secrets * PRICES.secret +
        ASSUMPTIONS.warmContainers *
          ASSUMPTIONS.secretReadsPerContainerHour *
          HOURS_A_MONTH *
          PRICES.secretCalls,
    },
    ...(acls.length > 0
      ? [
          {
            item: 'AWS WAF web ACL',
            detail: `${acls.length} × $${PRICES.webAcl} + ${rules} rules × $${PRICES.webAclRule}`,
            usd: acls.length * PRICES.webAcl + rules * PRICES.webAclRule,
          },
        ]
      : []),
    {
      item: 'Scheduled runs',
      detail: `${Math.round(runs).toLocaleString('en')} runs (Lambda requests, ${ASSUMPTIONS.scheduleDurationSeconds} s each, logs)`,
      usd:
        runs * PRICES.lambdaRequests +
        gbSeconds * PRICES.lambdaArmGbSecond +
        (runs * ASSUMPTIONS.logKbPerRun * PRICES.logsGb) / 1024 ** 2,
    },
  ];
  return lines;
};

/** The cost of one million API requests. */
export const perMillionCost = (templates: readonly CostTemplate[]): CostLine[] => {
  const million = 1e6;
  const cloudFront = ofType(templates, 'AWS::CloudFront::Distribution').length > 0;
  const waf = ofType(templates, 'AWS::WAFv2::WebACL').length > 0;
  // The functions behind routes: their memory, as the template sets it, averaged over the routes.
  const integrations = ofType(templates, 'AWS::ApiGatewayV2::Integration');
  const functions = new Map(
    templates.flatMap((t) =>
      Object.entries(t.Resources).filter(([, r]) => r.Type === 'AWS::Lambda::Function'),
    ),
  );
  const served = integrations
    .map((i) => {
      const uri = JSON.stringify(i.Properties?.IntegrationUri);
      return [...functions].find(([id]) => uri.includes(`"${id}"`))?.[1];
    })
    .filter((f): f is Resource => f !== undefined);
  const memoryGb =
    served.reduce((n, f) => n + Number(f.Properties?.MemorySize ?? 128), 0) /
    Math.max(served.length, 1) /
    1024;
  const traced = served.some((f) => (JSON.stringify(f.Properties?.TracingConfig) ?? '').includes('Active'));
  const a = ASSUMPTIONS;
  return [
    ...(cloudFront
      ? [
          {
            item: 'CloudFront',
            detail: `HTTPS requests, ${a.responseKb} KB out each`,
            usd:
              million * PRICES.cloudFrontRequests +
              ((million * a.responseKb) / 1024 ** 2) * PRICES.cloudFrontGb,
          },
        ]
      : []),
    ...(waf ? [{ item: 'AWS WAF', detail: 'requests inspected', usd: million * PRICES.wafRequests }] : []),
    { item: 'API Gateway HTTP API', detail: 'requests', usd: million * PRICES.httpApiRequests },
    {
      item: 'Lambda',
      detail: `requests + ${Math.round(memoryGb * 1024)} MB (mean of the routed functions) × ${a.apiDurationSeconds} s, arm64`,
      usd:
        million * PRICES.lambdaRequests +
        million * memoryGb * a.apiDurationSeconds * PRICES.lambdaArmGbSecond,
    },
    ...(traced
      ? [
          {
            item: 'X-Ray',
            detail: 'traces recorded: nearly every request below ~1 request/s (≈ 5 % above)',
            usd: million * a.tracedShare * PRICES.xrayTraces,
          },
        ]
      : []),
    {
      item: 'DynamoDB on demand',
      detail: `${a.readUnits} read units; ${a.writeShare * 100} % writes of ${a.writeUnits} write units`,
      usd:
        million * a.readUnits * PRICES.dynamoRead +
        million * a.writeShare * a.writeUnits * PRICES.dynamoWrite,
    },
    {
      item: 'CloudWatch Logs',
      detail: `${a.logKbPerRequest} KB ingested per request`,
      usd: ((million * a.logKbPerRequest) / 1024 ** 2) * PRICES.logsGb,
    },
    {
      item: 'EventBridge',
      detail: `${a.eventsPerRequest} events per request`,
      usd: million * a.eventsPerRequest * PRICES.busEvents,
    },
  ];
};

export const total = (lines: readonly CostLine[]): number => lines.reduce((n, l) => n + l.usd, 0);
const usd = (n: number) => `$${n.toFixed(2)}`;

/** The README's cost table for one stage (markdown). */
export const costTable = (stage: string, templates: readonly CostTemplate[]): string => {
  const standing = standingCost(templates);
  const perMillion = perMillionCost(templates);
  const rows = (lines: readonly CostLine[]) =>
    lines.map((l) => `| ${l.item} | ${l.detail} | ${usd(l.usd)} |`);
  return [
    `**${stage}**: ${usd(total(standing))} a month standing, ${usd(total(perMillion))} per million API requests.`,
    '',
    '| standing, a month | from the template | USD |',
    '| --- | --- | --- |',
    ...rows(standing),
    `| **total** | | **${usd(total(standing))}** |`,
    '',
    '| per million API requests | from the template | USD |',
    '| --- | --- | --- |',
    ...rows(perMillion),
    `| **total** | | **${usd(total(perMillion))}** |`,
  ].join('\n');
};
