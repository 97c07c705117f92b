import { CliError } from '../errors/cli-error.js';

// Largest unit first, each at most once: 7d, 2h, 1h30m, 1d12h, 90s.
const relative = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;
// RFC 3339 date-time: T or space between date and time, optional fraction, Z or a numeric offset.
const rfc3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;
const unitMs = [86_400_000, 3_600_000, 60_000, 1000];

/**
 * `--since`/`--until` as the absolute RFC 3339 time (UTC) the audit API takes: a relative time counts
 * back from `nowMs` (`2h` is two hours ago), an RFC 3339 time is taken as written.
 */
export function auditTimeBound(option: string, text: string, nowMs: number): string {
  const value = text.trim();
  const match = relative.exec(value);
  if (match && value.length > 0) {
    const ago = unitMs.reduce((sum, ms, i) => sum + Number(match[i + 1] ?? 0) * ms, 0);
    if (!Number.isSafeInteger(ago) || ago > nowMs) throw badTime(option, text, 'is too far back');
    return new Date(nowMs - ago).toISOString();
  }
  if (rfc3339.test(value) && realDate(value)) {
    const ms = Date.parse(value.replace(' ', 'T'));
    if (!Number.isNaN(ms)) return new Date(ms).toISOString();
  }
  throw badTime(option, text);
}

/** Date.parse rolls 2026-02-30 over into March; a typo like that should be an error instead. */
function realDate(value: string): boolean {
  const [year, month, day] = value.slice(0, 10).split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(year, month - 1, day)).getUTCDate() === day;
}

function badTime(option: string, text: string, why?: string): CliError {
  return new CliError(
    'usage',
    why
      ? `${option} "${text}" ${why}`
      : `${option} "${text}" is neither a relative time like 30s, 15m, 2h, 7d or 1h30m nor an RFC 3339 time like 2026-12-07T06:00:00Z`,
    'Relative times count back from now, largest unit first (d, h, m, s); RFC 3339 times need a Z or an offset such as +01:00.',
  );
}
