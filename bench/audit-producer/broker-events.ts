// The audit events the producer benchmark sends: built by the broker's own builder (kubeAuditEvent)
// from the request summaries the kube proxy hands it, in a mix like a busy day of kubectl traffic —
// mostly reads, some watches, writes, exec and port-forward sessions, denials, JIT grants.
import { randomBytes, randomUUID } from 'node:crypto';
import type { AuditEvent } from '@tether/audit';
import { requestAttributesFromUrl } from '@tether/kube';
import { kubeAuditEvent } from '../../apps/broker/src/audit/kube-audit-event';
import type { KubeRequestSummary } from '../../apps/broker/src/kube-proxy/kube-request-observer';

const CLUSTERS = ['dev-east', 'dev-west', 'prod-eu', 'prod-us'];
const PEOPLE = [
  { username: 'bob@acme.com', groups: ['developers', 'oncall', 'system:authenticated'] },
  { username: 'carol@acme.com', groups: ['security', 'auditors', 'system:authenticated'] },
  { username: 'dave@acme.com', groups: ['platform', 'sre', 'oncall', 'system:authenticated'] },
  { username: 'erin@acme.com', groups: ['developers', 'team-payments', 'system:authenticated'] },
];
const KUBECTL = 'kubectl/v1.34.1 (linux/amd64) kubernetes/93e5b4f';

/** [method, path and query, share of the traffic, policy answer]. */
const REQUESTS: [string, (ns: string, n: number) => string, number, 'allow' | 'deny'][] = [
  ['GET', (ns) => `/api/v1/namespaces/${ns}/pods?limit=500`, 30, 'allow'],
  ['GET', (ns, n) => `/api/v1/namespaces/${ns}/pods/web-${n % 97}-7d9f8c6b5-x2k4q`, 15, 'allow'],
  [
    'GET',
    (ns) => `/apis/apps/v1/namespaces/${ns}/deployments?labelSelector=app%3Dweb&limit=500`,
    10,
    'allow',
  ],
  ['GET', (ns) => `/api/v1/namespaces/${ns}/events?fieldSelector=type%3DWarning&watch=true`, 8, 'allow'],
  [
    'GET',
    (ns, n) =>
      `/api/v1/namespaces/${ns}/pods/web-${n % 97}-7d9f8c6b5-x2k4q/log?container=app&follow=true&tailLines=100`,
    6,
    'allow',
  ],
  [
    'PATCH',
    (ns, n) => `/apis/apps/v1/namespaces/${ns}/deployments/web-${n % 13}?fieldManager=kubectl-edit`,
    6,
    'allow',
  ],
  [
    'POST',
    (ns) =>
      `/api/v1/namespaces/${ns}/configmaps?fieldManager=kubectl-client-side-apply&fieldValidation=Strict`,
    5,
    'allow',
  ],
  ['DELETE', (ns, n) => `/api/v1/namespaces/${ns}/pods/web-${n % 97}-7d9f8c6b5-x2k4q`, 4, 'allow'],
  [
    'GET',
    (ns, n) =>
      `/api/v1/namespaces/${ns}/pods/web-${n % 97}-7d9f8c6b5-x2k4q/exec?command=sh&command=-c&command=cat+%2Fetc%2Fresolv.conf&container=app&stdin=true&stdout=true&tty=true`,
    4,
    'allow',
  ],
  ['GET', (ns, n) => `/api/v1/namespaces/${ns}/pods/db-${n % 3}/portforward?ports=5432,9187`, 2, 'allow'],
  ['GET', (ns) => `/api/v1/namespaces/${ns}/secrets?limit=500`, 6, 'deny'],
  ['DELETE', () => `/api/v1/namespaces/kube-system/pods/coredns-5d78c9869d-abcde`, 4, 'deny'],
];
const WEIGHTS = REQUESTS.reduce((sum, [, , weight]) => sum + weight, 0);

function summaryOf(i: number): KubeRequestSummary {
  let pick = (i * 7919) % WEIGHTS;
  let index = 0;
  while (pick >= REQUESTS[index]![2]) pick -= REQUESTS[index++]![2];
  const [method, uri, , answer] = REQUESTS[index]!;
  const who = PEOPLE[i % PEOPLE.length]!;
  const requestUri = uri(`team-${i % 23}`, i);
  const jit = i % 10 === 0 ? [randomUUID()] : undefined;
  return {
    requestId: randomUUID(),
    receivedAt: new Date(),
    method,
    requestUri,
    cluster: CLUSTERS[i % CLUSTERS.length]!,
    sourceIp: `10.${(i >> 8) & 255}.${i & 255}.17`,
    userAgent: KUBECTL,
    upgrade: requestUri.includes('/exec?') || requestUri.includes('/portforward?'),
    who: {
      subject: `00u${i % 4}abcdef`,
      username: who.username,
      groups: who.groups,
      sessionId: 's',
      expiresAt: 0,
    },
    attributes: requestAttributesFromUrl(method, requestUri),
    access:
      answer === 'allow'
        ? {
            allowed: true,
            rule: jit ? 'jit-elevation' : 'developers-read-write',
            user: who.username,
            groups: who.groups.filter((g) => g !== 'system:authenticated').map((g) => `oidc:${g}`),
            extra: { 'tether.dev/session': [randomBytes(8).toString('hex')] },
            ...(jit ? { jitRequestIds: jit } : {}),
          }
        : {
            allowed: false,
            reason: `no rule of the policy allows ${who.username} to ${method.toLowerCase()} here`,
          },
    traceId: randomBytes(16).toString('hex'),
  };
}

/** The `i`-th event of the workload: what the broker emits when that request completes. */
export function brokerAuditEvent(i: number): AuditEvent {
  const summary = summaryOf(i);
  const access = summary.access;
  const allowed = access?.allowed === true;
  const jitRequestIds = access?.allowed ? access.jitRequestIds : undefined;
  return kubeAuditEvent(
    summary,
    {
      stage: 'ResponseComplete',
      outcome: {
        status: allowed ? (summary.method === 'POST' ? 201 : 200) : 403,
        bytesFromClient: summary.method === 'GET' ? 0 : 1_400 + (i % 900),
        bytesToClient: allowed ? 2_000 + ((i * 31) % 60_000) : 380,
        completedAt: new Date(),
        durationMs: 3 + (i % 40),
      },
    },
    {
      brokerInstance: 'tether-broker-7c9d6f5b8-h2x9z',
      ...(jitRequestIds ? { jitRequestIds } : {}),
    },
  );
}
