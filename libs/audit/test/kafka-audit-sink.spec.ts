/**
 * The Kafka audit sink against real Kafka: delivery keyed by cluster in order, with kafkajs in the
 * worker thread and on the main thread, and through delivery workers killed mid-send (the shared test
 * Kafka); on a private Kafka behind a cuttable proxy, Kafka stopped for 30 seconds under steady load
 * and restarted (every event in an AuditStore on PostgreSQL exactly once afterwards), fail-closed and
 * fail-open with a small spool, and a sink restart with undelivered events in the spool.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import {
  AUDIT_SCHEMA_VERSION,
  type AuditEvent,
  AuditStore,
  createKafkaAuditSink,
  FileSpool,
  KafkaAuditSink,
  type KafkaAuditSinkOptions,
  microTimeOf,
  tetherAnnotations,
} from '@tether/audit';
import { PgSqlClient } from '@tether/sql';
import { findRepoRoot } from '@tether/testing';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import pino from 'pino';
import { type BatchSender, deliveryWorkerEntry, KafkaDeliveryThread } from '../src/kafka-delivery-thread';
import { KafkaBehindProxy } from './kafka-behind-proxy';

const POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test';
const logger = pino({ level: process.env.TETHER_TEST_LOG_LEVEL ?? 'silent' });

function sharedKafkaBrokers(): string[] {
  const fromEnv = process.env.TETHER_TEST_KAFKA_BROKERS;
  if (fromEnv) return fromEnv.split(',');
  const state = join(findRepoRoot(__dirname), '.kafka', 'state.json');
  try {
    return [(JSON.parse(readFileSync(state, 'utf8')) as { bootstrap: string }).bootstrap];
  } catch {
    throw new Error('no Kafka: run `npm run kafka:start` or the whole `npm test`');
  }
}

let sequence = 0;
/** An event whose user agent carries a global sequence number, to check order per cluster. */
function event(cluster: string): AuditEvent {
  const now = microTimeOf(new Date());
  return {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'Metadata',
    auditID: randomUUID(),
    stage: 'ResponseComplete',
    requestURI: '/api/v1/namespaces/web/pods',
    verb: 'list',
    user: { username: 'bob@acme.com', groups: ['developers'] },
    userAgent: `load/${++sequence}`,
    objectRef: { resource: 'pods', namespace: 'web', apiVersion: 'v1' },
    responseStatus: { metadata: {}, code: 200 },
    requestReceivedTimestamp: now,
    stageTimestamp: now,
    annotations: {
      [tetherAnnotations.schemaVersion]: AUDIT_SCHEMA_VERSION,
      [tetherAnnotations.cluster]: cluster,
      [tetherAnnotations.decision]: 'allow',
    },
  };
}

interface Consumed {
  partition: number;
  key: string;
  schemaVersion: string;
  event: AuditEvent;
}

