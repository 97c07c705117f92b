import { z } from 'zod';
import { listOf, strictObject } from './schema-helpers.js';
import { parseDays, parseHours, type TimeWindowSpec } from './time-window.js';
import { isTimeZone } from './zoned-clock.js';

const dayOrHourList = listOf(z.string({ error: 'expected a string' })).pipe(
  z.array(z.string()).min(1, 'needs at least one entry'),
);

/** `time: { days: mon-fri, hours: 09:00-18:00, timeZone: Europe/Berlin }`; the zone defaults to UTC. */
export const timeWindowSchema = strictObject(
  {
    days: dayOrHourList.optional(),
    hours: dayOrHourList.optional(),
    timeZone: z.string({ error: 'expected an IANA time zone name like Europe/Berlin' }).optional(),
  },
  'a time window',
).transform((raw, ctx): TimeWindowSpec => {
  const timeZone = raw.timeZone ?? 'UTC';
  const days = raw.days === undefined ? undefined : parseDays(raw.days);
  const hours = raw.hours === undefined ? undefined : parseHours(raw.hours);
  let failed = false;
  const fail = (path: string, message: string) => {
    failed = true;
    ctx.addIssue({ code: 'custom', message, path: [path], input: raw });
  };
  if (typeof days === 'string') fail('days', days);
  if (typeof hours === 'string') fail('hours', hours);
  if (!isTimeZone(timeZone))
    fail('timeZone', `'${timeZone}' is not an IANA time zone name like Europe/Berlin`);
  if (days === undefined && hours === undefined) fail('days', 'a time window needs days, hours or both');
  if (failed || typeof days === 'string' || typeof hours === 'string') return z.NEVER;
  const text = [raw.days?.join(','), raw.hours?.join(','), timeZone]
    .filter((part) => part !== undefined)
    .join(' ');
  return { days, hours, timeZone, text };
});
