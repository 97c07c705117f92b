// The built broker, agents and auditor exporting over OTLP with Kafka between them: what the HTTP and
// kafkajs instrumentation adds to the hand-made kube trace, and what it leaves alone.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  findRepoRoot,
  freePort,
  KubectlRunner,
  OtlpReceiver,
  type ReceivedSpan,
  type StartedNode,
  startNode,
  startTetherStack,
  testKafkaBrokers,
  type TetherStack,
} from '@tether/testing';
import { Kafka, logLevel } from 'kafkajs';

const auditorMain = join(findRepoRoot(__dirname), 'apps', 'auditor', 'dist', 'main.js');
const SERVER = 2; // OTLP's span kinds
const PRODUCER = 4;
const CONSUMER = 5;
const httpScope = '@opentelemetry/instrumentation-http';
const kafkaScope = '@opentelemetry/instrumentation-kafkajs';

async function eventually<T>(what: string, probe: () => T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('HTTP and Kafka instrumentation of the running processes', () => {
  const topic = `tether.audit.traced.${randomBytes(4).toString('hex')}`;
  let receiver: OtlpReceiver;
  let stack: TetherStack;
  let auditor: StartedNode | undefined;
  let alice: KubectlRunner;
  let auditorDir: string;

  beforeAll(async () => {
    receiver = await OtlpReceiver.start();
    const admin = new Kafka({
      clientId: 'traced-e2e',
      brokers: testKafkaBrokers(),
      logLevel: logLevel.NOTHING,
    }).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    await admin.disconnect();
    stack = await startTetherStack({
      brokerEnv: {
        TETHER_BROKER_OTLP_ENDPOINT: receiver.url,
        TETHER_BROKER_KAFKA_BROKERS: testKafkaBrokers().join(','),
        TETHER_BROKER_KAFKA_TOPIC: topic,
        KAFKAJS_NO_PARTITIONER_WARNING: '1',
      },
      agentEnv: { TETHER_AGENT_OTLP_ENDPOINT: receiver.url },
    });
    auditorDir = mkdtempSync(join(tmpdir(), 'tether-traced-auditor-'));
    const auditorPort = await freePort();
    auditor = await startNode(auditorMain, {
      env: {
        TETHER_AUDITOR_PORT: String(auditorPort),
        TETHER_AUDITOR_KAFKA_BROKERS: testKafkaBrokers().join(','),
        TETHER_AUDITOR_KAFKA_TOPIC: topic,
        TETHER_AUDITOR_KAFKA_GROUP_ID: `traced-e2e-${randomBytes(4).toString('hex')}`,
        TETHER_AUDITOR_DATA_DIR: auditorDir,
        TETHER_AUDITOR_BROKER_JWKS_URL: `${stack.brokerUrl}/.well-known/jwks.json`,
        TETHER_AUDITOR_BROKER_ISSUER: stack.brokerUrl,
        TETHER_AUDITOR_BROKER_CA_FILE: stack.brokerCaFile,
        TETHER_AUDITOR_BATCH_MAX_WAIT_MS: '100',
        TETHER_AUDITOR_OTLP_ENDPOINT: receiver.url,
        KAFKAJS_NO_PARTITIONER_WARNING: '1',
      },
      readyPattern: /auditor listening/,
      timeoutMs: 60_000,
    });
    alice = new KubectlRunner(stack.kubeconfig(await stack.tokenFor('alice', ['platform-admins'])));
  });

  afterAll(async () => {
    alice?.dispose();
    await auditor?.stop();
    await stack?.stop();
    await receiver?.close();
    if (auditorDir) rmSync(auditorDir, { recursive: true, force: true });
  });

  it('keeps a kubectl request’s trace to the hand-made spans, and carries its audit event from the broker’s producer to the auditor’s consumer', async () => {
    const result = await alice.run(['--context', 'dev-east', 'get', 'configmaps', '-n', 'web']);
    expect(result.code, result.stderr).toBe(0);
    // Spans leave in batches, every 5 s by default.
    const replay = await eventually('the agent’s replay span', () =>
      receiver.spans.find(
        (span) =>
          span.name === 'kube replay' &&
          receiver.spans.some((s) => s.traceId === span.traceId && s.name === 'kube list'),
      ),
    );
    const kubeTrace = receiver.spans.filter((span) => span.traceId === replay.traceId);
    expect(kubeTrace.map((span) => span.name).sort()).toEqual(
      ['authenticate', 'kube list', 'kube replay', 'policy decision', 'sign decision', 'tunnel'].sort(),
    );
    expect(kubeTrace.filter((span) => span.scope === httpScope)).toEqual([]);

    const consumed: ReceivedSpan = await eventually('the auditor consuming a broker-produced event', () =>
      receiver.spans.find(
        (span) =>
          span.service === 'tether-auditor' &&
          span.kind === CONSUMER &&
          receiver.spans.some((s) => s.spanId === span.parentSpanId && s.service === 'tether-broker'),
      ),
    );
    const produced = receiver.spans.find((span) => span.spanId === consumed.parentSpanId)!;
    expect(produced).toMatchObject({ kind: PRODUCER, scope: kafkaScope, name: `send ${topic}` });
    expect(produced.traceId).toBe(consumed.traceId);
    expect(consumed).toMatchObject({ scope: kafkaScope, name: `process ${topic}` });
  });

  it('traces the broker’s own API, and neither its probes nor the agent’s', async () => {
    const brokerGet = (path: string) =>
      new Promise<number>((resolve, reject) =>
        httpsGet(`${stack.brokerUrl}${path}`, { ca: stack.brokerCaPem }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        }).on('error', reject),
      );
    const agentUrl = stack.agentHttpUrls['dev-east'];
    for (const url of [
      stack.brokerMetricsUrl,
      `${agentUrl}/healthz`,
      `${agentUrl}/readyz`,
      `${agentUrl}/metrics`,
    ])
      expect((await fetch(url)).status).toBe(200);
    expect(await brokerGet('/healthz')).toBe(200);
    expect(await brokerGet('/readyz')).toBe(200);
    // Markers, after the probes: once their spans are in, a probe's span would be too (each process
    // exports its spans in the order they ended).
    expect(await brokerGet('/auth/config')).toBe(200);
    const replaysBefore = receiver.spans.filter((span) => span.name === 'kube replay').length;
    const result = await alice.run(['--context', 'dev-east', 'get', 'configmaps', '-n', 'web']);
    expect(result.code, result.stderr).toBe(0);
    const config = await eventually('the span of GET /auth/config', () =>
      receiver.spans.find(
        (span) => span.service === 'tether-broker' && span.attributes['url.path'] === '/auth/config',
      ),
    );
    expect(config).toMatchObject({
      kind: SERVER,
      scope: httpScope,
      attributes: expect.objectContaining({ 'http.request.method': 'GET', 'http.response.status_code': 200 }),
    });
    await eventually('the agent’s next replay span', () =>
      receiver.spans.filter((span) => span.name === 'kube replay').length > replaysBefore ? true : undefined,
    );
    const serverPaths = receiver.spans
      .filter((span) => span.kind === SERVER && span.scope === httpScope)
      .map((span) => `${span.service} ${span.attributes['url.path']}`);
    for (const probe of ['/metrics', '/healthz', '/readyz']) {
      expect(serverPaths).not.toContain(`tether-broker ${probe}`);
      expect(serverPaths).not.toContain(`tether-agent ${probe}`);
    }
  });
});
