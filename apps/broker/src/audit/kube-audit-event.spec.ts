import { kubeRequestAttributes } from '../kube-proxy/kube-request-attributes';
import { parseAuditEvent, tetherAnnotations } from '@tether/audit';
import type { KubeRequestOutcome, KubeRequestSummary } from '../kube-proxy/kube-request-observer';
import { kubeAuditEvent } from './kube-audit-event';

const context = { brokerInstance: 'broker-0' };
const receivedAt = new Date('2026-12-07T10:00:00.000Z');

function summaryOf(
  method: string,
  uri: string,
  overrides: Partial<KubeRequestSummary> = {},
): KubeRequestSummary {
  return {
    requestId: '3f1c1a3e-8a47-4f9e-9d7e-2b8f5c0d1e2a',
    receivedAt,
    method,
    requestUri: uri,
    cluster: 'dev-east',
    sourceIp: '10.0.0.7',
    userAgent: 'kubectl/v1.32.0',
    upgrade: false,
    who: {
      subject: 'idp|bob',
      username: 'bob',
      groups: ['developers'],
      sessionId: 's1',
      expiresAt: 0,
    },
    attributes: kubeRequestAttributes(method, uri),
    access: {
      allowed: true,
      rule: 'developers-read',
      user: 'bob@acme.com',
      groups: ['developers'],
      extra: {},
    },
    traceId: '0af7651916cd43dd8448eb211c80319c',
    ...overrides,
  };
}

const outcome = (status: number, more: Partial<KubeRequestOutcome> = {}): KubeRequestOutcome => ({
  status,
  bytesFromClient: 120,
  bytesToClient: 5400,
  completedAt: new Date(receivedAt.getTime() + 42),
  durationMs: 42,
  ...more,
});

