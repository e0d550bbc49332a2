import { WEEKENDS_ONLY, type WorkingCalendar } from './working-days.js';

/**
 * The working calendar of public notices: weekends, plus the holidays and make-up working days of the
 * State Council's yearly schedule when the deployment sets `WORKING_CALENDAR` (JSON
 * `{"holidays":["2026-10-01",…],"workdays":["2026-09-27",…]}`). Read once at cold start; a malformed
 * value fails the deployment there rather than a notice later.
 */
const parse = (raw: string | undefined): WorkingCalendar => {
  if (!raw) return WEEKENDS_ONLY;
  const v = JSON.parse(raw) as Partial<WorkingCalendar>;
  const dates = (xs: unknown) => {
    if (!Array.isArray(xs) || !xs.every((d) => typeof d === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(d)))
      throw new Error('WORKING_CALENDAR: holidays and workdays must be lists of YYYY-MM-DD');
    return xs as string[];
  };
  return { holidays: dates(v.holidays ?? []), workdays: dates(v.workdays ?? []) };
};

export const NOTICE_CALENDAR: WorkingCalendar = parse(process.env.WORKING_CALENDAR);
