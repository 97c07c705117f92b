/** The PodLogOptions query parameters the simulator honours. */
export interface LogOptions {
  follow: boolean;
  timestamps: boolean;
  previous: boolean;
  tailLines?: number;
  /** Epoch milliseconds; from sinceSeconds or sinceTime. */
  since?: number;
  limitBytes?: number;
}

export type LogOptionsResult = { ok: true; options: LogOptions } | { ok: false; message: string };

/** Go's strconv.ParseBool, which the API server's query decoding uses. */
function parseBool(value: string | null): boolean | undefined {
  if (value === null || value === '') return false;
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(value)) return false;
  return undefined;
}

function parseInteger(value: string): number | undefined {
  return /^-?\d+$/.test(value) ? Number(value) : undefined;
}

export function parseLogOptions(query: URLSearchParams, now = Date.now()): LogOptionsResult {
  const options: LogOptions = { follow: false, timestamps: false, previous: false };
  for (const name of ['follow', 'timestamps', 'previous'] as const) {
    const value = parseBool(query.get(name));
    if (value === undefined)
      return { ok: false, message: `${name}: Invalid value: "${query.get(name)}": not a boolean` };
    options[name] = value;
  }

  const integer = (name: string, minimum: number): number | undefined | string => {
    const raw = query.get(name);
    if (raw === null || raw === '') return undefined;
    const value = parseInteger(raw);
    if (value === undefined) return `${name}: Invalid value: "${raw}": not an integer`;
    if (value < minimum)
      return `${name}: Invalid value: ${value}: must be greater than ${minimum === 0 ? 'or equal to 0' : '0'}`;
    return value;
  };

  const tailLines = integer('tailLines', 0);
  const sinceSeconds = integer('sinceSeconds', 1);
  const limitBytes = integer('limitBytes', 1);
  for (const value of [tailLines, sinceSeconds, limitBytes]) {
    if (typeof value === 'string') return { ok: false, message: value };
  }
  if (typeof tailLines === 'number') options.tailLines = tailLines;
  if (typeof limitBytes === 'number') options.limitBytes = limitBytes;

  const sinceTime = query.get('sinceTime');
  if (typeof sinceSeconds === 'number' && sinceTime !== null) {
    return { ok: false, message: 'at most one of `sinceTime` or `sinceSeconds` may be specified' };
  }
  if (typeof sinceSeconds === 'number') options.since = now - sinceSeconds * 1000;
  if (sinceTime !== null) {
    const parsed = Date.parse(sinceTime);
    if (!Number.isFinite(parsed))
      return { ok: false, message: `sinceTime: Invalid value: "${sinceTime}": not an RFC3339 time` };
    options.since = parsed;
  }
  return { ok: true, options };
}
