import { CliError } from '../errors/cli-error.js';
import { auditTimeBound } from './audit-time.js';

/** The filter options of `tether audit search` and `tail`, as commander collects them. */
export interface AuditFilterOptions {
  cluster?: string[];
  user?: string[];
  group?: string[];
  verb?: string[];
  resource?: string[];
  namespace?: string[];
  name?: string[];
  decision?: string[];
  code?: string[];
  /** Substring of the request URI. */
  text?: string;
  since?: string;
  until?: string;
}

/** Commander's collector for a repeatable, comma-separated option: `--user a,b --user c` → [a, b, c]. */
export function collectList(value: string, previous: string[] = []): string[] {
  return [
    ...previous,
    ...value
      .split(',')
      .map((v) => v.trim())
      .filter((v) => v.length > 0),
  ];
}

// Option → query parameter of the audit API (libs/audit/src/audit-query.ts); each takes a list.
const listParameters = [
  ['cluster', 'cluster'],
  ['user', 'user'],
  ['group', 'group'],
  ['verb', 'verb'],
  ['resource', 'resource'],
  ['namespace', 'namespace'],
  ['name', 'name'],
  ['decision', 'decision'],
  ['code', 'code'],
] as const;

const decisions = ['allow', 'deny', 'reject'];

/**
 * The audit API's query parameters for these filters: one parameter per filter with its values
 * comma-joined (the API splits them), relative times made absolute against `nowMs`. Values the API
 * would refuse are refused here first, all at once, naming the option.
 */
export function auditQuery(options: AuditFilterOptions, nowMs: number): URLSearchParams {
  const problems: string[] = [];
  for (const decision of options.decision ?? [])
    if (!decisions.includes(decision))
      problems.push(`--decision must be one of ${decisions.join(', ')}, not "${decision}"`);
  for (const code of options.code ?? [])
    if (!/^[1-5]\d\d$/.test(code)) problems.push(`--code must be an HTTP status code, not "${code}"`);
  if (options.text !== undefined && options.text.length > 256)
    problems.push('--text is longer than 256 characters');
  const times: [string, string][] = [];
  let badTime: CliError | undefined;
  for (const [option, value] of [
    ['since', options.since],
    ['until', options.until],
  ] as const) {
    if (value === undefined) continue;
    try {
      times.push([option, auditTimeBound(`--${option}`, value, nowMs)]);
    } catch (error) {
      badTime = error as CliError;
      problems.push(badTime.message);
    }
  }
  const [since, until] = [times.find(([o]) => o === 'since')?.[1], times.find(([o]) => o === 'until')?.[1]];
  if (since && until && since > until) problems.push(`--since (${since}) is after --until (${until})`);
  if (problems.length > 0) throw new CliError('usage', problems.join('; '), badTime?.hint);

  const query = new URLSearchParams();
  for (const [option, parameter] of listParameters) {
    const values = options[option] ?? [];
    if (values.length > 0) query.set(parameter, values.join(','));
  }
  if (options.text) query.set('q', options.text);
  for (const [option, value] of times) query.set(option, value);
  return query;
}
