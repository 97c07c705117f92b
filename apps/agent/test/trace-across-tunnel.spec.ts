// One kubectl request through the broker's KubeProxy, a real tunnel over loopback and the agent's replay
// to the API server simulator, all in this process so one in-memory exporter sees both sides' spans.
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duplex, PassThrough } from 'node:stream';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import {
  DecisionKeySet,
  DecisionSigner,
  DecisionVerifier,
  generateDecisionKey,
  hashRequestTarget,
  publicJwkOf,
} from '@tether/decision';
import type { KubeRequestHead } from '@tether/kube';
import { createMetricsRegistry, installInMemoryTracing, type InMemoryTracing } from '@tether/telemetry';
import { ApiServerSimulator, demoClusterManifests, demoClusterTokens } from '@tether/testing';
import pino from 'pino';
import type { Registry } from 'prom-client';
import type { SessionIdentity } from '../../broker/src/auth/session-tokens';
import { KubeProxy } from '../../broker/src/kube-proxy/kube-proxy';
import { ApiServerConnection } from '../src/api-server/api-server-connection';
import { KubeReplayer } from '../src/replay/kube-replayer';
import { AgentMetrics } from '../src/telemetry/agent-metrics';
import { StreamDispatcher } from '../src/tunnel/stream-dispatcher';
import { type AgentOverTunnel, agentOverTunnel } from './agent-over-tunnel';

const carol: SessionIdentity = {
  subject: 'idp|carol',
  username: 'carol',
  email: 'carol@acme.com',
  groups: ['auditors'],
  sessionId: 's-1',
  expiresAt: Math.floor(Date.now() / 1000) + 600,
};
const target = '/api/v1/namespaces/web/configmaps/frontend-config';

