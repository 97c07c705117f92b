import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { get as httpsGet } from 'node:https';
import type { AddressInfo } from 'node:net';
import { KubectlRunner, startTetherStack, type TetherStack } from '@tether/testing';
import { WebSocket } from 'ws';

/** The value of one series in Prometheus text, or undefined when the series is absent. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^(\w+)\{([^}]*)\} (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const pairs = Object.fromEntries(
      [...match[2].matchAll(/(\w+)="([^"]*)"/g)].map(([, key, value]) => [key, value]),
    );
    if (Object.entries(labels).every(([key, value]) => pairs[key] === value)) return Number(match[3]);
  }
  return undefined;
}

async function scrape(url: string): Promise<string> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  return res.text();
}

async function eventually<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('metrics and probes of the running stack', () => {
  let stack: TetherStack;
  let alice: KubectlRunner;
  let bob: KubectlRunner;

  beforeAll(async () => {
    stack = await startTetherStack();
    alice = new KubectlRunner(stack.kubeconfig(await stack.tokenFor('alice', ['platform-admins'])));
    bob = new KubectlRunner(stack.kubeconfig(await stack.tokenFor('bob', ['developers'])));
  });

  afterAll(async () => {
    alice?.dispose();
    bob?.dispose();
    await stack?.stop();
  });

  it('counts kubectl get by cluster, verb and code at the broker and the agent', async () => {
    const labels = { cluster: 'dev-east', verb: 'list', code: '200', service: 'broker' };
    const before = sample(await scrape(stack.brokerMetricsUrl), 'tether_broker_requests_total', labels) ?? 0;
    const agentBefore =
      sample(await scrape(`${stack.agentHttpUrls['dev-east']}/metrics`), 'tether_agent_replays_total', {
        code: '200',
      }) ?? 0;
    for (let i = 0; i < 2; i++) {
      const result = await alice.run(['--context', 'dev-east', 'get', 'configmaps', '-n', 'web']);
      expect(result.code).toBe(0);
    }
    const broker = await scrape(stack.brokerMetricsUrl);
    expect(sample(broker, 'tether_broker_requests_total', labels)).toBe(before + 2);
    expect(
      sample(broker, 'tether_broker_decisions_total', { cluster: 'dev-east', decision: 'allowed' }),
    ).toBeGreaterThanOrEqual(2);
    expect(
      sample(broker, 'tether_broker_request_duration_seconds_count', { cluster: 'dev-east', verb: 'list' }),
    ).toBeGreaterThanOrEqual(2);
    expect(sample(broker, 'tether_broker_tunnels_connected', { cluster: 'dev-east' })).toBe(1);
    expect(sample(broker, 'tether_broker_tunnels_connected', { cluster: 'dev-west' })).toBe(1);
    expect(broker).toContain('tether_broker_tunnel_streams_open{cluster="dev-east"');
    expect(broker).toContain('process_cpu_seconds_total');
    expect(broker).not.toMatch(/alice|bob/);
    const agent = await scrape(`${stack.agentHttpUrls['dev-east']}/metrics`);
    expect(
      sample(agent, 'tether_agent_replays_total', { code: '200', service: 'agent' }),
    ).toBeGreaterThanOrEqual(agentBefore + 2);
    expect(sample(agent, 'tether_agent_tunnel_connected', {})).toBe(1);
    expect(sample(agent, 'tether_agent_replay_latency_seconds_count', {})).toBeGreaterThanOrEqual(2);
  });

  it('counts a denied request as denied, with the 403 it got', async () => {
    const labels = { cluster: 'dev-west', decision: 'denied' };
    const before = sample(await scrape(stack.brokerMetricsUrl), 'tether_broker_decisions_total', labels) ?? 0;
    const result = await bob.run([
      '--context',
      'dev-west',
      'delete',
      'configmap',
      'frontend-config',
      '-n',
      'web',
    ]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/forbidden/i);
    const broker = await scrape(stack.brokerMetricsUrl);
    expect(sample(broker, 'tether_broker_decisions_total', labels)).toBe(before + 1);
    expect(
      sample(broker, 'tether_broker_requests_total', { cluster: 'dev-west', verb: 'delete', code: '403' }),
    ).toBeGreaterThanOrEqual(1);
  });

  it('keeps /metrics off the kube path and the TLS port', async () => {
    const res = await fetch(`${stack.brokerMetricsUrl.replace('/metrics', '')}/k8s/dev-east/api`);
    expect(res.status).toBe(404);
  });

  const brokerStalls = async () =>
    sample(await scrape(stack.brokerMetricsUrl), 'tether_broker_tunnel_flow_control_stalls_total', {}) ?? 0;
  const agentStalls = async () =>
    sample(
      await scrape(`${stack.agentHttpUrls['dev-east']}/metrics`),
      'tether_agent_tunnel_flow_control_stalls_total',
      {},
    ) ?? 0;

  it('counts a stall at the agent when kubectl reads a large answer slower than the API server sends it', async () => {
    // 16 MiB of ConfigMaps: more than the stream's window and every socket buffer on the way.
    const bulk = Array.from(
      { length: 8 },
      (_, i) =>
        `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: bulk-${i}, namespace: bulk }\ndata:\n  blob: ${'x'.repeat(2 * 1024 * 1024)}\n`,
    );
    await stack.clusters['dev-east'].applyManifests(
      ['apiVersion: v1\nkind: Namespace\nmetadata: { name: bulk }\n', ...bulk].join('---\n'),
    );
    const [brokerBefore, agentBefore] = [await brokerStalls(), await agentStalls()];
    const token = await stack.tokenFor('alice', ['platform-admins']);
    const res = await new Promise<IncomingMessage>((resolve, reject) =>
      httpsGet(
        `${stack.brokerUrl}/k8s/dev-east/api/v1/namespaces/bulk/configmaps`,
        { ca: stack.brokerCaPem, headers: { authorization: `Bearer ${token}` } },
        resolve,
      ).on('error', reject),
    );
    expect(res.statusCode).toBe(200);
    res.pause(); // the head is in; the body waits
    await eventually(
      async () => ((await agentStalls()) > agentBefore ? true : undefined),
      'the agent to run out of credit',
    );
    let bytes = 0;
    res.on('data', (chunk: Buffer) => (bytes += chunk.length));
    res.resume();
    await once(res, 'end');
    expect(bytes).toBeGreaterThan(16 * 1024 * 1024);
    // Nothing flowed from kubectl to the agent, so the broker never waited for credit.
    expect(await brokerStalls()).toBe(brokerBefore);
  });

  it('counts a stall at the broker when the container does not read what kubectl sends on stdin', async () => {
    const pod = await alice.run([
      '--context',
      'dev-east',
      'get',
      'pods',
      '-n',
      'web',
      '-o',
      'jsonpath={.items[0].metadata.name}',
    ]);
    expect(pod.code, pod.stderr).toBe(0);
    const [brokerBefore, agentBefore] = [await brokerStalls(), await agentStalls()];
    const token = await stack.tokenFor('alice', ['platform-admins']);
    const ws = new WebSocket(
      `${stack.brokerUrl.replace('https:', 'wss:')}/k8s/dev-east/api/v1/namespaces/web/pods/${pod.stdout}/exec?command=sleep&command=60&stdin=true&container=nginx`,
      ['v5.channel.k8s.io'],
      { ca: stack.brokerCaPem, headers: { authorization: `Bearer ${token}` } },
    );
    await once(ws, 'open');
    // `sleep` never reads its stdin: the API server stops reading, then the agent, then the credit ends.
    const chunk = Buffer.alloc(256 * 1024 + 1, 0x61);
    chunk[0] = 0; // the stdin channel
    let sent = 0;
    const deadline = Date.now() + 20_000;
    while ((await brokerStalls()) === brokerBefore) {
      if (sent > 64 * 1024 * 1024 || Date.now() > deadline)
        throw new Error(`no stall at the broker after ${sent} bytes of stdin`);
      while (ws.bufferedAmount < 1024 * 1024) {
        ws.send(chunk);
        sent += chunk.length;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(sent).toBeGreaterThan(256 * 1024);
    ws.terminate();
    // Nothing flowed from the container back, so the agent never waited for credit.
    expect(await agentStalls()).toBe(agentBefore);
  });

  it('has the agent ready only while its tunnel is up: /readyz turns 503 when the broker stops', async () => {
    const agentUrl = stack.agentHttpUrls['dev-west'];
    expect((await fetch(`${agentUrl}/readyz`)).status).toBe(200);
    expect((await fetch(`${agentUrl}/healthz`)).status).toBe(200);
    await stack.broker.stop();
    const body = await eventually(async () => {
      const res = await fetch(`${agentUrl}/readyz`);
      return res.status === 503 ? ((await res.json()) as { status: string; reason: string }) : undefined;
    }, 'the agent to turn unready');
    expect(body.status).toBe('unavailable');
    expect(body.reason).toMatch(/tunnel to the broker is down|cannot connect to the broker/);
    expect((await fetch(`${agentUrl}/healthz`)).status).toBe(200);
    expect(sample(await scrape(`${agentUrl}/metrics`), 'tether_agent_tunnel_connected', {})).toBe(0);

    await stack.restartBroker();
    await eventually(
      async () => ((await fetch(`${agentUrl}/readyz`)).status === 200 ? true : undefined),
      'ready again',
    );
    expect(
      sample(await scrape(`${agentUrl}/metrics`), 'tether_agent_tunnel_reconnects_total', {}),
    ).toBeGreaterThanOrEqual(1);
  });
});

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
}

/** A small OTLP/HTTP (JSON) receiver: what the broker and agent processes export. */
async function otlpReceiver(): Promise<{
  url: string;
  spans: Array<OtlpSpan & { service: string }>;
  server: Server;
}> {
  const spans: Array<OtlpSpan & { service: string }> = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString()) as {
          resourceSpans: Array<{
            resource: { attributes: Array<{ key: string; value: { stringValue?: string } }> };
            scopeSpans: Array<{ spans: OtlpSpan[] }>;
          }>;
        };
        for (const resource of body.resourceSpans) {
          const service =
            resource.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue ?? '';
          for (const scope of resource.scopeSpans)
            for (const span of scope.spans) spans.push({ ...span, service });
        }
      } catch {
        // a body we cannot read counts as no spans
      }
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spans, server };
}

