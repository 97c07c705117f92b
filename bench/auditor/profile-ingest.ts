/**
 * Where the built auditor spends its CPU while draining a backlog: pre-produces N events, starts the
 * auditor, samples it through its inspector (SIGUSR1) from its first stored row to its last, and prints
 * self and inclusive time by function and package. The .cpuprofile is written to /tmp.
 *   npx tsc -b tsconfig.build.json && npx tsx --conditions=source bench/auditor/profile-ingest.ts [events, default 100000]
 */
import { writeFileSync } from 'node:fs';
import { testKafkaBrokers } from '@tether/testing';
import { tetherAnnotations } from '@tether/audit';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { Client } from 'pg';
import { startProfiling } from '../kube-path/inspector-profiler';
import { summarizeProfile } from '../kube-path/profile-summary';
import {
  benchEvent,
  clusterName,
  POSTGRES_URL,
  privateSchema,
  sleep,
  startAuditor,
  startJwks,
  uniqueName,
  userName,
  waitFor,
  runBench,
} from './support';

const total = Number(process.argv[2] ?? 100_000);

async function main(): Promise<void> {
  const kafka = new Kafka({
    clientId: 'bench-profile',
    brokers: testKafkaBrokers(),
    logLevel: logLevel.NOTHING,
  });
  const topic = uniqueName('tether.audit.profile.');
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 6 }], waitForLeaders: true });
  const schema = await privateSchema('profile');
  const jwks = await startJwks();
  const db = new Client({ connectionString: POSTGRES_URL });
  await db.connect();
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const now = Date.now();
  for (let i = 0; i < total; i += 2000) {
    await producer.send({
      topic,
      messages: Array.from({ length: Math.min(2000, total - i) }, (_, k) => {
        const e = benchEvent(
          i + k,
          { user: userName((i + k) % 500), cluster: clusterName((i + k) % 20) },
          new Date(now),
        );
        return { key: e.annotations[tetherAnnotations.cluster], value: JSON.stringify(e) };
      }),
    });
  }
  await producer.disconnect();
  const auditor = await startAuditor({
    topic,
    groupId: uniqueName('bench-profile-'),
    schema: schema.name,
    jwks,
  });
  const count = async () =>
    Number(
      (await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${schema.name}.audit_events`)).rows[0]!.n,
    );
  try {
    await waitFor('first row', async () => ((await count()) > 0 ? true : undefined), 120_000, 50);
    const profiling = await startProfiling(auditor.node.child.pid!);
    const from = await count();
    await waitFor('all rows', async () => ((await count()) >= total ? true : undefined), 20 * 60_000, 200);
    const profile = await profiling.stop();
    const file = `/tmp/auditor-ingest-${process.pid}.cpuprofile`;
    writeFileSync(file, JSON.stringify(profile));
    console.log(summarizeProfile(profile, total - from, 25).replaceAll('request', 'event'));
    console.log(`\nprofile: ${file}`);
  } finally {
    await auditor.node.stop();
    await sleep(100);
    await db.end();
    await schema.drop();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
    await jwks.close();
  }
}

runBench(main);
