/**
 * The broker replica registry on the databases it runs on (real PostgreSQL in a private schema, where
 * replicas share it, and the embedded PGlite of a single replica): who is live, joins and departures
 * reported once, expiry of a replica that stopped renewing, and a database outage keeping the last set.
 */
import { randomBytes } from 'node:crypto';
import { PgliteSqlClient, PgSqlClient, type SqlClient } from '@tether/sql';
import { Client } from 'pg';
import pino from 'pino';
import { type BrokerReplica, BrokerReplicaStore } from '../src/peers/broker-replica-store';
import { ReplicaRegistry } from '../src/peers/replica-registry';

const POSTGRES_URL = process.env.TETHER_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const logger = pino({ level: 'silent' });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function admin(sql: string): Promise<void> {
  const client = new Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

const replica = (n: number): BrokerReplica => ({
  id: `replica-${n}-${randomBytes(3).toString('hex')}`,
  url: `https://10.0.0.${n}:8443`,
  instance: `broker-${n}`,
});

function registryOn(db: SqlClient, self: BrokerReplica, changes: string[][], heartbeatMs = 200) {
  return new ReplicaRegistry({
    store: new BrokerReplicaStore(db),
    self,
    heartbeatMs,
    onChange: (replicas) => changes.push(replicas.map((r) => r.url).sort()),
    logger,
  });
}

describe('replica registry on PostgreSQL, shared by replicas', () => {
  const schema = `tether_peers_${randomBytes(6).toString('hex')}`;
  const clients: PgSqlClient[] = [];
  const registries: ReplicaRegistry[] = [];
  const connect = async () => {
    const client = new PgSqlClient({ connectionString: POSTGRES_URL, schema });
    clients.push(client);
    await new BrokerReplicaStore(client).migrate();
    return client;
  };

  beforeAll(() => admin(`CREATE SCHEMA ${schema}`));
  afterEach(async () => {
    for (const registry of registries.splice(0)) await registry.stop();
    await admin(`DELETE FROM ${schema}.broker_replicas`);
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await admin(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  });

  it('migrates safely when replicas start together', async () => {
    const [a, b, c] = await Promise.all([connect(), connect(), connect()]);
    await Promise.all([a, b, c].map((client) => new BrokerReplicaStore(client).migrate()));
    expect(await new BrokerReplicaStore(a).live(10_000)).toEqual([]);
  });

  it('sees every live replica, reports a join and a graceful departure', async () => {
    const [first, second] = [replica(1), replica(2)];
    const firstChanges: string[][] = [];
    const a = registryOn(await connect(), first, firstChanges);
    registries.push(a);
    await a.start();
    expect(a.current().map((r) => r.url)).toEqual([first.url]);

    const b = registryOn(await connect(), second, []);
    registries.push(b);
    await b.start();
    expect(b.current().map((r) => r.url)).toEqual([first.url, second.url]);
    await a.tick();
    expect(a.current().map((r) => r.url)).toEqual([first.url, second.url]);

    await b.stop(); // leaves at once, without waiting to expire
    registries.splice(registries.indexOf(b), 1);
    await a.tick();
    expect(a.current().map((r) => r.url)).toEqual([first.url]);
    expect(firstChanges).toEqual([[first.url, second.url], [first.url]]);
  });

  it('tells each replica which clusters have agents on the others, never counting its own', async () => {
    const [first, second] = [replica(1), replica(2)];
    let firstHas: string[] = ['dev-east', 'dev-west'];
    const a = new ReplicaRegistry({
      store: new BrokerReplicaStore(await connect()),
      self: first,
      heartbeatMs: 200,
      connectedClusters: () => firstHas,
      onChange: () => {},
      logger,
    });
    const b = new ReplicaRegistry({
      store: new BrokerReplicaStore(await connect()),
      self: second,
      heartbeatMs: 200,
      connectedClusters: () => ['dev-north'],
      onChange: () => {},
      logger,
    });
    registries.push(a, b);
    await a.start();
    await b.start();
    expect([...b.clustersElsewhere()].sort()).toEqual(['dev-east', 'dev-west']);
    await a.tick();
    expect([...a.clustersElsewhere()]).toEqual(['dev-north']);

    firstHas = ['dev-west'];
    await a.tick();
    await b.tick();
    expect([...b.clustersElsewhere()]).toEqual(['dev-west']);
  });

  it('drops a replica that stopped renewing (killed) after three heartbeats, and not before', async () => {
    const [first, killed] = [replica(1), replica(2)];
    const store = new BrokerReplicaStore(await connect());
    await store.heartbeat(killed); // its last heartbeat; then nothing
    const a = registryOn(await connect(), first, [], 1_000);
    registries.push(a);
    await a.start();
    expect(a.current().map((r) => r.id)).toContain(killed.id);
    await sleep(3_500);
    await a.tick();
    expect(a.current().map((r) => r.id)).toEqual([first.id]);
    // Expired rows are deleted, not only hidden.
    expect((await store.live(3_600_000)).map((r) => r.id)).toEqual([first.id]);
  });

  it('keeps the replicas it knows when the database is unreachable, and itself always', async () => {
    const [first, second] = [replica(1), replica(2)];
    const b = registryOn(await connect(), second, []);
    registries.push(b);
    await b.start();
    const broken = new PgSqlClient({ connectionString: POSTGRES_URL, schema });
    await new BrokerReplicaStore(broken).migrate();
    const changes: string[][] = [];
    const a = new ReplicaRegistry({
      store: new BrokerReplicaStore(broken),
      self: first,
      heartbeatMs: 200,
      onChange: (replicas) => changes.push(replicas.map((r) => r.url).sort()),
      logger,
    });
    await a.start();
    expect(
      a
        .current()
        .map((r) => r.url)
        .sort(),
    ).toEqual([first.url, second.url].sort());
    await broken.close(); // every query fails from now on
    await a.tick();
    expect(
      a
        .current()
        .map((r) => r.url)
        .sort(),
    ).toEqual([first.url, second.url].sort());
    expect(changes).toHaveLength(1);
    await a.stop(); // cannot remove its row: it expires instead, and stop() does not throw
  });
});

describe('replica registry on the embedded PGlite (one replica)', () => {
  it('lists the one replica', async () => {
    const db = await PgliteSqlClient.open(undefined);
    try {
      await new BrokerReplicaStore(db).migrate();
      const self = replica(1);
      const registry = registryOn(db, self, []);
      await registry.start();
      expect(registry.current()).toEqual([self]);
      await registry.stop();
      expect(await new BrokerReplicaStore(db).live(10_000)).toEqual([]);
    } finally {
      await db.close();
    }
  });
});
