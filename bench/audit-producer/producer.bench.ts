/**
 * Audit events per second from one process to the real Kafka: through KafkaAuditSink (schema check,
 * file spool with group fsync, delivery loop) against a bare kafkajs producer sending the same keys
 * and bytes with the same settings (idempotent, acks all, one request in flight, same compression and
 * batch size), in interleaved rounds of the same run. Bar (issue 8): ≥ 20,000 events/s for the sink.
 *   npx tsx --conditions=source bench/audit-producer/producer.bench.ts [events per round, default 200000] [rounds, default 3] [gzip|none, default gzip]
 * Kafka: TETHER_TEST_KAFKA_BROKERS, else .kafka/state.json (`npm run kafka:start`).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  AUDIT_SCHEMA_VERSION,
  AUDIT_TOPIC,
  type AuditEvent,
  createKafkaAuditSink,
  microTimeOf,
  tetherAnnotations,
} from '@tether/audit';
import { CompressionTypes, Kafka, logLevel, Partitioners } from 'kafkajs';
import pino from 'pino';

const events = Number(process.argv[2] ?? 200_000);
const rounds = Number(process.argv[3] ?? 3);
const compression = (process.argv[4] ?? 'gzip') as 'gzip' | 'none';
const BATCH_MAX_RECORDS = 5_000;
const BATCH_MAX_BYTES = 900 * 1024;
const PARTITIONS = 6;

function brokers(): string[] {
  if (process.env.TETHER_TEST_KAFKA_BROKERS) return process.env.TETHER_TEST_KAFKA_BROKERS.split(',');
  const state = join(__dirname, '..', '..', '.kafka', 'state.json');
  return [(JSON.parse(readFileSync(state, 'utf8')) as { bootstrap: string }).bootstrap];
}

/** What the broker emits for a kube request: user, groups, impersonation, object, Tether annotations. */
function brokerLikeEvent(i: number): AuditEvent {
  const now = microTimeOf(new Date());
  const cluster = ['dev-east', 'dev-west', 'prod-eu', 'prod-us'][i % 4]!;
  return {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'Metadata',
    auditID: randomUUID(),
    stage: 'ResponseComplete',
    requestURI: `/api/v1/namespaces/team-${i % 20}/pods?limit=500`,
    verb: 'list',
    user: { username: 'bob@acme.com', groups: ['developers', 'oncall', 'system:authenticated'] },
    impersonatedUser: {
      username: 'bob@acme.com',
      groups: ['oidc:developers', 'oidc:oncall'],
      extra: { 'tether.dev/request-id': [randomUUID()] },
    },
    sourceIPs: ['10.20.30.40'],
    userAgent: 'kubectl/v1.34.1 (linux/amd64) kubernetes/abcdef0',
    objectRef: { resource: 'pods', namespace: `team-${i % 20}`, apiVersion: 'v1' },
    responseStatus: { metadata: {}, code: 200 },
    requestReceivedTimestamp: now,
    stageTimestamp: now,
    annotations: {
      [tetherAnnotations.schemaVersion]: AUDIT_SCHEMA_VERSION,
      [tetherAnnotations.topic]: AUDIT_TOPIC,
      [tetherAnnotations.cluster]: cluster,
      [tetherAnnotations.decision]: 'allow',
      [tetherAnnotations.rule]: 'developers-read',
      [tetherAnnotations.brokerInstance]: 'broker-0',
      [tetherAnnotations.traceId]: randomBytes(16).toString('hex'),
      [tetherAnnotations.bytesFromClient]: '0',
      [tetherAnnotations.bytesToClient]: '48213',
      [tetherAnnotations.durationMs]: '12',
    },
  };
}

