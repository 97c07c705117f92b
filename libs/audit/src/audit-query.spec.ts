import { AuditQueryError, maxPageSize, parseAuditQuery } from './audit-query';

const problemsOf = (parameters: Record<string, string | string[]>) => {
  try {
    parseAuditQuery(parameters);
    return '';
  } catch (error) {
    expect(error).toBeInstanceOf(AuditQueryError);
    return (error as Error).message;
  }
};

describe('parseAuditQuery', () => {
  it('reads repeated and comma-separated values as "any of"', () => {
    const { filters } = parseAuditQuery({ cluster: ['dev-east', 'dev-west,prod'], verb: 'get' });
    expect(filters).toEqual({ clusters: ['dev-east', 'dev-west', 'prod'], verbs: ['get'] });
  });

  it('takes times, decisions, codes, text and a page size', () => {
    const parsed = parseAuditQuery({
      since: '2026-12-07T06:00:00Z',
      until: '2026-12-07T08:00:00.5+01:00',
      decision: 'deny',
      code: ['403', '401'],
      q: 'exec',
      limit: '20',
      cursor: 'abc',
    });
    expect(parsed.filters).toMatchObject({ decisions: ['deny'], codes: [403, 401], text: 'exec' });
    expect(parsed.filters.since?.toISOString()).toBe('2026-12-07T06:00:00.000Z');
    expect(parsed.page).toEqual({ limit: 20, cursor: 'abc' });
  });

  it('defaults to 100 newest and refuses pages over the maximum', () => {
    expect(parseAuditQuery({}).page).toEqual({ limit: 100 });
    expect(problemsOf({ limit: String(maxPageSize + 1) })).toContain('"limit" must be a whole number');
  });

  it('names every bad parameter at once', () => {
    const message = problemsOf({
      since: 'yesterday',
      decision: 'maybe',
      code: '99',
      until: '2020-01-01T00:00:00Z',
    });
    expect(message).toContain('"since" must be an RFC 3339 time');
    expect(message).toContain('"decision" must be one of allow, deny, reject, not "maybe"');
    expect(message).toContain('"code" must be an HTTP status code, not "99"');
  });

  it('refuses a time range that ends before it starts', () => {
    expect(problemsOf({ since: '2026-12-07T08:00:00Z', until: '2026-12-07T06:00:00Z' })).toContain(
      '"since" is after "until"',
    );
  });
});