describe('a trace across broker, tunnel and agent', () => {
  let tracing: InMemoryTracing;
  let sim: ApiServerSimulator;
  let dir: string;
  let apiServer: ApiServerConnection;
  let agent: AgentOverTunnel;
  let proxyServer: Server;
  let agentRegistry: Registry;
  let replayer: KubeReplayer;
  const key = generateDecisionKey('broker-key');

  beforeAll(async () => {
    tracing = installInMemoryTracing();
    sim = await ApiServerSimulator.start({
      clusterName: 'dev-east',
      tokens: demoClusterTokens,
      manifests: [demoClusterManifests],
    });
    dir = mkdtempSync(join(tmpdir(), 'tether-trace-'));
    writeFileSync(join(dir, 'kubeconfig'), sim.kubeconfig({ token: 'agent-token' }));
    apiServer = await ApiServerConnection.open({ kubeconfigPath: join(dir, 'kubeconfig') });
    agentRegistry = createMetricsRegistry({ service: 'agent', processMetrics: false });
    const keys = new DecisionKeySet([publicJwkOf(key)]);
    replayer = new KubeReplayer(
      apiServer,
      new DecisionVerifier({ cluster: 'dev-east', keys }),
      pino({ level: 'silent' }),
      new AgentMetrics(agentRegistry),
    );
    const dispatcher = new StreamDispatcher(keys, replayer, pino({ level: 'silent' }));

    agent = await agentOverTunnel(dispatcher);

    const proxy = new KubeProxy({
      authenticate: () => Promise.resolve(carol),
      decide: () => ({
        allowed: true,
        rule: 'auditors-read',
        user: 'carol',
        groups: ['auditors'],
        extra: {},
      }),
      transport: agent.transport,
      signer: new DecisionSigner(key),
      decisionLifetimeSeconds: 10,
      logger: pino({ level: 'silent' }),
    });
    proxyServer = createServer((req, res) => void proxy.handleRequest(req, res));
    proxyServer.listen(0, '127.0.0.1');
    await once(proxyServer, 'listening');
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => proxyServer.close(() => resolve()));
    await agent.close();
    apiServer.close();
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
    await tracing.shutdown();
  });

  beforeEach(() => tracing.reset());

  function get(path: string): Promise<{ status: number; body: string }> {
    const { port } = proxyServer.address() as AddressInfo;
    return new Promise((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port, path, headers: { authorization: 'Bearer t' } },
        (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => (body += chunk.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      req.end();
    });
  }

  async function spansSettled(count: number): Promise<ReturnType<InMemoryTracing['spans']>> {
    const deadline = Date.now() + 5_000;
    while (tracing.spans().length < count && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 10));
    return tracing.spans();
  }

  it('shares one trace id, with the agent’s replay a child of the broker’s tunnel hop', async () => {
    const reply = await get(`/k8s/dev-east${target}`);
    expect(reply.status).toBe(200);
    expect(reply.body).toContain('frontend-config');
    const spans = await spansSettled(6);
    const byName = (name: string) => spans.find((span) => span.name === name);
    const root = spans.find((span) => span.kind === SpanKind.SERVER)!;
    const hop = byName('tunnel')!;
    const replay = byName('kube replay')!;
    expect(root.name).toBe('kube get');
    expect(root.parentSpanContext).toBeUndefined();
    const traceId = root.spanContext().traceId;
    expect(spans.map((span) => span.spanContext().traceId)).toEqual(spans.map(() => traceId));
    expect(hop.parentSpanContext?.spanId).toBe(root.spanContext().spanId);
    for (const step of ['authenticate', 'policy decision', 'sign decision'])
      expect(byName(step)?.parentSpanContext?.spanId).toBe(root.spanContext().spanId);
    expect(replay.parentSpanContext?.spanId).toBe(hop.spanContext().spanId);
    expect(replay.parentSpanContext?.isRemote).toBe(true);
    expect(replay.kind).toBe(SpanKind.CLIENT);
    expect(replay.instrumentationScope.name).toBe('tether-agent');
    expect(replay.attributes).toMatchObject({
      'http.request.method': 'GET',
      'url.path': target,
      'http.response.status_code': 200,
      'server.address': '127.0.0.1',
    });
    // The agent's span sits inside the broker's, in time too.
    const ms = (t: [number, number]) => t[0] * 1e3 + t[1] / 1e6;
    expect(ms(replay.startTime)).toBeGreaterThanOrEqual(ms(hop.startTime));
    expect(ms(replay.endTime)).toBeLessThanOrEqual(ms(root.endTime) + 1);
    expect(await agentRegistry.metrics()).toMatch(/tether_agent_replays_total\{code="200"[^}]*\} 1\n/);
  });

  function streamPair(): { stream: Duplex; done: Promise<void> } {
    const toAgent = new PassThrough();
    const fromAgent = new PassThrough();
    toAgent.end();
    fromAgent.resume();
    return {
      stream: Duplex.from({ readable: toAgent, writable: fromAgent }),
      done: once(fromAgent, 'end').then(() => undefined),
    };
  }

  function head(traceparent: unknown, decision: string): KubeRequestHead {
    return {
      kind: 'kube-request',
      requestId: 'r-1',
      method: 'GET',
      pathAndQuery: target,
      headers: [],
      decision,
      clientAddress: '203.0.113.7',
      traceparent: traceparent as string,
    };
  }

  function decision(requestId: string): string {
    const now = Math.floor(Date.now() / 1000);
    return new DecisionSigner(key).sign({
      requestId,
      cluster: 'dev-east',
      method: 'GET',
      pathHash: hashRequestTarget(target),
      user: 'carol',
      groups: ['auditors'],
      rule: 'test',
      issuedAt: now,
      expiresAt: now + 10,
    });
  }

  it('starts a trace of its own for a malformed traceparent, and still replays', async () => {
    const { stream, done } = streamPair();
    await replayer.replay(head('00-zzzz-not-a-trace', decision('r-malformed')), stream);
    await done;
    const [replay] = await spansSettled(1);
    expect(replay.name).toBe('kube replay');
    expect(replay.parentSpanContext).toBeUndefined();
    expect(replay.attributes['http.response.status_code']).toBe(200);
  });

  it('counts a replayed decision as a verification failure, and marks the span failed', async () => {
    const reused = decision('r-twice');
    for (let i = 0; i < 2; i++) {
      const { stream, done } = streamPair();
      await replayer.replay(head(undefined, reused), stream);
      await done;
    }
    const spans = await spansSettled(2);
    const refused = spans.find((span) => span.attributes['tether.refusal'] === 'DECISION_REPLAYED');
    expect(refused?.status.code).toBe(SpanStatusCode.ERROR);
    const text = await agentRegistry.metrics();
    expect(text).toMatch(/tether_agent_decision_verification_failures_total\{reason="replayed"[^}]*\} 1\n/);
    expect(text).toMatch(/tether_agent_replays_total\{code="403"[^}]*\} 1\n/);
  });
});
