/**
 * Working days (工作日) in the city's calendar, China Standard Time (UTC+8, no daylight saving). Pure:
 * no clock, no I/O. Used for the public-notice period of data products (公示期, 10 working days by
 * default).
 *
 * The rule: Saturdays and Sundays are never working days; the dates in `holidays` (statutory holidays,
 * `YYYY-MM-DD`) are not either, and the dates in `workdays` (调休上班日, a weekend day made a working day
 * by the State Council's yearly schedule) are. A period of `n` working days that starts at an instant
 * ends at the end (24:00 CST) of the n-th working day after the day the period starts on: a notice
 * published on a Friday afternoon with n = 1 runs until the end of Monday.
 */

const CST_OFFSET_MS = 8 * 3_600_000;
const DAY_MS = 86_400_000;

export interface WorkingCalendar {
  /** Statutory holidays falling on weekdays (`YYYY-MM-DD`, CST). */
  readonly holidays: readonly string[];
  /** Weekend days that are working days (调休, `YYYY-MM-DD`, CST). */
  readonly workdays: readonly string[];
}

/** Weekends only: the calendar used when no holiday schedule is configured. */
export const WEEKENDS_ONLY: WorkingCalendar = { holidays: [], workdays: [] };

/** The CST calendar date (`YYYY-MM-DD`) of an instant. */
export const cstDate = (at: Date): string =>
  new Date(at.getTime() + CST_OFFSET_MS).toISOString().slice(0, 10);

/** Whether a CST calendar date (`YYYY-MM-DD`) is a working day under `cal`. */
export const isWorkingDay = (date: string, cal: WorkingCalendar = WEEKENDS_ONLY): boolean => {
  if (cal.workdays.includes(date)) return true;
  if (cal.holidays.includes(date)) return false;
  const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
  return weekday !== 0 && weekday !== 6;
};

/**
 * The instant a period of `n` working days ends (24:00 CST of the n-th working day after the day of
 * `from`). `n` must be a positive integer.
 */
export const addWorkingDays = (from: Date, n: number, cal: WorkingCalendar = WEEKENDS_ONLY): Date => {
  if (!Number.isInteger(n) || n < 1) throw new RangeError('n must be a positive integer');
  // Midnight CST at the start of the day `from` falls on, as a UTC instant.
  let day = Date.parse(`${cstDate(from)}T00:00:00Z`) - CST_OFFSET_MS;
  let counted = 0;
  while (counted < n) {
    day += DAY_MS;
    if (isWorkingDay(cstDate(new Date(day)), cal)) counted++;
  }
  return new Date(day + DAY_MS);
};
