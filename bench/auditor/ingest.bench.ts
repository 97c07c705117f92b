/**
 * Auditor ingest against the real Kafka and PostgreSQL (issue 8: ≥ 10,000 events/s; end-to-end lag
 * p99 < 2 s at 2,000 events/s).
 *
 * Phase A pre-produces N events to a fresh topic, then drains it three ways, one after the other, each
 * with its own consumer group: a bare kafkajs consumer that only parses (the raw consume rate); a bare
 * kafkajs consumer writing each fetched batch as plain multi-row INSERTs into the store's own table
 * (AuditStore.migrate in a schema of its own: same indexes); and the built auditor (apps/auditor/dist)
 * with its default settings. Stored counts come from polling count(*).
 * Phase B produces at a steady rate with each event's produce time as its requestReceivedTimestamp,
 * while the auditor and the bare INSERT consumer (both caught up) ingest it; a poller reads new rows by
 * sequence every 50 ms and takes lag = poll start − produce time (rows in the poll's snapshot were
 * committed before it started, so the lag is overstated by at most one poll interval).
 *
 *   npx tsc -b tsconfig.build.json && npx tsx --conditions=source bench/auditor/ingest.bench.ts \
 *     [--events 300000] [--partitions 6] [--rate 2000] [--seconds 60]
 */
import { parseArgs } from 'node:util';
import { testKafkaBrokers } from '@tether/testing';
import { type AuditEvent, AuditStore, tetherAnnotations } from '@tether/audit';
import { PgSqlClient } from '@tether/sql';
import { type Consumer, Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';
import { Client } from 'pg';
import { markdownTable, percentile } from '../kube-path/latency-stats';
import { machineCpuMs, processCpuMs } from '../kube-path/process-cpu';
import {
  benchEvent,
  clusterName,
  machineLoad,
  POSTGRES_URL,
  privateSchema,
  type RunningAuditor,
  sleep,
  startAuditor,
  startJwks,
  thousands,
  uniqueName,
  userName,
  runBench,
} from './support';

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '300000' },
    partitions: { type: 'string', default: '6' },
    rate: { type: 'string', default: '2000' },
    seconds: { type: 'string', default: '60' },
  },
});
const totalEvents = Number(args.events);
const partitions = Number(args.partitions);
const steadyRate = Number(args.rate);
const steadySeconds = Number(args.seconds);
const ingestBar = 10_000;
const lagBarMs = 2_000;

const kafka = new Kafka({
  clientId: 'bench-auditor',
  brokers: testKafkaBrokers(),
  logLevel: logLevel.NOTHING,
});
const topic = uniqueName('tether.audit.bench.');

// ~500 people, a few of them much busier than the rest; ~20 clusters.
function whoOf(i: number): { user: string; cluster: string } {
  const r = ((i * 2654435761) >>> 0) / 2 ** 32;
  return { user: userName(Math.floor(500 * r * r)), cluster: clusterName((i * 7) % 20) };
}

async function produce(producer: Producer, events: AuditEvent[]): Promise<void> {
  await producer.send({
    topic,
    acks: -1,
    messages: events.map((e) => ({
      key: e.annotations[tetherAnnotations.cluster],
      value: JSON.stringify(e),
    })),
  });
}

interface DrainResult {
  name: string;
  /** From the first stored (or consumed) event to the last. */
  wholeRate: number;
  /** Between 10% and 90% of the events, interpolated between samples. */
  steadyRate: number;
  startupMs: number;
  drainMs: number;
  consumerCpuMsPer1k: number;
  machineCores: number;
}

/** Rate over the samples' [from, to] fractions of the total, interpolating the crossing times. */
function rateBetween(samples: Array<[number, number]>, total: number, from: number, to: number): number {
  const crossing = (target: number) => {
    for (let k = 1; k < samples.length; k++) {
      const [t1, n1] = samples[k]!;
      const [t0, n0] = samples[k - 1]!;
      if (n1 >= target) return n1 === n0 ? t1 : t0 + ((target - n0) / (n1 - n0)) * (t1 - t0);
    }
    return NaN;
  };
  const t0 = crossing(from * total);
  const t1 = crossing(to * total);
  return ((to - from) * total) / ((t1 - t0) / 1000);
}

