/**
 * Local weekday and time of day in an IANA time zone, through Intl (no tz database of our own). Asking Intl
 * costs microseconds, so each zone remembers the last minute it was asked about: offsets change only on
 * whole minutes, and decisions arrive with `now` moving forward.
 */
const WEEKDAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };
const MINUTE_MS = 60_000;

export class ZonedClock {
  /** 0 = Sunday … 6 = Saturday, at the instant last passed to `at`. */
  weekday = 0;
  /** Minutes since local midnight, 0 … 1439. */
  minuteOfDay = 0;
  private minute = Number.NaN;
  private readonly format: Intl.DateTimeFormat;

  constructor(readonly timeZone: string) {
    this.format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
    });
  }

  at(epochMs: number): this {
    const minute = Math.floor(epochMs / MINUTE_MS);
    if (minute === this.minute) return this;
    let hour = 0;
    let minuteOfHour = 0;
    for (const part of this.format.formatToParts(minute * MINUTE_MS)) {
      if (part.type === 'weekday') this.weekday = WEEKDAYS[part.value];
      else if (part.type === 'hour') hour = Number(part.value);
      else if (part.type === 'minute') minuteOfHour = Number(part.value);
    }
    this.minuteOfDay = hour * 60 + minuteOfHour;
    this.minute = minute;
    return this;
  }
}

const clocks = new Map<string, ZonedClock>();

export function zonedClock(timeZone: string): ZonedClock {
  let clock = clocks.get(timeZone);
  if (clock === undefined) {
    clock = new ZonedClock(timeZone);
    clocks.set(timeZone, clock);
  }
  return clock;
}

export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