describe('kubeAuditEvent', () => {
  it('describes an allowed request as an audit.k8s.io/v1 Event that the shared schema accepts', () => {
    const event = parseAuditEvent(
      kubeAuditEvent(
        summaryOf('GET', '/api/v1/namespaces/web/pods/api-0'),
        { stage: 'ResponseComplete', outcome: outcome(200) },
        context,
      ),
    );
    expect(event).toMatchObject({
      auditID: '3f1c1a3e-8a47-4f9e-9d7e-2b8f5c0d1e2a',
      stage: 'ResponseComplete',
      verb: 'get',
      requestURI: '/api/v1/namespaces/web/pods/api-0',
      user: { username: 'bob', groups: ['developers'] },
      impersonatedUser: {
        username: 'bob@acme.com',
        groups: ['developers'],
        extra: { 'tether.dev/request-id': ['3f1c1a3e-8a47-4f9e-9d7e-2b8f5c0d1e2a'] },
      },
      sourceIPs: ['10.0.0.7'],
      objectRef: { resource: 'pods', namespace: 'web', name: 'api-0', apiVersion: 'v1' },
      responseStatus: { code: 200 },
      requestReceivedTimestamp: '2026-12-07T10:00:00.000000Z',
      stageTimestamp: '2026-12-07T10:00:00.042000Z',
    });
    expect(event.annotations).toMatchObject({
      [tetherAnnotations.cluster]: 'dev-east',
      [tetherAnnotations.decision]: 'allow',
      [tetherAnnotations.rule]: 'developers-read',
      [tetherAnnotations.brokerInstance]: 'broker-0',
      [tetherAnnotations.traceId]: '0af7651916cd43dd8448eb211c80319c',
      [tetherAnnotations.bytesFromClient]: '120',
      [tetherAnnotations.bytesToClient]: '5400',
      [tetherAnnotations.durationMs]: '42',
      [tetherAnnotations.topic]: 'tether.audit.v1',
    });
  });

  it('records a policy denial with the reason and no impersonated user', () => {
    const event = kubeAuditEvent(
      summaryOf('DELETE', '/api/v1/namespaces/web/pods/api-0', {
        access: { allowed: false, reason: 'no rule allows delete pods in dev-east' },
      }),
      { stage: 'ResponseComplete', outcome: outcome(403, { refusal: 'forbidden' }) },
      context,
    );
    expect(parseAuditEvent(event).impersonatedUser).toBeUndefined();
    expect(event.annotations[tetherAnnotations.decision]).toBe('deny');
    expect(event.annotations[tetherAnnotations.reason]).toBe('no rule allows delete pods in dev-east');
    expect(event.responseStatus).toMatchObject({ code: 403, status: 'Failure' });
  });

  it('marks refusals before the policy (bad token) and after it (agent offline) as reject', () => {
    const anonymous = kubeAuditEvent(
      summaryOf('GET', '/api/v1/pods', { who: undefined, attributes: undefined, access: undefined }),
      { stage: 'ResponseComplete', outcome: outcome(401, { refusal: 'Unauthorized' }) },
      context,
    );
    expect(parseAuditEvent(anonymous).user).toEqual({ username: 'system:anonymous' });
    expect(anonymous.annotations[tetherAnnotations.decision]).toBe('reject');
    const offline = kubeAuditEvent(
      summaryOf('GET', '/api/v1/pods'),
      { stage: 'ResponseComplete', outcome: outcome(503, { refusal: 'agent not connected' }) },
      context,
    );
    expect(offline.annotations[tetherAnnotations.decision]).toBe('reject');
    expect(offline.annotations[tetherAnnotations.reason]).toBe('agent not connected');
  });

  it('masks secret-looking query values and never carries headers or bodies', () => {
    const event = kubeAuditEvent(
      summaryOf(
        'GET',
        '/api/v1/namespaces/web/pods?access_token=eyJhbGciOi.secret.sig&limit=5&X-Signature=abc',
      ),
      { stage: 'ResponseComplete', outcome: outcome(200) },
      context,
    );
    expect(event.requestURI).toBe(
      '/api/v1/namespaces/web/pods?access_token=[REDACTED]&limit=5&X-Signature=[REDACTED]',
    );
    const text = JSON.stringify(event);
    expect(text).not.toContain('eyJhbGciOi');
    expect(text).not.toContain('last-applied-configuration');
    expect(Object.keys(event)).not.toContain('requestObject');
    expect(Object.keys(event)).not.toContain('responseObject');
  });

  it('carries the command and container of an exec, recorded as create when the answer starts', () => {
    const uri =
      '/api/v1/namespaces/web/pods/api-0/exec?command=sh&command=-c&command=id&container=app&stdin=true';
    const event = kubeAuditEvent(
      summaryOf('GET', uri, { upgrade: true }),
      { stage: 'ResponseStarted', status: 101 },
      context,
    );
    expect(parseAuditEvent(event)).toMatchObject({
      stage: 'ResponseStarted',
      verb: 'create',
      responseStatus: { code: 101 },
    });
    expect(event.objectRef).toMatchObject({ resource: 'pods', subresource: 'exec', name: 'api-0' });
    expect(event.annotations[tetherAnnotations.execCommand]).toBe('["sh","-c","id"]');
    expect(event.annotations[tetherAnnotations.execContainer]).toBe('app');
    expect(event.annotations[tetherAnnotations.bytesToClient]).toBeUndefined();
  });

  it('carries the ports of a port-forward', () => {
    const event = kubeAuditEvent(
      summaryOf('GET', '/api/v1/namespaces/web/pods/api-0/portforward?ports=8080&ports=9090,5432', {
        upgrade: true,
      }),
      { stage: 'ResponseComplete', outcome: outcome(101) },
      context,
    );
    expect(event.annotations[tetherAnnotations.portForwardPorts]).toBe('8080,9090,5432');
  });

  it('names the just-in-time access requests whose grants were active', () => {
    const summary = summaryOf('GET', '/api/v1/namespaces/kube-system/secrets', {
      access: {
        allowed: true,
        rule: 'break-glass',
        user: 'bob@acme.com',
        groups: ['developers', 'break-glass'],
        extra: {},
        jitRequestIds: ['ar-1'],
      },
    });
    const event = kubeAuditEvent(
      summary,
      { stage: 'ResponseComplete', outcome: outcome(200) },
      { ...context, jitRequestIds: ['ar-1', 'ar-2'] },
    );
    expect(event.annotations[tetherAnnotations.jitRequestId]).toBe('ar-1,ar-2');
  });
});
