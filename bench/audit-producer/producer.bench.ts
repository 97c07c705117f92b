/**
 * Audit events per second, sustained, from one process to the real Kafka: through KafkaAuditSink
 * (schema check, file spool with group fsync, delivery loop), with kafkajs in the sink's worker thread
 * and on the main thread, against a bare kafkajs producer sending the same keys and bytes with the
 * same settings (idempotent, acks all, one request in flight, same compression and batch size), in
 * interleaved rounds of the same run. The events are the broker's own (kubeAuditEvent) in a mix of
 * kubectl traffic. The sink is fed 100 events at a time between turns of the event loop, and waits
 * while more than 20,000 are undelivered, so publishing and delivery overlap for the whole round.
 * Also per event: CPU of the main thread (the event loop that serves the broker's requests) and of
 * the whole process. Bar (issue 8): ≥ 20,000 events/s for the sink.
 *   npx tsx --conditions=source bench/audit-producer/producer.bench.ts [events per round, default 300000] [rounds, default 3] [gzip|none, default gzip]
 * Kafka: TETHER_TEST_KAFKA_BROKERS, else .kafka/state.json (`npm run kafka:start`).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  AUDIT_SCHEMA_VERSION,
  type AuditEvent,
  createKafkaAuditSink,
  tetherAnnotations,
} from '@tether/audit';
import { CompressionTypes, Kafka, logLevel, Partitioners } from 'kafkajs';
import pino from 'pino';
import { brokerAuditEvent } from './broker-events';
import { testKafkaBrokers } from '@tether/testing';

const events = Number(process.argv[2] ?? 300_000);
const rounds = Number(process.argv[3] ?? 3);
const compression = (process.argv[4] ?? 'gzip') as 'gzip' | 'none';
const BATCH_MAX_RECORDS = 5_000;
const BATCH_MAX_BYTES = 900 * 1024;
const PARTITIONS = 6;
const POOL = 20_000;
// The broker publishes one event per request between its other work, not thousands in one go.
const PUBLISH_CHUNK = 100;
const MAX_BACKLOG = 20_000;

async function newTopic(kafka: Kafka): Promise<string> {
  const topic = `tether.audit.bench.${randomBytes(5).toString('hex')}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true });
  await admin.disconnect();
  return topic;
}

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** CPU time of the calling thread (Linux schedstat, ns resolution), in ms; NaN elsewhere. */
function threadCpuMs(): number {
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1e6;
  } catch {
    return Number.NaN;
  }
}

interface Round {
  eventsPerSecond: number;
  /** CPU of the main thread (the broker's event loop) per event, µs. */
  mainThreadMicros: number;
  /** CPU of the whole process (all threads, libuv's pool included) per event, µs. */
  processMicros: number;
  /** Time inside publish() per event, µs (sink rounds). */
  publishMicros?: number;
}

/** Starts measuring; the function it returns ends the round for `count` events. */
function meter(): (count: number) => Omit<Round, 'publishMicros'> {
  const start = performance.now();
  const thread = threadCpuMs();
  const cpu = process.cpuUsage();
  return (count) => {
    const seconds = (performance.now() - start) / 1000;
    const used = process.cpuUsage(cpu);
    return {
      eventsPerSecond: count / seconds,
      mainThreadMicros: ((threadCpuMs() - thread) * 1000) / count,
      processMicros: (used.user + used.system) / count,
    };
  };
}

async function sinkRound(
  kafka: Kafka,
  input: AuditEvent[],
  deliveryThread: 'worker' | 'main',
): Promise<Round> {
  const topic = await newTopic(kafka);
  const spoolDir = mkdtempSync(join(tmpdir(), 'tether-bench-spool-'));
  const sink = await createKafkaAuditSink({
    brokers: testKafkaBrokers(),
    clientId: 'bench-sink',
    topic,
    spoolDir,
    spoolMaxBytes: 1024 * 1024 * 1024,
    logger: pino({ level: 'warn' }),
    compression,
    batchMaxRecords: BATCH_MAX_RECORDS,
    batchMaxBytes: BATCH_MAX_BYTES,
    deliveryThread,
  });
  // Warm the producer connection and the topic's metadata, as a running broker has them.
  sink.publish(brokerAuditEvent(0));
  while (sink.stats().delivered < 1) await new Promise((resolve) => setTimeout(resolve, 10));

  const done = meter();
  let publishing = 0;
  for (let i = 0; i < events; i += PUBLISH_CHUNK) {
    // Sustained, not a burst then a drain: publishing waits while the backlog is past its bound.
    while (sink.stats().pendingEvents > MAX_BACKLOG) await new Promise((resolve) => setTimeout(resolve, 1));
    const t = performance.now();
    for (let j = i; j < Math.min(i + PUBLISH_CHUNK, events); j++) sink.publish(input[j % input.length]!);
    publishing += performance.now() - t;
    await yieldToLoop();
  }
  while (sink.stats().delivered < events + 1) await new Promise((resolve) => setTimeout(resolve, 5));
  const round = done(events);
  await sink.close();
  rmSync(spoolDir, { recursive: true, force: true });
  return { ...round, publishMicros: (publishing * 1000) / events };
}

