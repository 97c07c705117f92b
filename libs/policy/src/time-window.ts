/** `time:` criteria: weekdays and hours of the day in a time zone, local wall-clock time across DST. */
import type { EvaluationContext } from './evaluation-context.js';
import { zonedClock } from './zoned-clock.js';

export interface TimeWindowSpec {
  /** Weekdays, 0 = Sunday; absent means every day. */
  days?: number[];
  /** [start, end) in minutes since midnight; end ≤ start runs past midnight into the next day. */
  hours?: [number, number][];
  timeZone: string;
  /** The window as written, for explanations. */
  text: string;
}

export const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/** `mon-fri`, `sat`, `fri-mon` → weekday numbers, or an error message. */
export function parseDays(items: readonly string[]): number[] | string {
  const days = new Set<number>();
  for (const item of items) {
    const [from, to, ...rest] = item.toLowerCase().split('-');
    const start = DAY_NAMES.indexOf(from.trim());
    const end = to === undefined ? start : DAY_NAMES.indexOf(to.trim());
    if (start < 0 || end < 0 || rest.length > 0) {
      return `'${item}' is not a day or day range; use ${DAY_NAMES.join(', ')} or a range like mon-fri`;
    }
    for (let day = start; ; day = (day + 1) % 7) {
      days.add(day);
      if (day === end) break;
    }
  }
  return [...days].sort((a, b) => a - b);
}

const HOUR_RANGE = /^(\d{2}):(\d{2})\s*-\s*(\d{2}):(\d{2})$/;

/** `09:00-18:00`, `22:00-06:00` → [start, end) minute pairs, or an error message. */
export function parseHours(items: readonly string[]): [number, number][] | string {
  const ranges: [number, number][] = [];
  for (const item of items) {
    const match = HOUR_RANGE.exec(item.trim());
    const start = match ? Number(match[1]) * 60 + Number(match[2]) : Number.NaN;
    const end = match ? Number(match[3]) * 60 + Number(match[4]) : Number.NaN;
    const valid =
      match !== null && Number(match[2]) < 60 && Number(match[4]) < 60 && start < 24 * 60 && end <= 24 * 60;
    if (!valid) return `'${item}' is not an hour range like 09:00-18:00 (24-hour clock, end may be 24:00)`;
    if (start === end) return `'${item}' is empty; a whole day is 00:00-24:00`;
    ranges.push([start, end]);
  }
  return ranges;
}

export interface CompiledTimeWindow {
  test(ctx: EvaluationContext): boolean;
  /** Local time of the decision, e.g. `Sun 01:30 Europe/Berlin`. */
  localTime(ctx: EvaluationContext): string;
}

export function compileTimeWindow(spec: TimeWindowSpec): CompiledTimeWindow {
  const clock = zonedClock(spec.timeZone);
  let dayMask = 0;
  for (const day of spec.days ?? [0, 1, 2, 3, 4, 5, 6]) dayMask |= 1 << day;
  const onDay = (day: number) => (dayMask & (1 << day)) !== 0;
  const hours = spec.hours;
  return {
    test(ctx) {
      clock.at(ctx.nowMs);
      const day = clock.weekday;
      if (hours === undefined) return onDay(day);
      const minute = clock.minuteOfDay;
      for (const [start, end] of hours) {
        if (start < end) {
          if (minute >= start && minute < end && onDay(day)) return true;
        } else if ((minute >= start && onDay(day)) || (minute < end && onDay((day + 6) % 7))) {
          return true;
        }
      }
      return false;
    },
    localTime(ctx) {
      clock.at(ctx.nowMs);
      const hh = String(Math.floor(clock.minuteOfDay / 60)).padStart(2, '0');
      const mm = String(clock.minuteOfDay % 60).padStart(2, '0');
      const day = DAY_NAMES[clock.weekday];
      return `${day[0].toUpperCase()}${day.slice(1)} ${hh}:${mm} ${spec.timeZone}`;
    },
  };
}