describe('traces exported over OTLP by the broker and agent processes', () => {
  let stack: TetherStack;
  let receiver: Awaited<ReturnType<typeof otlpReceiver>>;
  let alice: KubectlRunner;

  beforeAll(async () => {
    receiver = await otlpReceiver();
    stack = await startTetherStack({
      brokerEnv: { TETHER_BROKER_OTLP_ENDPOINT: receiver.url },
      agentEnv: { TETHER_AGENT_OTLP_ENDPOINT: receiver.url },
    });
    alice = new KubectlRunner(stack.kubeconfig(await stack.tokenFor('alice', ['platform-admins'])));
  });

  afterAll(async () => {
    alice?.dispose();
    await stack?.stop();
    receiver?.server.close();
  });

  it('one kubectl get is one trace: the broker’s spans and the agent’s replay, linked', async () => {
    const result = await alice.run([
      '--context',
      'dev-east',
      'get',
      'configmap',
      'frontend-config',
      '-n',
      'web',
    ]);
    expect(result.code).toBe(0);
    // Spans leave in batches (every 5 s by default).
    const replay = await eventually(
      async () =>
        receiver.spans.find(
          (span) =>
            span.service === 'tether-agent' &&
            span.name === 'kube replay' &&
            receiver.spans.some((s) => s.traceId === span.traceId && s.name === 'kube get'),
        ),
      'the agent’s replay span of the get',
    );
    const trace = receiver.spans.filter((span) => span.traceId === replay.traceId);
    const hop = trace.find((span) => span.name === 'tunnel');
    const root = trace.find((span) => span.name === 'kube get');
    expect(hop?.service).toBe('tether-broker');
    expect(root?.service).toBe('tether-broker');
    expect(replay.parentSpanId).toBe(hop?.spanId);
    expect(hop?.parentSpanId).toBe(root?.spanId);
    expect(trace.map((span) => span.name)).toEqual(
      expect.arrayContaining(['authenticate', 'policy decision', 'sign decision']),
    );
  });
});
