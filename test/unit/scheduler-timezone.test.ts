import { describe, expect, it } from 'vitest';
import { nextFireTime, zoneOffsetMinutes } from '../../infra/local/scheduler.js';

describe('local scheduler time zones (EventBridge Scheduler ScheduleExpressionTimezone)', () => {
  it('reads cron fields in the declared zone', () => {
    const from = new Date('2027-03-31T12:00:00Z');
    // 1 April 00:00 China Standard Time is 31 March 16:00 UTC.
    expect(nextFireTime('cron(0 0 1 1,4,7,10 ? *)', from, 'Asia/Shanghai').toISOString()).toBe(
      '2027-03-31T16:00:00.000Z',
    );
    expect(nextFireTime('cron(0 0 1 1,4,7,10 ? *)', from).toISOString()).toBe('2027-04-01T00:00:00.000Z');
    expect(
      nextFireTime('cron(30 9 * * ? *)', new Date('2027-01-01T00:00:00Z'), 'Asia/Shanghai').toISOString(),
    ).toBe('2027-01-01T01:30:00.000Z');
  });

  it('follows daylight saving where a zone has it', () => {
    expect(zoneOffsetMinutes('Asia/Shanghai', new Date('2027-07-01T00:00:00Z'))).toBe(480);
    expect(zoneOffsetMinutes('Europe/Berlin', new Date('2027-01-15T00:00:00Z'))).toBe(60);
    expect(zoneOffsetMinutes('Europe/Berlin', new Date('2027-07-15T00:00:00Z'))).toBe(120);
  });
});
