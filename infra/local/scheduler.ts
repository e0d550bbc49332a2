import type { FunctionName, ScheduleDecl } from '../system.js';
import type { FailedDeliveryStore } from './failed-deliveries.js';

/** Minutes a time zone is ahead of UTC at an instant (Asia/Shanghai: 480), from the platform's Intl data. */
export const zoneOffsetMinutes = (timezone: string, at: Date): number => {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: timezone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
  }).formatToParts(at);
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? 0);
  const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'));
  return Math.round((wall - Math.floor(at.getTime() / 60_000) * 60_000) / 60_000);
};

/**
 * The next time an EventBridge Scheduler expression fires after `from`, its `cron()` fields read in
 * `timezone` (default UTC), as EventBridge Scheduler's ScheduleExpressionTimezone does.
 * Supports `rate(N minute|minutes|hour|hours|day|days)` and six-field `cron(min hour dom month dow year)`
 * with `*`, `?`, lists, ranges, steps and day names — the forms the platform declares.
 */
export const nextFireTime = (expression: string, from: Date, timezone = 'UTC'): Date => {
  const rate = expression.match(/^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$/);
  if (rate) {
    const unit = { minute: 60_000, hour: 3_600_000, day: 86_400_000 }[rate[2]!.replace(/s$/, '') as 'minute'];
    return new Date(from.getTime() + Number(rate[1]) * unit);
  }
  const cron = expression.match(/^cron\((.+)\)$/);
  if (!cron) throw new Error(`Unsupported schedule expression: ${expression}`);
  const fields = cron[1]!.trim().split(/\s+/);
  if (fields.length !== 6) throw new Error(`A cron expression has 6 fields: ${expression}`);
  const [min, hour, dom, month, dow, year] = fields as [string, string, string, string, string, string];
  const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
  const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
  const field = (spec: string, lo: number, hi: number, names?: string[], nameBase = 0) => {
    if (spec === '*' || spec === '?') return () => true;
    const allowed = new Set<number>();
    const num = (s: string) => {
      const i = names?.indexOf(s.toUpperCase()) ?? -1;
      return i >= 0 ? i + nameBase : Number(s);
    };
    for (const part of spec.split(',')) {
      const [range, step] = part.split('/') as [string, string | undefined];
      const [a, b] = range === '*' ? [lo, hi] : (range.split('-').map(num) as [number, number?]);
      const end = b ?? (step ? hi : a);
      for (let v = a; v <= end; v += Number(step ?? 1)) allowed.add(v);
    }
    return (v: number) => allowed.has(v);
  };
  const m = field(min, 0, 59);
  const h = field(hour, 0, 23);
  const d = field(dom, 1, 31);
  const mo = field(month, 1, 12, MONTHS, 1);
  const w = field(dow, 1, 7, DAYS, 1); // AWS: 1 = Sunday
  const y = field(year, 1970, 2199);
  const t = new Date(from);
  t.setUTCSeconds(0, 0);
  // The zone's offset, looked up once per UTC hour (offsets change on the hour at most).
  const offsets = new Map<number, number>();
  const offsetAt = (ms: number) => {
    const hourKey = Math.floor(ms / 3_600_000);
    let o = offsets.get(hourKey);
    if (o === undefined) {
      o = timezone === 'UTC' ? 0 : zoneOffsetMinutes(timezone, new Date(ms));
      offsets.set(hourKey, o);
    }
    return o;
  };
  for (let i = 0; i < 366 * 24 * 60 * 2; i++) {
    t.setUTCMinutes(t.getUTCMinutes() + 1);
    const wall = new Date(t.getTime() + offsetAt(t.getTime()) * 60_000);
    if (
      m(wall.getUTCMinutes()) &&
      h(wall.getUTCHours()) &&
      d(wall.getUTCDate()) &&
      mo(wall.getUTCMonth() + 1) &&
      w(wall.getUTCDay() + 1) &&
      y(wall.getUTCFullYear())
    ) {
      return new Date(t);
    }
  }
  throw new Error(`Schedule ${expression} never fires within two years`);
};

const MAX_TIMER_MS = 2 ** 31 - 1;

/** Attempts per run before it is kept as failed (EventBridge Scheduler: the first and `retryAttempts`). */
export const SCHEDULE_ATTEMPTS = 3;

/**
 * Fires declared schedules on real time, and on demand (`fire`) for demos and tests. A run that fails
 * every attempt is kept in the failed-delivery store (the local dead-letter queue) for redrive.
 */
export const createLocalScheduler = (opts: {
  schedules: Readonly<Record<string, ScheduleDecl>>;
  invoke: (fn: FunctionName, event: unknown) => Promise<unknown>;
  onFire?: (name: string, result: unknown, error?: unknown) => void;
  failed?: FailedDeliveryStore;
}) => {
  const timers = new Map<string, NodeJS.Timeout>();
  const fire = async (name: string): Promise<unknown> => {
    const decl = opts.schedules[name];
    if (!decl) throw new Error(`No schedule named ${name}`);
    const payload = { schedule: name };
    for (let attempt = 1; ; attempt++) {
      try {
        return await opts.invoke(decl.function, payload);
      } catch (e) {
        if (attempt >= SCHEDULE_ATTEMPTS) {
          opts.failed?.add({
            kind: 'schedule',
            name,
            function: decl.function,
            payload,
            attempts: attempt,
            error: (e as Error).message,
          });
          throw e;
        }
      }
    }
  };
  const arm = (name: string, decl: ScheduleDecl) => {
    const wait = Math.min(
      nextFireTime(decl.expression, new Date(), decl.timezone).getTime() - Date.now(),
      MAX_TIMER_MS,
    );
    const timer = setTimeout(
      async () => {
        try {
          opts.onFire?.(name, await fire(name));
        } catch (e) {
          opts.onFire?.(name, undefined, e);
        }
        if (timers.has(name)) arm(name, decl);
      },
      Math.max(wait, 0),
    );
    timer.unref();
    timers.set(name, timer);
  };
  return {
    fire,
    start() {
      for (const [name, decl] of Object.entries(opts.schedules)) arm(name, decl);
    },
    stop() {
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
    },
    armed: () => [...timers.keys()],
    names: () => Object.keys(opts.schedules),
  };
};
export type LocalScheduler = ReturnType<typeof createLocalScheduler>;