/** Polls `count()` until it reaches `total`; the samples [ms since `origin`, count]. */
async function sampleUntil(
  count: () => Promise<number>,
  total: number,
  origin: number,
): Promise<Array<[number, number]>> {
  const samples: Array<[number, number]> = [];
  const deadline = Date.now() + 20 * 60_000;
  for (;;) {
    const n = await count();
    samples.push([performance.now() - origin, n]);
    if (n >= total) return samples;
    if (Date.now() > deadline) throw new Error(`only ${n} of ${total} events arrived in 20 minutes`);
    await sleep(100);
  }
}

function summarize(
  name: string,
  samples: Array<[number, number]>,
  total: number,
  cpu: { consumerMs: number; machineMs: number },
): DrainResult {
  const first = samples.find(([, n]) => n > 0)!;
  const last = samples[samples.length - 1]!;
  const drainMs = last[0] - first[0];
  return {
    name,
    wholeRate: (total - first[1]) / (drainMs / 1000),
    steadyRate: rateBetween(samples, total, 0.1, 0.9),
    startupMs: first[0],
    drainMs,
    consumerCpuMsPer1k: (cpu.consumerMs / total) * 1000,
    machineCores: cpu.machineMs / last[0],
  };
}

async function tableCount(db: Client, schema: string): Promise<number> {
  const { rows } = await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${schema}.audit_events`);
  return Number(rows[0]!.n);
}

// The plain baseline: the same 16 columns as the store's insert, derived in JavaScript, one multi-row
// INSERT per 1,000 messages of a fetched batch, offsets resolved after the rows are in.
const columns =
  'audit_id, stage, received_at, stage_at, cluster, username, groups, verb, api_group, resource, namespace, name, decision, code, request_uri, event';
function rowOf(e: AuditEvent): unknown[] {
  return [
    e.auditID,
    e.stage,
    e.requestReceivedTimestamp,
    e.stageTimestamp,
    e.annotations[tetherAnnotations.cluster],
    e.user.username,
    e.user.groups ?? [],
    e.verb,
    e.objectRef?.apiGroup ?? null,
    e.objectRef?.resource ?? null,
    e.objectRef?.namespace ?? null,
    e.objectRef?.name ?? null,
    e.annotations[tetherAnnotations.decision],
    e.responseStatus?.code ?? null,
    e.requestURI,
    e,
  ];
}
async function plainInsert(sql: PgSqlClient, events: AuditEvent[]): Promise<void> {
  const params: unknown[] = [];
  const tuples = events.map((e) => {
    const row = rowOf(e);
    const start = params.length;
    params.push(...row);
    return `(${row.map((_, k) => `$${start + k + 1}`).join(',')})`;
  });
  await sql.query(
    `INSERT INTO audit_events (${columns}) VALUES ${tuples.join(',')} ON CONFLICT (audit_id, stage) DO NOTHING`,
    params,
  );
}

async function bareConsumer(
  groupId: string,
  onMessages: (values: AuditEvent[]) => Promise<void>,
): Promise<Consumer> {
  const consumer = kafka.consumer({ groupId });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
      for (let k = 0; k < batch.messages.length; k += 1000) {
        const chunk = batch.messages.slice(k, k + 1000);
        await onMessages(chunk.map((m) => JSON.parse(m.value!.toString()) as AuditEvent));
        resolveOffset(chunk[chunk.length - 1]!.offset);
        await heartbeat();
      }
    },
  });
  return consumer;
}

async function main(): Promise<void> {
  console.log(`machine load (uptime) at start: ${machineLoad()}`);
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }],
    waitForLeaders: true,
  });
  const jwks = await startJwks();
  const baselineSchema = await privateSchema('ingest_plain');
  const auditorSchema = await privateSchema('ingest_auditor');
  const db = new Client({ connectionString: POSTGRES_URL });
  await db.connect();
  const plainSql = new PgSqlClient({ connectionString: POSTGRES_URL, schema: baselineSchema.name });
  await new AuditStore(plainSql).migrate();
  const consumers: Consumer[] = [];
  let stopPolling = () => undefined as unknown;
  let auditor: RunningAuditor | undefined;
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  try {
    await producer.connect();
    const trigram = await db.query(
      `SELECT 1 FROM pg_indexes WHERE schemaname = $1 AND indexname = 'audit_events_uri_trgm'`,
      [baselineSchema.name],
    );
    console.log(`trigram index on request_uri: ${trigram.rowCount ? 'yes' : 'no (pg_trgm not usable)'}`);

    // Phase A: the backlog.
    const produceStart = performance.now();
    const now = Date.now();
    let bytes = 0;
    for (let i = 0; i < totalEvents; i += 2000) {
      const events = Array.from({ length: Math.min(2000, totalEvents - i) }, (_, k) =>
        benchEvent(i + k, whoOf(i + k), new Date(now - (totalEvents - i - k))),
      );
      bytes += events.reduce((sum, e) => sum + JSON.stringify(e).length, 0);
      await produce(producer, events);
    }
    const produceMs = performance.now() - produceStart;
    console.log(
      `produced ${thousands(totalEvents)} events (${(bytes / totalEvents).toFixed(0)} bytes of JSON each) to ${partitions} partitions in ${(produceMs / 1000).toFixed(1)} s`,
    );

    const results: DrainResult[] = [];

    // 1. Raw consume rate.
    {
      let consumed = 0;
      const machineBefore = machineCpuMs();
      const cpuBefore = process.cpuUsage();
      const origin = performance.now();
      const consumer = await bareConsumer(uniqueName('bench-raw-'), async (events) => {
        consumed += events.length;
      });
      const samples = await sampleUntil(async () => consumed, totalEvents, origin);
      const cpu = process.cpuUsage(cpuBefore);
      results.push(
        summarize('bare kafkajs consumer, JSON.parse only (raw consume)', samples, totalEvents, {
          consumerMs: (cpu.user + cpu.system) / 1000,
          machineMs: machineCpuMs() - machineBefore,
        }),
      );
      await consumer.disconnect();
    }

    // 2. Bare consumer + plain multi-row INSERT into the store's table.
    {
      const machineBefore = machineCpuMs();
      const cpuBefore = process.cpuUsage();
      const origin = performance.now();
      const consumer = await bareConsumer(uniqueName('bench-plain-'), (events) =>
        plainInsert(plainSql, events),
      );
      consumers.push(consumer);
      const samples = await sampleUntil(() => tableCount(db, baselineSchema.name), totalEvents, origin);
      const cpu = process.cpuUsage(cpuBefore);
      results.push(
        summarize('bare kafkajs consumer + plain multi-row INSERT (baseline)', samples, totalEvents, {
          consumerMs: (cpu.user + cpu.system) / 1000,
          machineMs: machineCpuMs() - machineBefore,
        }),
      );
    }

    // 3. The built auditor, default settings.
    {
      const machineBefore = machineCpuMs();
      auditor = await startAuditor({
        topic,
        groupId: uniqueName('bench-auditor-'),
        schema: auditorSchema.name,
        jwks,
      });
      const pid = auditor.node.child.pid!;
      const samples = await sampleUntil(
        () => tableCount(db, auditorSchema.name),
        totalEvents,
        auditor.spawnedAt,
      );
      results.push(
        summarize('**auditor** (dist, BATCH_SIZE 1000, BATCH_MAX_WAIT_MS 200)', samples, totalEvents, {
          consumerMs: processCpuMs(pid),
          machineMs: machineCpuMs() - machineBefore,
        }),
      );
      const metrics = await (await fetch(`${auditor.baseUrl}/metrics`)).text();
      const series = (name: string) =>
        Number(new RegExp(`^${name}\\{[^}]*\\} (\\d+)$`, 'm').exec(metrics)?.[1]);
      console.log(
        `auditor /metrics: rows_written ${series('tether_auditor_rows_written_total')}, batches ${series('tether_auditor_ingest_batches_total')}, duplicates ${series('tether_auditor_duplicates_total')}, invalid ${series('tether_auditor_invalid_events_total')}`,
      );
    }

    const baseline = results[1]!;
    console.log(`\nPhase A: ${thousands(totalEvents)} events backlog, machine load now ${machineLoad()}\n`);
    console.log(
      markdownTable(
        [
          'consumer',
          'events/s (10%→90%)',
          'events/s (first→last row)',
          'vs plain INSERT',
          'start → first row',
          'consumer CPU per 1k events',
          'machine cores busy',
          `≥ ${thousands(ingestBar)}/s`,
        ],
        results.map((r, k) => [
          r.name,
          thousands(r.steadyRate),
          thousands(r.wholeRate),
          k === 0 ? '—' : `${((r.steadyRate / baseline.steadyRate) * 100).toFixed(0)}%`,
          `${(r.startupMs / 1000).toFixed(1)} s`,
          `${r.consumerCpuMsPer1k.toFixed(0)} ms`,
          r.machineCores.toFixed(2),
          k === 2 ? (r.steadyRate >= ingestBar ? 'yes' : '**no**') : '—',
        ]),
      ),
    );

    // Phase B: steady rate, lag produce → stored.
    const polled = [
      { name: '**auditor**', schema: auditorSchema.name, lags: [] as number[], seq: 0 },
      {
        name: 'bare kafkajs consumer + plain INSERT',
        schema: baselineSchema.name,
        lags: [] as number[],
        seq: 0,
      },
    ];
    for (const p of polled) {
      const { rows } = await db.query<{ s: string | null }>(
        `SELECT max(seq) AS s FROM ${p.schema}.audit_events`,
      );
      p.seq = Number(rows[0]!.s ?? 0);
    }
    const steadyTotal = steadyRate * steadySeconds;
    let polling = true;
    let stoppedAt = 0;
    stopPolling = () => (aborted = true);
    let aborted = false;
    const pollers = polled.map(async (p) => {
      const c = new Client({ connectionString: POSTGRES_URL });
      await c.connect();
      while (!aborted && (polling || p.lags.length < steadyTotal)) {
        const startedAt = Date.now();
        const { rows } = await c.query<{ seq: string; t: Date }>(
          `SELECT seq, received_at AS t FROM ${p.schema}.audit_events WHERE seq > $1 ORDER BY seq LIMIT 20000`,
          [p.seq],
        );
        for (const row of rows) p.lags.push(startedAt - row.t.getTime());
        if (rows.length > 0) p.seq = Number(rows[rows.length - 1]!.seq);
        if (!polling && Date.now() > stoppedAt + 60_000) break;
        await sleep(Math.max(0, 50 - (Date.now() - startedAt)));
      }
      await c.end();
    });
    const polledAll = Promise.all(pollers);
    polledAll.catch(() => undefined);
    const machineBefore = machineCpuMs();
    const auditorCpuBefore = processCpuMs(auditor.node.child.pid!);
    const start = performance.now();
    let sent = 0;
    while (sent < steadyTotal) {
      const due = Math.min(steadyTotal, Math.floor(((performance.now() - start) / 1000) * steadyRate));
      if (due > sent) {
        const at = new Date();
        const events = Array.from({ length: due - sent }, (_, k) =>
          benchEvent(sent + k, whoOf(sent + k), at),
        );
        await produce(producer, events);
        sent = due;
      }
      await sleep(10);
    }
    const sendSeconds = (performance.now() - start) / 1000;
    stoppedAt = Date.now();
    polling = false;
    await polledAll;
    const machineCores = (machineCpuMs() - machineBefore) / 1000 / sendSeconds;
    const auditorCores = (processCpuMs(auditor.node.child.pid!) - auditorCpuBefore) / 1000 / sendSeconds;
    console.log(
      `\nPhase B: ${thousands(sent)} events at ${thousands(sent / sendSeconds)}/s for ${sendSeconds.toFixed(0)} s; machine cores busy ${machineCores.toFixed(2)} (auditor ${auditorCores.toFixed(2)}); load now ${machineLoad()}\n`,
    );
    console.log(
      markdownTable(
        ['consumer', 'events seen', 'lag p50', 'lag p90', 'lag p99', 'lag max', `p99 < ${lagBarMs / 1000} s`],
        polled.map((p, k) => [
          p.name,
          thousands(p.lags.length),
          `${percentile(p.lags, 50).toFixed(0)} ms`,
          `${percentile(p.lags, 90).toFixed(0)} ms`,
          `${percentile(p.lags, 99).toFixed(0)} ms`,
          `${p.lags.reduce((a, b) => Math.max(a, b), 0).toFixed(0)} ms`,
          k === 0 ? (percentile(p.lags, 99) < lagBarMs ? 'yes' : '**no**') : '—',
        ]),
      ),
    );
    console.log(`\nmachine load (uptime) at end: ${machineLoad()}`);
  } finally {
    stopPolling();
    await sleep(200);
    await auditor?.node.stop();
    for (const consumer of consumers) await consumer.disconnect().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
    await plainSql.close();
    await db.end();
    await baselineSchema.drop();
    await auditorSchema.drop();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
    await jwks.close();
  }
}

runBench(main);
