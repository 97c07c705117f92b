import { CliError } from '../errors/cli-error.js';
import { auditQuery, collectList } from './audit-filters.js';

const now = Date.parse('2026-12-07T12:00:00.000Z');

describe('audit filters to query parameters', () => {
  it('collects repeated and comma-separated values in order, dropping empty ones', () => {
    let values = collectList('alice,bob');
    values = collectList(' carol , ,dave', values);
    expect(values).toEqual(['alice', 'bob', 'carol', 'dave']);
  });

  it('sends one parameter per filter with its values joined, and relative times as absolute UTC', () => {
    const query = auditQuery(
      {
        cluster: ['dev-east', 'dev-west'],
        user: ['bob@example.com'],
        group: ['developers'],
        verb: ['get', 'list'],
        resource: ['secrets'],
        namespace: ['web'],
        name: ['db-password'],
        decision: ['deny', 'reject'],
        code: ['403'],
        text: '/exec',
        since: '1h30m',
        until: '2026-12-07T11:00:00+00:00',
      },
      now,
    );
    expect([...query.entries()]).toEqual([
      ['cluster', 'dev-east,dev-west'],
      ['user', 'bob@example.com'],
      ['group', 'developers'],
      ['verb', 'get,list'],
      ['resource', 'secrets'],
      ['namespace', 'web'],
      ['name', 'db-password'],
      ['decision', 'deny,reject'],
      ['code', '403'],
      ['q', '/exec'],
      ['since', '2026-12-07T10:30:00.000Z'],
      ['until', '2026-12-07T11:00:00.000Z'],
    ]);
    expect(query.toString()).toContain('user=bob%40example.com');
    expect(query.toString()).toContain('q=%2Fexec');
  });

  it('sends nothing for no filters (the whole log, newest first)', () => {
    expect(auditQuery({}, now).toString()).toBe('');
    expect(auditQuery({ cluster: [], text: '' }, now).toString()).toBe('');
  });

  it('refuses what the API would refuse, every problem at once, as a usage error', () => {
    let thrown: unknown;
    try {
      auditQuery({ decision: ['allow', 'maybe'], code: ['403', '99', 'abc'], since: '1h', until: '2h' }, now);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(CliError);
    expect((thrown as CliError).code).toBe('usage');
    expect((thrown as CliError).message).toBe(
      '--decision must be one of allow, deny, reject, not "maybe"; --code must be an HTTP status code, not "99"; ' +
        '--code must be an HTTP status code, not "abc"; --since (2026-12-07T11:00:00.000Z) is after --until (2026-12-07T10:00:00.000Z)',
    );
  });

  it('names a bad time among the other problems and keeps its hint', () => {
    let thrown: CliError | undefined;
    try {
      auditQuery({ until: 'soon', code: ['700'] }, now);
    } catch (error) {
      thrown = error as CliError;
    }
    expect(thrown?.message).toMatch(
      /^--code must be an HTTP status code, not "700"; --until "soon" is neither/,
    );
    expect(thrown?.hint).toContain('largest unit first');
  });
});
