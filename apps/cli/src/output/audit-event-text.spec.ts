import { tetherAnnotations } from '@tether/audit';
import type { AuditEventView } from '../broker/audit-api.js';
import { auditAnnotations, auditEventRow, AuditTable, compactLocalTime } from './audit-event-text.js';

const listPods: AuditEventView = {
  auditID: '0b6f8a52-3f59-4f55-9d1e-1c7a2b1d9e01',
  stage: 'ResponseComplete',
  verb: 'list',
  requestURI: '/api/v1/namespaces/web/pods?limit=500',
  user: { username: 'bob@example.com', groups: ['developers'] },
  objectRef: { resource: 'pods', namespace: 'web', apiVersion: 'v1' } as AuditEventView['objectRef'],
  responseStatus: { code: 200 },
  requestReceivedTimestamp: '2026-12-07T06:30:05.123456Z',
  annotations: {
    'tether.dev/cluster': 'dev-west',
    'tether.dev/decision': 'allow',
    'tether.dev/rule': 'developers-read-dev-west',
  },
};

const breakGlassExec: AuditEventView = {
  ...listPods,
  auditID: '5e1d7c3a-0000-4000-8000-000000000002',
  verb: 'create',
  requestURI: '/api/v1/namespaces/web/pods/frontend-1/exec?command=sh',
  objectRef: { resource: 'pods', namespace: 'web', name: 'frontend-1', subresource: 'exec' },
  responseStatus: { code: 101 },
  annotations: {
    'tether.dev/cluster': 'dev-east',
    'tether.dev/decision': 'allow',
    'tether.dev/rule': 'admins-everywhere',
    'tether.dev/jit-request-id': '1a2b3c4d-aaaa-4bbb-8ccc-dddddddddddd,9f8e7d6c-aaaa-4bbb-8ccc-dddddddddddd',
  },
};

const denied: AuditEventView = {
  ...listPods,
  auditID: '5e1d7c3a-0000-4000-8000-000000000003',
  verb: 'delete',
  requestURI: '/api/v1/namespaces/web/configmaps/frontend-config',
  objectRef: { resource: 'configmaps', namespace: 'web', name: 'frontend-config' },
  responseStatus: { code: 403, message: 'no rule allows it' },
  annotations: {
    'tether.dev/cluster': 'dev-west',
    'tether.dev/decision': 'deny',
    'tether.dev/reason': 'no rule allows delete configmaps',
  },
};

const version: AuditEventView = {
  auditID: '5e1d7c3a-0000-4000-8000-000000000004',
  stage: 'ResponseComplete',
  verb: 'get',
  requestURI: '/version?timeout=32s',
  user: { username: 'system:anonymous' },
  requestReceivedTimestamp: '2026-12-07T06:30:05.000000Z',
  annotations: { 'tether.dev/cluster': 'nowhere', 'tether.dev/decision': 'reject' },
};

