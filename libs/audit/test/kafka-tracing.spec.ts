/**
 * Kafka instrumentation on the audit path, against the shared test Kafka: the sink's producer span
 * (kafkajs on the main thread, and in the delivery worker exporting over OTLP for itself) and a
 * consumer's span continuing its trace from the message headers.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpanKind } from '@opentelemetry/api';
import {
  type AuditEvent,
  createKafkaAuditSink,
  type KafkaAuditSink,
  type KafkaAuditSinkOptions,
} from '@tether/audit';
import { installInMemoryTracing, type InMemoryTracing } from '@tether/telemetry';
import { OtlpReceiver, testKafkaBrokers, sampleAuditEvent } from '@tether/testing';
import { Kafka, logLevel } from 'kafkajs';
import pino from 'pino';

const logger = pino({ level: 'silent' });

async function waitFor(what: string, check: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('Kafka instrumentation of the audit path', () => {
  const brokers = testKafkaBrokers();
  const kafka = new Kafka({ clientId: 'tracing-test', brokers, logLevel: logLevel.NOTHING });
  let tracing: InMemoryTracing;
  let receiver: OtlpReceiver;
  let topic: string;
  const dirs: string[] = [];
  /** auditID → the traceparent header its message arrived with ('' for none). */
  const consumed = new Map<string, string>();
  let consumer: ReturnType<Kafka['consumer']>;

  const openSink = (options: Partial<KafkaAuditSinkOptions>): Promise<KafkaAuditSink> => {
    const spoolDir = mkdtempSync(join(tmpdir(), 'tether-audit-tracing-'));
    dirs.push(spoolDir);
    return createKafkaAuditSink({
      brokers,
      clientId: 'tracing-test',
      topic,
      spoolDir,
      spoolMaxBytes: 16 * 1024 * 1024,
      logger,
      ...options,
    });
  };

  const deliver = async (sink: KafkaAuditSink): Promise<AuditEvent> => {
    const published = sampleAuditEvent('dev-east');
    sink.publish(published);
    await waitFor('the consumer to read the event', () => consumed.has(published.auditID));
    await sink.close();
    return published;
  };

  beforeAll(async () => {
    receiver = await OtlpReceiver.start();
    // Before the consumer is made: its spans are what shows a trace carried through Kafka.
    tracing = installInMemoryTracing('test-consumer', { instrument: true });
    topic = `tether.audit.tracing-test.${randomBytes(5).toString('hex')}`;
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    await admin.disconnect();
    consumer = kafka.consumer({ groupId: `tracing-test-${randomBytes(5).toString('hex')}` });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const { auditID } = JSON.parse(message.value!.toString()) as AuditEvent;
        consumed.set(auditID, message.headers?.traceparent?.toString() ?? '');
      },
    });
  });

  afterAll(async () => {
    await consumer?.disconnect();
    await tracing?.shutdown();
    await receiver?.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(() => tracing.reset());

  it('gives a send on the main thread a PRODUCER span, and the consumer a span in its trace', async () => {
    const published = await deliver(await openSink({ deliveryThread: 'main' }));
    const producerSpan = tracing
      .spans()
      .find((span) => span.kind === SpanKind.PRODUCER && span.name === `send ${topic}`);
    expect(producerSpan?.instrumentationScope.name).toBe('@opentelemetry/instrumentation-kafkajs');
    expect(producerSpan?.attributes).toMatchObject({
      'messaging.system': 'kafka',
      'messaging.destination.name': topic,
      'messaging.kafka.message.key': 'dev-east',
    });
    const { traceId, spanId } = producerSpan!.spanContext();
    expect(consumed.get(published.auditID)).toBe(`00-${traceId}-${spanId}-01`);
    const consumerSpan = tracing.spans().find((span) => span.kind === SpanKind.CONSUMER);
    expect(consumerSpan?.name).toBe(`process ${topic}`);
    expect(consumerSpan?.spanContext().traceId).toBe(traceId);
    expect(consumerSpan?.parentSpanContext?.spanId).toBe(spanId);
  });

  it('traces the delivery worker’s send in the worker, exported over OTLP, continued by the consumer', async () => {
    const sink = await openSink({
      workerTracing: { service: 'tether-broker', otlpTracesUrl: `${receiver.url}/v1/traces` },
    });
    const published = await deliver(sink); // close() flushes the worker's spans before it ends
    const producerSpan = receiver.spans.find((span) => span.name === `send ${topic}`);
    expect(producerSpan).toMatchObject({
      kind: 4, // OTLP's PRODUCER
      service: 'tether-broker',
      scope: '@opentelemetry/instrumentation-kafkajs',
    });
    expect(consumed.get(published.auditID)).toBe(`00-${producerSpan!.traceId}-${producerSpan!.spanId}-01`);
    const consumerSpan = tracing.spans().find((span) => span.kind === SpanKind.CONSUMER);
    expect(consumerSpan?.spanContext().traceId).toBe(producerSpan!.traceId);
  });

  it('leaves the worker untraced when the process does not export, whatever the main thread does', async () => {
    const published = await deliver(await openSink({}));
    expect(consumed.get(published.auditID)).toBe('');
    expect(tracing.spans().filter((span) => span.kind === SpanKind.PRODUCER)).toEqual([]);
  });
});