async function newTopic(kafka: Kafka): Promise<string> {
  const topic = `tether.audit.bench.${randomBytes(5).toString('hex')}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true });
  await admin.disconnect();
  return topic;
}

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

interface SinkRun {
  eventsPerSecond: number;
  publishMicros: number;
}

async function sinkRound(kafka: Kafka, input: AuditEvent[]): Promise<SinkRun> {
  const topic = await newTopic(kafka);
  const spoolDir = mkdtempSync(join(tmpdir(), 'tether-bench-spool-'));
  const sink = await createKafkaAuditSink({
    brokers: brokers(),
    clientId: 'bench-sink',
    topic,
    spoolDir,
    spoolMaxBytes: 1024 * 1024 * 1024,
    logger: pino({ level: 'warn' }),
    compression,
    batchMaxRecords: BATCH_MAX_RECORDS,
    batchMaxBytes: BATCH_MAX_BYTES,
  });
  // Warm the producer connection and the topic's metadata, as a running broker has them.
  sink.publish(brokerLikeEvent(0));
  while (sink.stats().delivered < 1) await new Promise((resolve) => setTimeout(resolve, 10));

  const start = performance.now();
  let publishing = 0;
  for (let i = 0; i < input.length; i += 1000) {
    const t = performance.now();
    for (let j = i; j < Math.min(i + 1000, input.length); j++) sink.publish(input[j]!);
    publishing += performance.now() - t;
    await yieldToLoop();
  }
  while (sink.stats().delivered < input.length + 1) await new Promise((resolve) => setTimeout(resolve, 5));
  const seconds = (performance.now() - start) / 1000;
  await sink.close();
  rmSync(spoolDir, { recursive: true, force: true });
  return { eventsPerSecond: input.length / seconds, publishMicros: (publishing * 1000) / input.length };
}

async function bareRound(kafka: Kafka, keys: string[], values: Buffer[]): Promise<number> {
  const topic = await newTopic(kafka);
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  const send = (from: number, to: number) =>
    producer.send({
      topic,
      acks: -1,
      compression: compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None,
      messages: values.slice(from, to).map((value, i) => ({
        key: keys[from + i]!,
        value,
        headers: { 'tether-schema-version': AUDIT_SCHEMA_VERSION },
      })),
    });
  await send(0, 1);
  const start = performance.now();
  // The sink's batches: as many records as fit in BATCH_MAX_BYTES of spool frames, at most 5,000.
  let from = 0;
  while (from < values.length) {
    let to = from;
    let bytes = 0;
    while (to < values.length && to - from < BATCH_MAX_RECORDS) {
      const frame = 8 + 2 + Buffer.byteLength(keys[to]!) + values[to]!.length;
      if (to > from && bytes + frame > BATCH_MAX_BYTES) break;
      bytes += frame;
      to += 1;
    }
    await send(from, to);
    from = to;
  }
  const seconds = (performance.now() - start) / 1000;
  await producer.disconnect();
  return values.length / seconds;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

async function main(): Promise<void> {
  const kafka = new Kafka({ clientId: 'bench', brokers: brokers(), logLevel: logLevel.NOTHING });
  const input = Array.from({ length: events }, (_, i) => brokerLikeEvent(i));
  const keys = input.map((e) => e.annotations[tetherAnnotations.cluster]!);
  const values = input.map((e) => Buffer.from(JSON.stringify(e)));
  const meanBytes = values.reduce((sum, v) => sum + v.length, 0) / values.length;
  console.log(
    `${fmt(events)} events per round (mean ${Math.round(meanBytes)} B JSON), ${rounds} rounds, compression ${compression}, ${PARTITIONS} partitions`,
  );

  const sink: SinkRun[] = [];
  const bare: number[] = [];
  for (let round = 1; round <= rounds; round++) {
    bare.push(await bareRound(kafka, keys, values));
    sink.push(await sinkRound(kafka, input));
    console.log(
      `round ${round}: bare ${fmt(bare[round - 1]!)} events/s, sink ${fmt(sink[round - 1]!.eventsPerSecond)} events/s`,
    );
  }
  const sinkRate = median(sink.map((s) => s.eventsPerSecond));
  const bareRate = median(bare);
  console.log('');
  console.log('| producer (median of rounds)                         | events/s | vs bare |');
  console.log('| --------------------------------------------------- | -------- | ------- |');
  console.log(
    `| bare kafkajs producer, same bytes and settings      | ${fmt(bareRate).padStart(8)} | 1.00    |`,
  );
  console.log(
    `| KafkaAuditSink (validate, spool + fsync, deliver)   | ${fmt(sinkRate).padStart(8)} | ${(sinkRate / bareRate).toFixed(2).padEnd(7)} |`,
  );
  console.log('');
  console.log(
    `publish() on the caller's path: ${median(sink.map((s) => s.publishMicros)).toFixed(1)} µs per event (median)`,
  );
  console.log(`bar: ≥ 20,000 events/s for the sink — ${sinkRate >= 20_000 ? 'met' : 'NOT met'}`);
}

void main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
