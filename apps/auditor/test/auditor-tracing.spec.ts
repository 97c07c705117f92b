/**
 * The built auditor exporting traces over OTLP: its search API gets HTTP server spans, its probes none,
 * and consuming an audit event continues the trace of the producer that sent it (here this test's
 * KafkaAuditSink, traced in memory as the broker's would be).
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpanKind } from '@opentelemetry/api';
import { createKafkaAuditSink } from '@tether/audit';
import { installInMemoryTracing, type InMemoryTracing } from '@tether/telemetry';
import {
  findRepoRoot,
  freePort,
  OtlpReceiver,
  type ReceivedSpan,
  sampleAuditEvent,
  SessionTokenMinter,
  type StartedNode,
  startNode,
  testKafkaBrokers,
} from '@tether/testing';
import { Kafka, logLevel } from 'kafkajs';
import pino from 'pino';

const repoRoot = findRepoRoot(__dirname);
const auditorMain = join(repoRoot, 'apps', 'auditor', 'dist', 'main.js');
const issuer = 'https://broker.test';
const SERVER = 2; // OTLP's span kinds
const CONSUMER = 5;

async function eventually<T>(what: string, probe: () => T | undefined, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('the auditor’s traces', () => {
  const topic = `tether.audit.tracing.${randomBytes(5).toString('hex')}`;
  const keys = generateKeyPairSync('ed25519');
  const minter = new SessionTokenMinter(issuer, keys.privateKey);
  const dirs: string[] = [];
  let receiver: OtlpReceiver;
  let tracing: InMemoryTracing;
  let jwks: Server;
  let auditor: StartedNode | undefined;
  let baseUrl = '';

  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'tether-auditor-tracing-'));
    dirs.push(dir);
    return dir;
  };
  const auditorSpans = (kind: number) =>
    receiver.spans.filter((span) => span.service === 'tether-auditor' && span.kind === kind);

  beforeAll(async () => {
    receiver = await OtlpReceiver.start();
    tracing = installInMemoryTracing('tether-broker', { instrument: true });
    const publicJwk = { ...keys.publicKey.export({ format: 'jwk' }), alg: 'EdDSA', use: 'sig', kid: 'k1' };
    jwks = createServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [publicJwk] })),
    );
    jwks.listen(0, '127.0.0.1');
    await new Promise((resolve) => jwks.once('listening', resolve));
    const admin = new Kafka({
      clientId: 'auditor-tracing',
      brokers: testKafkaBrokers(),
      logLevel: logLevel.NOTHING,
    }).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    await admin.disconnect();
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    auditor = await startNode(auditorMain, {
      env: {
        TETHER_AUDITOR_PORT: String(port),
        TETHER_AUDITOR_KAFKA_BROKERS: testKafkaBrokers().join(','),
        TETHER_AUDITOR_KAFKA_TOPIC: topic,
        TETHER_AUDITOR_KAFKA_GROUP_ID: `auditor-tracing-${randomBytes(4).toString('hex')}`,
        TETHER_AUDITOR_DATA_DIR: tempDir(),
        TETHER_AUDITOR_BROKER_JWKS_URL: `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/.well-known/jwks.json`,
        TETHER_AUDITOR_BROKER_ISSUER: issuer,
        TETHER_AUDITOR_BATCH_MAX_WAIT_MS: '50',
        TETHER_AUDITOR_OTLP_ENDPOINT: receiver.url,
        KAFKAJS_NO_PARTITIONER_WARNING: '1',
      },
      readyPattern: /auditor listening/,
      timeoutMs: 60_000,
    });
  });

  afterAll(async () => {
    await auditor?.stop();
    await tracing?.shutdown();
    await receiver?.close();
    await new Promise((resolve) => jwks?.close(resolve));
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('continues the producer’s trace when it consumes an audit event', async () => {
    const sink = await createKafkaAuditSink({
      brokers: testKafkaBrokers(),
      clientId: 'auditor-tracing',
      topic,
      spoolDir: tempDir(),
      spoolMaxBytes: 16 * 1024 * 1024,
      logger: pino({ level: 'silent' }),
      deliveryThread: 'main',
    });
    sink.publish(sampleAuditEvent());
    const producer = await eventually('the send', () =>
      tracing.spans().find((span) => span.kind === SpanKind.PRODUCER && span.name === `send ${topic}`),
    );
    await sink.close();
    const { traceId, spanId } = producer.spanContext();
    // Spans leave the auditor in batches (every 5 s by default).
    const consumed: ReceivedSpan = await eventually('the auditor’s consumer span', () =>
      auditorSpans(CONSUMER).find((span) => span.traceId === traceId),
    );
    expect(consumed).toMatchObject({
      name: `process ${topic}`,
      parentSpanId: spanId,
      scope: '@opentelemetry/instrumentation-kafkajs',
    });
  });

  it('traces a search request, and no probe', async () => {
    expect((await fetch(`${baseUrl}/healthz`)).status).toBe(200);
    expect((await fetch(`${baseUrl}/metrics`)).status).toBe(200);
    const token = await minter.mint('carol', ['security-auditors']);
    const res = await fetch(`${baseUrl}/api/audit/events?user=carol`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
    const search = await eventually('the search request’s span', () =>
      auditorSpans(SERVER).find((span) => span.attributes['url.path'] === '/api/audit/events'),
    );
    expect(search).toMatchObject({
      scope: '@opentelemetry/instrumentation-http',
      attributes: expect.objectContaining({ 'http.request.method': 'GET', 'http.response.status_code': 200 }),
    });
    // The probes were answered before the search, so their spans would have left with it or earlier.
    const tracedPaths = auditorSpans(SERVER).map((span) => span.attributes['url.path']);
    expect(tracedPaths).not.toContain('/healthz');
    expect(tracedPaths).not.toContain('/metrics');
  });
});
