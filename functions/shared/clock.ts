/**
 * The one source of time. Handlers take it from their dependencies and hand `now` to domain code,
 * which never reads the system time itself, so tests and the local runtime can move time.
 */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock that runs with real time from a settable offset (local runtime, tests). */
export class SettableClock implements Clock {
  private offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
  set(at: Date | string): void {
    this.offsetMs = new Date(at).getTime() - Date.now();
  }
  advance(ms: number): void {
    this.offsetMs += ms;
  }
  reset(): void {
    this.offsetMs = 0;
  }
}

export const DAY_MS = 86_400_000;
export const addDays = (d: Date | string, days: number): Date =>
  new Date(new Date(d).getTime() + days * DAY_MS);
/** Same calendar instant `years` later (UTC), e.g. the 2-year grant term. */
export const addYears = (d: Date | string, years: number): Date => {
  const x = new Date(d);
  x.setUTCFullYear(x.getUTCFullYear() + years);
  return x;
};
