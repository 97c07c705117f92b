import { CliError } from '../errors/cli-error.js';
import { auditTimeBound } from './audit-time.js';

const now = Date.parse('2026-12-07T12:00:00.000Z');
const ago = (text: string) => auditTimeBound('--since', text, now);

describe('audit time bounds', () => {
  it('counts every unit back from now', () => {
    expect(ago('30s')).toBe('2026-12-07T11:59:30.000Z');
    expect(ago('15m')).toBe('2026-12-07T11:45:00.000Z');
    expect(ago('2h')).toBe('2026-12-07T10:00:00.000Z');
    expect(ago('7d')).toBe('2026-11-30T12:00:00.000Z');
    expect(ago('0s')).toBe('2026-12-07T12:00:00.000Z');
  });

  it('adds up combinations, largest unit first', () => {
    expect(ago('1h30m')).toBe('2026-12-07T10:30:00.000Z');
    expect(ago('1d12h')).toBe('2026-12-06T00:00:00.000Z');
    expect(ago('2d3h4m5s')).toBe('2026-12-05T08:55:55.000Z');
    expect(ago('90m')).toBe('2026-12-07T10:30:00.000Z');
  });

  it('takes RFC 3339 times as written and sends them in UTC', () => {
    expect(ago('2026-12-07T06:00:00Z')).toBe('2026-12-07T06:00:00.000Z');
    expect(ago('2026-12-07T07:00:00+01:00')).toBe('2026-12-07T06:00:00.000Z');
    expect(ago('2026-12-07T01:30:00.250-04:30')).toBe('2026-12-07T06:00:00.250Z');
    expect(ago('2026-12-07 06:00:00z')).toBe('2026-12-07T06:00:00.000Z');
  });

  it.each([
    ['', 'empty'],
    ['2x', 'unknown unit'],
    ['30m1h', 'smaller unit first'],
    ['1h1h', 'a unit twice'],
    ['-2h', 'negative'],
    ['2 h', 'space inside'],
    ['1.5h', 'fraction'],
    ['h', 'no number'],
    ['2026-12-07', 'date only'],
    ['2026-12-07T06:00:00', 'no zone'],
    ['2026-02-30T00:00:00Z', 'no such day'],
    ['2026-12-07T25:00:00Z', 'no such hour'],
    ['yesterday', 'a word'],
  ])('refuses %j (%s) with a message naming the option and the forms it takes', (text) => {
    let thrown: unknown;
    try {
      ago(text);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(CliError);
    expect((thrown as CliError).code).toBe('usage');
    expect((thrown as CliError).message).toBe(
      `--since "${text}" is neither a relative time like 30s, 15m, 2h, 7d or 1h30m nor an RFC 3339 time like 2026-12-07T06:00:00Z`,
    );
  });

  it('refuses a relative time before 1970 rather than sending a negative date', () => {
    expect(() => ago('999999d')).toThrow('--since "999999d" is too far back');
  });
});