describe('audit event table', () => {
  const tz = process.env.TZ;
  beforeEach(() => (process.env.TZ = 'UTC'));
  afterEach(() => {
    // Assigning undefined would set the variable to the string "undefined".
    if (tz === undefined) delete process.env.TZ;
    else process.env.TZ = tz;
  });

  it('reads the same annotation keys the producer writes', () => {
    for (const [name, key] of Object.entries(auditAnnotations))
      expect(tetherAnnotations[name as keyof typeof tetherAnnotations]).toBe(key);
  });

  it('shows times compactly in the local time zone', () => {
    expect(compactLocalTime('2026-12-07T06:30:05.123456Z')).toBe('12-07 06:30:05');
    process.env.TZ = 'Asia/Kolkata';
    expect(compactLocalTime('2026-12-07T20:30:05.123456Z')).toBe('12-08 02:00:05');
  });

  it('shows the rule, or the JIT requests and the rule, or the reason of a refusal', () => {
    expect(auditEventRow(listPods)).toEqual([
      '12-07 06:30:05',
      'dev-west',
      'bob@example.com',
      'list',
      'web/pods',
      'allow',
      '200',
      'developers-read-dev-west',
    ]);
    expect(auditEventRow(breakGlassExec).slice(4)).toEqual([
      'web/pods/frontend-1/exec',
      'allow',
      '101',
      'jit:1a2b3c4d,9f8e7d6c  admins-everywhere',
    ]);
    expect(auditEventRow(denied).slice(4)).toEqual([
      'web/configmaps/frontend-config',
      'deny',
      '403',
      'no rule allows delete configmaps',
    ]);
  });

  it('shows a non-resource request by its path and marks what is missing', () => {
    expect(auditEventRow(version).slice(1)).toEqual([
      'nowhere',
      'system:anonymous',
      'get',
      '/version',
      'reject',
      '-',
      '-',
    ]);
    expect(auditEventRow({ ...version, annotations: undefined })[1]).toBe('-');
  });

  it('fits its columns to the first rows and writes the header once', () => {
    const table = AuditTable.fittedTo([listPods, version].map(auditEventRow));
    expect(table.lines([listPods, version].map(auditEventRow)).split('\n')).toEqual([
      'TIME            CLUSTER   USER              VERB  RESOURCE  DECISION  CODE  JIT / RULE / REASON',
      '12-07 06:30:05  dev-west  bob@example.com   list  web/pods  allow     200   developers-read-dev-west',
      '12-07 06:30:05  nowhere   system:anonymous  get   /version  reject    -     -',
      '',
    ]);
    expect(table.lines([auditEventRow(listPods)])).toBe(
      '12-07 06:30:05  dev-west  bob@example.com   list  web/pods  allow     200   developers-read-dev-west\n',
    );
    expect(table.lines([])).toBe('');
  });

  it('narrows the resource path and the reason when the rows are too wide for 120 columns', () => {
    const rows = [listPods, denied].map(auditEventRow);
    const lines = AuditTable.fittedTo(rows).lines(rows).split('\n');
    expect(lines[2]).toBe(
      '12-07 06:30:05  dev-west  bob@example.com  delete  web/configmaps/fronten…  deny      403   no rule allows delete confi…',
    );
    expect(lines[2]).toHaveLength(120);
  });

  it('cuts the resource and the reason before it cuts who did it', () => {
    const approval: AuditEventView = {
      ...denied,
      user: { username: 'alice.longname@example.com' },
      annotations: {
        ...denied.annotations,
        'tether.dev/cluster': 'dev-west',
        'tether.dev/reason':
          'no allow rule matched; closest: developers-web-dev-east (namespace default is not web)',
      },
    };
    const rows = [listPods, approval].map(auditEventRow);
    const lines = AuditTable.fittedTo(rows).lines(rows).split('\n');
    expect(lines[2]).toContain('  alice.longname@example.com  ');
    expect(lines[2]).toHaveLength(120);
  });

  it('keeps every line within 120 columns, cutting long cells with an ellipsis', () => {
    const long: AuditEventView = {
      ...breakGlassExec,
      user: { username: 'someone.with.a.very.long.name@subsidiary.example.com' },
      objectRef: {
        resource: 'customresourcedefinitions',
        name: 'certificaterequests.cert-manager.io',
        apiGroup: 'apiextensions.k8s.io',
      },
      verb: 'deletecollection',
      annotations: {
        ...breakGlassExec.annotations,
        'tether.dev/cluster': 'production-eu-central-1',
        'tether.dev/reason': 'the agent of production-eu-central-1 is offline and nothing was sent',
      },
    };
    for (const table of [AuditTable.fittedTo([auditEventRow(long)]), AuditTable.forTail()]) {
      const lines = table
        .lines([auditEventRow(long)])
        .trimEnd()
        .split('\n');
      expect(lines).toHaveLength(2);
      for (const line of lines) expect(line.length).toBeLessThanOrEqual(120);
      expect(lines[0]).toMatch(/ JIT \/ RULE \/ REASON$/);
      expect(lines[1]).toMatch(/ someone\.with\.a\.[^ ]*… /);
      expect(lines[1]).toMatch(/ {2}delet[a-z]*… {2}/);
    }
  });
});
