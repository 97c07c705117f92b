import { AUDIT_SCHEMA_VERSION, microTimeOf, parseAuditEvent, tetherAnnotations } from './audit-event';

const valid = {
  kind: 'Event',
  apiVersion: 'audit.k8s.io/v1',
  level: 'Metadata',
  auditID: '6f1c1f2e-2c1b-4a7e-9a43-1c2b3d4e5f60',
  stage: 'ResponseComplete',
  requestURI: '/api/v1/namespaces/web/pods?limit=500',
  verb: 'list',
  user: { username: 'bob@acme.com', groups: ['developers'] },
  impersonatedUser: { username: 'bob@acme.com', groups: ['oidc:developers'] },
  sourceIPs: ['127.0.0.1'],
  objectRef: { resource: 'pods', namespace: 'web', apiVersion: 'v1' },
  responseStatus: { metadata: {}, code: 200 },
  requestReceivedTimestamp: '2026-12-07T06:30:00.123000Z',
  stageTimestamp: '2026-12-07T06:30:00.130000Z',
  annotations: {
    [tetherAnnotations.schemaVersion]: AUDIT_SCHEMA_VERSION,
    [tetherAnnotations.cluster]: 'dev-east',
    [tetherAnnotations.decision]: 'allow',
  },
};

describe('audit event schema', () => {
  it('accepts an audit.k8s.io/v1 Event with Tether’s annotations', () => {
    expect(parseAuditEvent(valid)).toEqual(valid);
  });

  it('refuses an event of another schema version, naming the annotation', () => {
    const other = { ...valid, annotations: { ...valid.annotations, [tetherAnnotations.schemaVersion]: '2' } };
    expect(() => parseAuditEvent(other)).toThrow(/tether\.dev\/schema-version/);
  });

  it('lists every problem at once', () => {
    const broken = { ...valid, auditID: 'nope', stageTimestamp: '2026-12-07T06:30:00Z', annotations: {} };
    const message = (() => {
      try {
        parseAuditEvent(broken);
        return '';
      } catch (error) {
        return (error as Error).message;
      }
    })();
    expect(message).toContain('auditID');
    expect(message).toContain('stageTimestamp: must be a MicroTime');
    expect(message).toContain('tether.dev/cluster is required');
    expect(message).toContain('tether.dev/decision must be one of allow, deny, reject');
  });

  it('writes MicroTime with six fractional digits in UTC', () => {
    expect(microTimeOf(new Date('2026-12-07T06:30:00.123Z'))).toBe('2026-12-07T06:30:00.123000Z');
  });
});
