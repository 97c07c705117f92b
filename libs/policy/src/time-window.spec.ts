import { allowIf, input } from './testing/policy-fixtures.js';

const at = (iso: string) => input({ now: new Date(iso) });

// Each row: a time window, instants inside it, instants outside it (all written in UTC).
const windows: [name: string, window: string, inside: string[], outside: string[]][] = [
  [
    'business hours in Berlin (CET, UTC+1, in winter)',
    '{ days: mon-fri, hours: "09:00-18:00", timeZone: Europe/Berlin }',
    ['2026-11-25T08:00:00Z', '2026-11-25T16:59:00Z'],
    ['2026-11-25T07:59:00Z', '2026-11-25T17:00:00Z', '2026-11-28T12:00:00Z'],
  ],
  [
    'business hours in Berlin (CEST, UTC+2, in summer)',
    '{ days: mon-fri, hours: "09:00-18:00", timeZone: Europe/Berlin }',
    ['2026-07-15T07:00:00Z', '2026-07-15T15:59:00Z'],
    ['2026-07-15T06:59:00Z', '2026-07-15T16:00:00Z'],
  ],
  [
    'the weekday is the local one (Tokyo is already Saturday)',
    '{ days: [sat, sun], timeZone: Asia/Tokyo }',
    ['2026-11-27T15:00:00Z'],
    ['2026-11-27T14:59:00Z'],
  ],
  [
    'New York, the day before UTC',
    '{ days: tue, hours: "20:00-24:00", timeZone: America/New_York }',
    ['2026-11-25T01:00:00Z', '2026-11-25T04:59:00Z'],
    ['2026-11-25T05:00:00Z', '2026-11-24T01:00:00Z'],
  ],
  [
    'half-hour offsets (India, UTC+5:30)',
    '{ hours: "09:00-09:30", timeZone: Asia/Kolkata }',
    ['2026-11-25T03:30:00Z', '2026-11-25T03:59:00Z'],
    ['2026-11-25T03:29:00Z', '2026-11-25T04:00:00Z'],
  ],
  [
    'overnight hours run into the next day, which belongs to the listed day',
    '{ days: fri, hours: "22:00-06:00", timeZone: UTC }',
    ['2026-11-27T22:00:00Z', '2026-11-28T05:59:00Z'],
    ['2026-11-27T05:00:00Z', '2026-11-28T22:00:00Z', '2026-11-28T06:00:00Z'],
  ],
  [
    'wrapping day range fri-mon',
    '{ days: fri-mon, timeZone: UTC }',
    ['2026-11-27T00:00:00Z', '2026-11-29T12:00:00Z', '2026-11-30T23:59:00Z'],
    ['2026-11-25T12:00:00Z', '2026-12-01T00:00:00Z'],
  ],
  [
    'several hour ranges',
    '{ hours: ["08:00-09:00", "17:00-18:00"] }',
    ['2026-11-25T08:30:00Z', '2026-11-25T17:30:00Z'],
    ['2026-11-25T12:00:00Z'],
  ],
  // Berlin springs forward on 2026-03-29: 02:00 CET becomes 03:00 CEST, so 02:xx never happens.
  [
    'spring-forward DST boundary in Berlin',
    '{ days: sun, hours: "03:00-04:00", timeZone: Europe/Berlin }',
    ['2026-03-29T01:00:00Z', '2026-03-29T01:59:00Z'],
    ['2026-03-29T00:59:00Z', '2026-03-29T02:00:00Z'],
  ],
  // New York falls back on 2026-11-01: 01:00-02:00 local happens twice (EDT, then EST).
  [
    'fall-back DST boundary in New York: the repeated hour counts both times',
    '{ days: sun, hours: "01:00-02:00", timeZone: America/New_York }',
    ['2026-11-01T05:30:00Z', '2026-11-01T06:30:00Z'],
    ['2026-11-01T04:59:00Z', '2026-11-01T07:00:00Z'],
  ],
];

describe('time windows', () => {
  it.each(windows)('%s', (_name, window, inside, outside) => {
    const policy = allowIf(`time: ${window}`);
    for (const instant of inside) expect(policy.evaluate(at(instant)).allowed, instant).toBe(true);
    for (const instant of outside) expect(policy.evaluate(at(instant)).allowed, instant).toBe(false);
  });

  it('explains a miss in the zone’s local time', () => {
    const policy = allowIf('time: { days: mon-fri, hours: "09:00-18:00", timeZone: Europe/Berlin }');
    expect(policy.evaluate(at('2026-03-29T01:30:00Z'))).toEqual({
      allowed: false,
      reason:
        "no allow rule matched; closest: 'r' (time Sun 03:30 Europe/Berlin outside mon-fri 09:00-18:00 Europe/Berlin)",
    });
  });
});
