// The audit log's search filters, as the HTTP API takes them (query parameters) and the store runs them.
import { auditDecisions, type AuditDecision } from './audit-event';

export interface AuditFilters {
  since?: Date;
  until?: Date;
  /** Each list means "any of these". */
  clusters?: string[];
  users?: string[];
  groups?: string[];
  verbs?: string[];
  resources?: string[];
  namespaces?: string[];
  names?: string[];
  decisions?: AuditDecision[];
  codes?: number[];
  /** Substring of the request URI, case-insensitive. */
  text?: string;
}

export interface AuditPage {
  limit: number;
  cursor?: string;
}

export const defaultPageSize = 100;
export const maxPageSize = 1000;

export class AuditQueryError extends Error {
  readonly code = 'AUDIT_QUERY_INVALID';
}

type QueryValue = string | string[] | undefined;
export type QueryParameters = Record<string, QueryValue>;

const listParameters = {
  cluster: 'clusters',
  user: 'users',
  group: 'groups',
  verb: 'verbs',
  resource: 'resources',
  namespace: 'namespaces',
  name: 'names',
} as const;

const known = new Set([
  ...Object.keys(listParameters),
  'since',
  'until',
  'decision',
  'code',
  'q',
  'limit',
  'cursor',
]);

/** Filters and page from query parameters; every problem is reported at once, naming the parameter. */
export function parseAuditQuery(parameters: QueryParameters): { filters: AuditFilters; page: AuditPage } {
  const problems: string[] = [];
  const filters: AuditFilters = {};
  for (const key of Object.keys(parameters)) if (!known.has(key)) problems.push(`unknown filter "${key}"`);
  for (const [parameter, field] of Object.entries(listParameters)) {
    const values = listOf(parameters[parameter]);
    if (values.length > 0) filters[field] = values;
  }
  const since = timeOf(parameters.since, 'since', problems);
  const until = timeOf(parameters.until, 'until', problems);
  if (since) filters.since = since;
  if (until) filters.until = until;
  if (since && until && since > until) problems.push('"since" is after "until"');
  const decisions = listOf(parameters.decision);
  for (const decision of decisions)
    if (!auditDecisions.includes(decision as AuditDecision))
      problems.push(`"decision" must be one of ${auditDecisions.join(', ')}, not "${decision}"`);
  if (decisions.length > 0) filters.decisions = decisions as AuditDecision[];
  const codes = listOf(parameters.code);
  for (const code of codes)
    if (!/^[1-5]\d\d$/.test(code)) problems.push(`"code" must be an HTTP status code, not "${code}"`);
  if (codes.length > 0) filters.codes = codes.map(Number);
  const text = single(parameters.q);
  if (text !== undefined && text.length > 0) {
    if (text.length > 256) problems.push('"q" is longer than 256 characters');
    filters.text = text;
  }
  const page: AuditPage = { limit: defaultPageSize };
  const limit = single(parameters.limit);
  if (limit !== undefined) {
    if (!/^\d+$/.test(limit) || Number(limit) < 1 || Number(limit) > maxPageSize)
      problems.push(`"limit" must be a whole number from 1 to ${maxPageSize}`);
    else page.limit = Number(limit);
  }
  const cursor = single(parameters.cursor);
  if (cursor !== undefined && cursor.length > 0) page.cursor = cursor;
  if (problems.length > 0) throw new AuditQueryError(problems.join('; '));
  return { filters, page };
}

function listOf(value: QueryValue): string[] {
  const values = value === undefined ? [] : Array.isArray(value) ? value : [value];
  return values
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v.length > 0);
}

function single(value: QueryValue): string | undefined {
  return Array.isArray(value) ? value[value.length - 1] : value;
}

function timeOf(value: QueryValue, name: string, problems: string[]): Date | undefined {
  const text = single(value);
  if (text === undefined || text === '') return undefined;
  const date = new Date(text);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(text) || Number.isNaN(date.getTime())) {
    problems.push(`"${name}" must be an RFC 3339 time such as 2026-12-07T06:00:00Z, not "${text}"`);
    return undefined;
  }
  return date;
}