async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function createTopic(brokers: string[], partitions: number): Promise<string> {
  const topic = `tether.audit.sink-test.${randomBytes(5).toString('hex')}`;
  const admin = new Kafka({ clientId: 'sink-test', brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
  await admin.disconnect();
  return topic;
}

/** Everything in the topic, read from the beginning up to its high watermarks at call time. */
async function consumeAll(brokers: string[], topic: string): Promise<Consumed[]> {
  const kafka = new Kafka({ clientId: 'sink-test', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const total = (await admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.high), 0);
  await admin.disconnect();
  const consumed: Consumed[] = [];
  const consumer = kafka.consumer({ groupId: `sink-test-${randomBytes(5).toString('hex')}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      consumed.push({
        partition,
        key: message.key?.toString() ?? '',
        schemaVersion: message.headers?.['tether-schema-version']?.toString() ?? '',
        event: JSON.parse(message.value!.toString()) as AuditEvent,
      });
    },
  });
  try {
    await waitFor(`reading ${total} messages of ${topic}`, () => consumed.length >= total);
  } finally {
    await consumer.disconnect();
  }
  return consumed;
}

const seqOf = (e: AuditEvent) => Number(e.userAgent!.split('/')[1]);
const clusterOf = (e: AuditEvent) => e.annotations[tetherAnnotations.cluster]!;

/** Each cluster's events in one partition, in publish order (first occurrences, as redelivery may repeat). */
function expectPerClusterOrder(consumed: Consumed[]): void {
  const byCluster = new Map<string, Consumed[]>();
  for (const message of consumed) {
    const list = byCluster.get(message.key) ?? [];
    list.push(message);
    byCluster.set(message.key, list);
  }
  for (const [cluster, messages] of byCluster) {
    expect(new Set(messages.map((m) => m.partition)).size, `partitions of ${cluster}`).toBe(1);
    const seen = new Set<string>();
    const firsts = messages.filter((m) => !seen.has(m.event.auditID) && seen.add(m.event.auditID));
    const seqs = firsts.map((m) => seqOf(m.event));
    expect(seqs, `order of ${cluster}`).toEqual([...seqs].sort((a, b) => a - b));
  }
}

describe('KafkaAuditSink with real Kafka', () => {
  const dirs: string[] = [];
  const sinks: KafkaAuditSink[] = [];
  const spoolDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'tether-audit-spool-'));
    dirs.push(dir);
    return dir;
  };
  const open = async (options: Partial<KafkaAuditSinkOptions> & Pick<KafkaAuditSinkOptions, 'brokers'>) => {
    const sink = await createKafkaAuditSink({
      clientId: 'sink-test',
      spoolDir: spoolDir(),
      spoolMaxBytes: 256 * 1024 * 1024,
      logger,
      ...options,
    });
    sinks.push(sink);
    return sink;
  };

  afterEach(async () => {
    for (const sink of sinks.splice(0)) await sink.close();
  });

  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it.each(['worker', 'main'] as const)(
    'delivers every event, keyed by its cluster with the schema header, each cluster in order (kafkajs on the %s thread)',
    async (deliveryThread) => {
      const brokers = sharedKafkaBrokers();
      const topic = await createTopic(brokers, 3);
      const sink = await open({ brokers, topic, deliveryThread });
      const clusters = ['dev-east', 'dev-west', 'prod-eu', 'prod-us'];
      const published = Array.from({ length: 3000 }, (_, i) => event(clusters[i % clusters.length]!));
      for (const e of published) sink.publish(e);
      await waitFor('delivery', () => sink.stats().delivered === published.length);
      expect(sink.stats()).toMatchObject({ pendingEvents: 0, pendingBytes: 0, droppedEvents: 0 });

      const consumed = await consumeAll(brokers, topic);
      expect(new Set(consumed.map((m) => m.event.auditID))).toEqual(new Set(published.map((e) => e.auditID)));
      for (const message of consumed) {
        expect(message.key).toBe(clusterOf(message.event));
        expect(message.schemaVersion).toBe(AUDIT_SCHEMA_VERSION);
      }
      expectPerClusterOrder(consumed);
      expect(new Set(consumed.map((m) => m.partition)).size).toBeGreaterThan(1);
    },
  );

  it('replaces a delivery worker killed mid-send: every event arrives, each cluster in order', async () => {
    const brokers = sharedKafkaBrokers();
    const topic = await createTopic(brokers, 3);
    const options: KafkaAuditSinkOptions = {
      brokers,
      topic,
      clientId: 'sink-test',
      spoolDir: spoolDir(),
      spoolMaxBytes: 64 * 1024 * 1024,
      logger,
      batchMaxRecords: 100,
    };
    const workers: Worker[] = [];
    const entry = deliveryWorkerEntry();
    expect(entry).toBeDefined();
    const thread = new KafkaDeliveryThread(
      { producer: { brokers, clientId: 'sink-test', topic, compression: 'gzip' } },
      () => undefined,
      entry!,
      (worker) => workers.push(worker),
    );
    let sends = 0;
    let failedSends = 0;
    const killed: Promise<number>[] = [];
    const sender: BatchSender = {
      send: (records) => {
        const sent = thread.send(records);
        sent.catch(() => (failedSends += 1));
        // The 3rd and 6th sends lose their worker with the batch unanswered: at once (the worker may
        // not have begun), or a few ms on (kafkajs' request on the wire, or its answer on its way back).
        sends += 1;
        if (sends === 3 || sends === 6) {
          const worker = workers.at(-1)!;
          const delayMs = sends === 6 ? 5 : 0;
          killed.push(
            delayMs === 0
              ? worker.terminate()
              : new Promise((resolve) => setTimeout(() => resolve(worker.terminate()), delayMs)),
          );
        }
        return sent;
      },
      reset: () => thread.reset(),
      close: () => thread.close(),
    };
    const spool = await FileSpool.open({ dir: options.spoolDir, maxBytes: options.spoolMaxBytes, logger });
    const sink = new KafkaAuditSink(spool, options, sender);
    sinks.push(sink);
    sink.start();
    const clusters = ['dev-east', 'dev-west', 'prod-eu', 'prod-us'];
    const published = Array.from({ length: 2000 }, (_, i) => event(clusters[i % clusters.length]!));
    for (const [i, e] of published.entries()) {
      sink.publish(e);
      // Spread over several spool batches, so later sends find the replacement worker.
      if (i % 200 === 199) await new Promise((resolve) => setTimeout(resolve, 30));
    }
    await waitFor('delivery', () => sink.stats().delivered === published.length);
    await Promise.all(killed);
    expect(sink.stats()).toMatchObject({ pendingEvents: 0, droppedEvents: 0 });
    // The first worker and one replacement per kill, each started by the send after the failed one;
    // a kill at once always catches its batch unanswered.
    expect(killed).toHaveLength(2);
    expect(workers).toHaveLength(3);
    expect(failedSends).toBeGreaterThanOrEqual(1);

    const consumed = await consumeAll(brokers, topic);
    expect(new Set(consumed.map((m) => m.event.auditID))).toEqual(new Set(published.map((e) => e.auditID)));
    expectPerClusterOrder(consumed);
  });

  describe('on a Kafka reachable only through a proxy that can be cut', () => {
    let kafka: KafkaBehindProxy;

    beforeAll(async () => {
      kafka = await KafkaBehindProxy.start();
    }, 200_000);

    afterAll(async () => {
      await kafka?.stop();
    });

    afterEach(() => kafka.proxy.restore());

    it('keeps every event while Kafka is stopped 30 s under load, replays it in order once Kafka is back: each once in the store', async () => {
      const topic = await createTopic(kafka.brokers, 2);
      const sink = await open({ brokers: kafka.brokers, topic });
      const clusters = ['dev-east', 'dev-west', 'prod-eu'];
      const published: AuditEvent[] = [];
      let refusals = 0;
      // Steady load: 50 events every 50 ms (~1,000/s), each admitted before it is published.
      const load = setInterval(() => {
        for (let i = 0; i < 50; i++) {
          if (!sink.admission().ok) {
            refusals += 1;
            continue;
          }
          const e = event(clusters[published.length % clusters.length]!);
          published.push(e);
          sink.publish(e);
        }
      }, 50);
      try {
        await waitFor('first deliveries', () => sink.stats().delivered > 1000);
        await kafka.stopKafka();
        const atStop = published.length;
        await new Promise((resolve) => setTimeout(resolve, 30_000));
        const duringStop = published.length - atStop;
        // The outage was real: what was published meanwhile waited in the spool.
        expect(sink.stats().pendingEvents).toBeGreaterThanOrEqual(duringStop * 0.9);
        await kafka.restartKafka();
        await waitFor('catching up after the outage', () => sink.stats().delivered > atStop + duringStop);
      } finally {
        clearInterval(load);
      }
      await waitFor('delivery of everything', () => sink.stats().pendingEvents === 0);
      expect(refusals).toBe(0);
      expect(sink.stats()).toMatchObject({ droppedEvents: 0 });

      const consumed = await consumeAll(kafka.brokers, topic);
      expectPerClusterOrder(consumed);
      const schema = `tether_sink_test_${randomBytes(5).toString('hex')}`;
      const admin = new Client({ connectionString: POSTGRES_URL });
      await admin.connect();
      await admin.query(`CREATE SCHEMA ${schema}`);
      const sql = new PgSqlClient({ connectionString: POSTGRES_URL, schema });
      try {
        const store = new AuditStore(sql);
        await store.migrate();
        for (let i = 0; i < consumed.length; i += 1000) {
          await store.insertBatch(consumed.slice(i, i + 1000).map((m) => m.event));
        }
        const rows = await sql.query<{ audit_id: string }>('SELECT audit_id FROM audit_events');
        expect(rows).toHaveLength(published.length);
        expect(new Set(rows.map((row) => row.audit_id))).toEqual(new Set(published.map((e) => e.auditID)));
      } finally {
        await sql.close();
        await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        await admin.end();
      }
    }, 300_000);

    it('fail-closed with a small spool: refuses admission while full, keeps what it took, delivers it all', async () => {
      const topic = await createTopic(kafka.brokers, 1);
      const sink = await open({ brokers: kafka.brokers, topic, spoolMaxBytes: 256 * 1024 });
      kafka.proxy.cutOff();
      const published: AuditEvent[] = [];
      while (sink.admission().ok) {
        const e = event('dev-east');
        published.push(e);
        sink.publish(e);
      }
      await waitFor('Kafka seen unreachable', () => {
        const admission = sink.admission();
        return !admission.ok && admission.message.includes('Kafka unreachable since');
      });
      expect(sink.admission()).toEqual({
        ok: false,
        message: expect.stringMatching(
          /^audit spool full \(\d+ bytes\): Kafka unreachable since .+Z; requests are refused until audit events can be delivered$/,
        ) as unknown,
      });
      // Requests admitted before the line finish and their events still fit.
      for (let i = 0; i < 10; i++) {
        const e = event('dev-east');
        published.push(e);
        sink.publish(e);
      }
      expect(sink.stats()).toMatchObject({ droppedEvents: 0, pendingEvents: published.length });

      kafka.proxy.restore();
      await waitFor('delivery after the outage', () => sink.stats().pendingEvents === 0);
      expect(sink.admission()).toEqual({ ok: true });
      const consumed = await consumeAll(kafka.brokers, topic);
      expect(new Set(consumed.map((m) => m.event.auditID))).toEqual(new Set(published.map((e) => e.auditID)));
      expectPerClusterOrder(consumed);
    });

    it('fail-open with a small spool: always admits, drops and counts what does not fit, delivers the rest', async () => {
      const topic = await createTopic(kafka.brokers, 1);
      const sink = await open({
        brokers: kafka.brokers,
        topic,
        spoolMaxBytes: 256 * 1024,
        fullPolicy: 'fail-open',
      });
      kafka.proxy.cutOff();
      const accepted: AuditEvent[] = [];
      let attempts = 0;
      while (sink.stats().droppedEvents < 100) {
        expect(sink.admission()).toEqual({ ok: true });
        const e = event('dev-west');
        const dropped = sink.stats().droppedEvents;
        sink.publish(e);
        attempts += 1;
        if (sink.stats().droppedEvents === dropped) accepted.push(e);
      }
      expect(accepted.length + sink.stats().droppedEvents).toBe(attempts);

      kafka.proxy.restore();
      await waitFor('delivery after the outage', () => sink.stats().pendingEvents === 0);
      expect(sink.stats().delivered).toBe(accepted.length);
      const consumed = await consumeAll(kafka.brokers, topic);
      expect(new Set(consumed.map((m) => m.event.auditID))).toEqual(new Set(accepted.map((e) => e.auditID)));
    });

    it('after a restart with undelivered events, a new sink on the same spool delivers them first', async () => {
      const topic = await createTopic(kafka.brokers, 1);
      const dir = spoolDir();
      kafka.proxy.cutOff();
      const first = await open({ brokers: kafka.brokers, topic, spoolDir: dir, closeTimeoutMs: 500 });
      const before = Array.from({ length: 1000 }, () => event('prod-eu'));
      for (const e of before) first.publish(e);
      await first.close();
      expect(first.stats()).toMatchObject({ pendingEvents: 1000, delivered: 0 });

      const second = await open({ brokers: kafka.brokers, topic, spoolDir: dir });
      expect(second.stats().pendingEvents).toBe(1000);
      const after = Array.from({ length: 10 }, () => event('prod-eu'));
      for (const e of after) second.publish(e);
      kafka.proxy.restore();
      await waitFor('delivery after the restart', () => second.stats().pendingEvents === 0);

      const consumed = await consumeAll(kafka.brokers, topic);
      const all = [...before, ...after];
      expect(new Set(consumed.map((m) => m.event.auditID))).toEqual(new Set(all.map((e) => e.auditID)));
      // The earlier run's events first: one cluster, so the whole topic is in publish order.
      expectPerClusterOrder(consumed);
    });
  });
});