async function bareRound(kafka: Kafka, keys: string[], values: Buffer[]): Promise<Round> {
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
      messages: Array.from({ length: to - from }, (_, i) => ({
        key: keys[(from + i) % keys.length]!,
        value: values[(from + i) % values.length]!,
        headers: { 'tether-schema-version': AUDIT_SCHEMA_VERSION },
      })),
    });
  await send(0, 1);
  const done = meter();
  // The sink's batches: as many records as fit in BATCH_MAX_BYTES of spool frames, at most 5,000.
  let from = 0;
  while (from < events) {
    let to = from;
    let bytes = 0;
    while (to < events && to - from < BATCH_MAX_RECORDS) {
      const frame = 8 + 2 + Buffer.byteLength(keys[to % keys.length]!) + values[to % values.length]!.length;
      if (to > from && bytes + frame > BATCH_MAX_BYTES) break;
      bytes += frame;
      to += 1;
    }
    await send(from, to);
    from = to;
  }
  const round = done(events);
  await producer.disconnect();
  return round;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

async function main(): Promise<void> {
  const kafka = new Kafka({ clientId: 'bench', brokers: testKafkaBrokers(), logLevel: logLevel.NOTHING });
  // A pool of distinct events, published round and round: a broker does not hold a round's worth of
  // events in its heap, and a heap that did would make every major GC (and so every variant) slower.
  const input = Array.from({ length: Math.min(events, POOL) }, (_, i) => brokerAuditEvent(i));
  const keys = input.map((e) => e.annotations[tetherAnnotations.cluster]!);
  const values = input.map((e) => Buffer.from(JSON.stringify(e)));
  const meanBytes = values.reduce((sum, v) => sum + v.length, 0) / values.length;
  console.log(
    `${fmt(events)} events per round (mean ${Math.round(meanBytes)} B JSON), ${rounds} rounds, compression ${compression}, ${PARTITIONS} partitions`,
  );

  const variants: [string, () => Promise<Round>][] = [
    ['bare kafkajs producer, same bytes and settings', () => bareRound(kafka, keys, values)],
    ['KafkaAuditSink, kafkajs in a worker thread (default)', () => sinkRound(kafka, input, 'worker')],
    ['KafkaAuditSink, kafkajs on the main thread', () => sinkRound(kafka, input, 'main')],
  ];
  const results = variants.map((): Round[] => []);
  for (let round = 0; round < rounds; round++) {
    // Each round starts with another variant, so none always runs on a Kafka just warmed by another.
    const line: string[] = [];
    for (let k = 0; k < variants.length; k++) {
      const v = (round + k) % variants.length;
      const result = await variants[v]![1]();
      results[v]!.push(result);
      line.push(`${variants[v]![0].split(',')[0]} ${fmt(result.eventsPerSecond)}`);
    }
    console.log(`round ${round + 1}: ${line.join('; ')} events/s`);
  }
  const rate = (v: number) => median(results[v]!.map((r) => r.eventsPerSecond));
  const micros = (v: number, field: 'mainThreadMicros' | 'processMicros') =>
    median(results[v]!.map((r) => r[field])).toFixed(1);
  console.log('');
  console.log(
    `| ${'producer (median of rounds)'.padEnd(54)} | events/s | vs bare | main thread µs/event | process CPU µs/event |`,
  );
  console.log(`| ${'-'.repeat(54)} | -------: | ------: | -------------------: | -------------------: |`);
  variants.forEach(([name], v) =>
    console.log(
      `| ${name.padEnd(54)} | ${fmt(rate(v)).padStart(8)} | ${(rate(v) / rate(0)).toFixed(2).padStart(7)} | ${micros(v, 'mainThreadMicros').padStart(20)} | ${micros(v, 'processMicros').padStart(20)} |`,
    ),
  );
  console.log('');
  console.log(
    `publish() on the caller's path: ${median(results[1]!.map((r) => r.publishMicros!)).toFixed(1)} µs per event (median, worker rounds)`,
  );
  console.log(`bar: ≥ 20,000 events/s for the sink — ${rate(1) >= 20_000 ? 'met' : 'NOT met'}`);
}

void main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
