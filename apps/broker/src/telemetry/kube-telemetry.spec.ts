import { once } from 'node:events';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Duplex, PassThrough, Writable } from 'node:stream';
import { SpanKind } from '@opentelemetry/api';
import { DecisionSigner, generateDecisionKey } from '@tether/decision';
import { encodeResponseHead, type KubeRequestHead } from '@tether/kube';
import { createMetricsRegistry, installInMemoryTracing, type InMemoryTracing } from '@tether/telemetry';
import pino from 'pino';
import type { Registry } from 'prom-client';
import { SessionTokenError } from '../auth/session-token.errors';
import type { SessionIdentity } from '../auth/session-tokens';
import { KubeProxy } from '../kube-proxy/kube-proxy';
import type { KubeRequestSummary } from '../kube-proxy/kube-request-observer';
import { BrokerMetrics } from './broker-metrics';
import { MetricsObserver } from './metrics-observer';

const bob: SessionIdentity = {
  subject: 'idp|bob',
  username: 'bob',
  email: 'bob@acme.com',
  groups: ['developers'],
  sessionId: 's-1',
  expiresAt: Math.floor(Date.now() / 1000) + 600,
};

/** A stand-in agent: swallow the request body, answer 200 with a small body. */
function answeringStream(): Duplex {
  const toAgent = new PassThrough();
  const fromAgent = new PassThrough();
  toAgent.resume();
  toAgent.on('end', () => {
    fromAgent.write(encodeResponseHead({ status: 200, headers: [['Content-Type', 'application/json']] }));
    fromAgent.end('{"kind":"PodList","items":[]}');
  });
  return Duplex.from({ readable: fromAgent, writable: toAgent });
}

describe('kube request telemetry at the broker', () => {
  let server: Server;
  let registry: Registry;
  let opened: KubeRequestHead[];
  let finished: KubeRequestSummary[];
  let logLines: Record<string, unknown>[];
  let tracing: InMemoryTracing;

  beforeAll(async () => {
    tracing = installInMemoryTracing('broker');
    registry = createMetricsRegistry({ service: 'broker', processMetrics: false });
    const metrics = new BrokerMetrics(registry);
    const logStream = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) logLines.push(JSON.parse(line));
        callback();
      },
    });
    const proxy = new KubeProxy({
      authenticate: (token) =>
        token === 't'
          ? Promise.resolve(bob)
          : Promise.reject(new SessionTokenError('TOKEN_EXPIRED', 'expired')),
      decide: (_who, _cluster, attributes) =>
        attributes.verb === 'delete'
          ? { allowed: false, reason: 'read-only' }
          : { allowed: true, rule: 'read', user: 'bob@acme.com', groups: ['developers'], extra: {} },
      transport: {
        isRegistered: (cluster) => cluster === 'dev-east',
        openStream: (_cluster, head) => {
          opened.push(head);
          return answeringStream();
        },
      },
      signer: new DecisionSigner(generateDecisionKey('k1')),
      decisionLifetimeSeconds: 10,
      logger: pino({ level: 'info' }, logStream),
      observers: [
        new MetricsObserver(metrics, (cluster) => cluster === 'dev-east'),
        { finished: (summary) => finished.push(summary) },
      ],
    });
    server = createServer((req, res) => void proxy.handleRequest(req, res));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
  });

  beforeEach(() => {
    opened = [];
    finished = [];
    logLines = [];
    tracing.reset();
    registry.resetMetrics();
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await tracing.shutdown();
  });

  function send(method: string, path: string, token = 't'): Promise<number> {
    const { port } = server.address() as AddressInfo;
    return new Promise((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port, method, path, headers: { authorization: `Bearer ${token}` } },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end();
    });
  }

  const settle = () => new Promise((resolve) => setTimeout(resolve, 20));
  const scrape = () => registry.metrics();

  it('counts requests by cluster, verb and code, and decisions allowed and denied', async () => {
    expect(await send('GET', '/k8s/dev-east/api/v1/namespaces/web/pods')).toBe(200);
    expect(await send('GET', '/k8s/dev-east/api/v1/namespaces/web/pods')).toBe(200);
    expect(await send('DELETE', '/k8s/dev-east/api/v1/namespaces/web/pods/web-0')).toBe(403);
    await settle();
    const text = await scrape();
    expect(text).toContain(
      'tether_broker_requests_total{cluster="dev-east",verb="list",code="200",service="broker"',
    );
    expect(text).toMatch(
      /tether_broker_requests_total\{cluster="dev-east",verb="list",code="200"[^}]*\} 2\n/,
    );
    expect(text).toMatch(
      /tether_broker_requests_total\{cluster="dev-east",verb="delete",code="403"[^}]*\} 1\n/,
    );
    expect(text).toMatch(/tether_broker_decisions_total\{cluster="dev-east",decision="allowed"[^}]*\} 2\n/);
    expect(text).toMatch(/tether_broker_decisions_total\{cluster="dev-east",decision="denied"[^}]*\} 1\n/);
    expect(text).toMatch(
      /tether_broker_request_duration_seconds_count\{cluster="dev-east",verb="list"[^}]*\} 2\n/,
    );
  });

  it('never turns a cluster name from the URL into a label unless the broker serves it', async () => {
    for (let i = 0; i < 5; i++) expect(await send('GET', `/k8s/attacker-${i}/api`)).toBe(404);
    expect(await send('GET', '/k8s/dev-east/api', 'bad')).toBe(401);
    await settle();
    const text = await scrape();
    expect(text).not.toContain('attacker');
    expect(text).toMatch(/tether_broker_requests_total\{cluster="",verb="",code="404"[^}]*\} 5\n/);
    expect(text).toMatch(/tether_broker_requests_total\{cluster="dev-east",verb="",code="401"[^}]*\} 1\n/);
  });

  it('traces a request as a SERVER span with its steps and the tunnel hop, whose context rides the head', async () => {
    expect(await send('GET', '/k8s/dev-east/api/v1/namespaces/web/pods')).toBe(200);
    await settle();
    const spans = tracing.spans();
    const root = spans.find((span) => span.kind === SpanKind.SERVER);
    expect(root?.name).toBe('kube list');
    expect(root?.attributes).toMatchObject({
      'http.response.status_code': 200,
      'tether.cluster': 'dev-east',
      'tether.decision': 'allowed',
      'user.name': 'bob',
      'tether.request_id': opened[0].requestId,
    });
    const traceId = root!.spanContext().traceId;
    const children = spans.filter((span) => span.parentSpanContext?.spanId === root!.spanContext().spanId);
    expect(children.map((span) => span.name).sort()).toEqual([
      'authenticate',
      'policy decision',
      'sign decision',
      'tunnel',
    ]);
    expect(children.every((span) => span.spanContext().traceId === traceId)).toBe(true);
    const hop = children.find((span) => span.name === 'tunnel')!;
    expect(hop.kind).toBe(SpanKind.CLIENT);
    expect(opened[0].traceparent).toBe(`00-${traceId}-${hop.spanContext().spanId}-01`);
    expect(finished[0].traceId).toBe(traceId);
  });

  it('logs a denial with the request id and trace id', async () => {
    expect(await send('DELETE', '/k8s/dev-east/api/v1/namespaces/web/pods/web-0')).toBe(403);
    await settle();
    const denied = logLines.find((line) => line.msg === 'denied');
    expect(denied).toMatchObject({
      requestId: finished[0].requestId,
      traceId: finished[0].traceId,
      user: 'bob',
    });
    expect(finished[0].traceId).toMatch(/^[0-9a-f]{32}$/);
  });
});
