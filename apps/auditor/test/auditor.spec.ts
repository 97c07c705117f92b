/**
 * The built auditor against the real Kafka and PostgreSQL: ingest exactly once (also across a SIGKILL
 * mid-batch), invalid events skipped, and the search and tail API with its reader rule.
 */
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { AUDIT_SCHEMA_VERSION, type AuditEvent, microTimeOf, tetherAnnotations } from '@tether/audit';
import {
  findRepoRoot,
  freePort,
  SessionTokenMinter,
  type StartedNode,
  startNode,
  testKafkaBrokers,
} from '@tether/testing';
import { Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';
import { Client } from 'pg';

const repoRoot = findRepoRoot(__dirname);
const auditorMain = join(repoRoot, 'apps', 'auditor', 'dist', 'main.js');
const POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test';
const issuer = 'https://broker.test';

function event(user: string, cluster: string, minute = 0): AuditEvent {
  const when = microTimeOf(new Date(Date.now() - 60_000 + minute * 1000));
  return {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'Metadata',
    auditID: randomUUID(),
    stage: 'ResponseComplete',
    requestURI: '/api/v1/namespaces/web/pods',
    verb: 'list',
    user: { username: user, groups: ['developers'] },
    objectRef: { resource: 'pods', namespace: 'web', apiVersion: 'v1' },
    responseStatus: { metadata: {}, code: 200 },
    requestReceivedTimestamp: when,
    stageTimestamp: when,
    annotations: {
      [tetherAnnotations.schemaVersion]: AUDIT_SCHEMA_VERSION,
      [tetherAnnotations.cluster]: cluster,
      [tetherAnnotations.decision]: 'allow',
    },
  };
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('the auditor with Kafka and PostgreSQL', () => {
  const schema = `tether_auditor_test_${randomBytes(5).toString('hex')}`;
  const topic = `tether.audit.test.${randomBytes(5).toString('hex')}`;
  const keys = generateKeyPairSync('ed25519');
  const minter = new SessionTokenMinter(issuer, keys.privateKey);
  let jwks: Server;
  let db: Client;
  let producer: Producer;
  let kafka: Kafka;
  let auditor: StartedNode | undefined;
  let baseUrl = '';
  let env: Record<string, string>;

  const storedCount = async (where = "resource IS DISTINCT FROM 'auditevents'") =>
    Number(
      (await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${schema}.audit_events WHERE ${where}`))
        .rows[0].n,
    );

  const scrape = async (name: string): Promise<number> => {
    const text = await (await fetch(`${baseUrl}/metrics`)).text();
    const value = new RegExp(`^${name}\\{[^}]*\\} (\\S+)$`, 'm').exec(text)?.[1];
    if (value === undefined) throw new Error(`${name} is not on the auditor's /metrics`);
    return Number(value);
  };

  const startAuditor = async () => {
    auditor = await startNode(auditorMain, { env, readyPattern: /auditor listening/, timeoutMs: 60_000 });
  };

  const get = async (path: string, token?: string) => {
    const res = await fetch(
      `${baseUrl}${path}`,
      token ? { headers: { authorization: `Bearer ${token}` } } : {},
    );
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  const produce = (events: unknown[]) =>
    producer.send({
      topic,
      acks: -1,
      messages: events.map((e) => ({
        key:
          typeof e === 'object' && e !== null && 'annotations' in e
            ? (e as AuditEvent).annotations[tetherAnnotations.cluster]
            : 'x',
        value: typeof e === 'string' ? e : JSON.stringify(e),
      })),
    });

  beforeAll(async () => {
    db = new Client({ connectionString: POSTGRES_URL });
    await db.connect();
    await db.query(`CREATE SCHEMA ${schema}`);
    const publicJwk = { ...keys.publicKey.export({ format: 'jwk' }), alg: 'EdDSA', use: 'sig', kid: 'k1' };
    jwks = createServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [publicJwk] })),
    );
    jwks.listen(0, '127.0.0.1');
    await new Promise((resolve) => jwks.once('listening', resolve));
    kafka = new Kafka({ clientId: 'auditor-test', brokers: testKafkaBrokers(), logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [{ topic, numPartitions: 3, replicationFactor: 1 }],
      waitForLeaders: true,
    });
    await admin.disconnect();
    producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    env = {
      TETHER_AUDITOR_PORT: String(port),
      TETHER_AUDITOR_KAFKA_BROKERS: testKafkaBrokers().join(','),
      TETHER_AUDITOR_KAFKA_TOPIC: topic,
      TETHER_AUDITOR_KAFKA_GROUP_ID: `auditor-test-${randomBytes(4).toString('hex')}`,
      TETHER_AUDITOR_DATABASE_URL: POSTGRES_URL,
      TETHER_AUDITOR_DATABASE_SCHEMA: schema,
      TETHER_AUDITOR_BROKER_JWKS_URL: `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/.well-known/jwks.json`,
      TETHER_AUDITOR_BROKER_ISSUER: issuer,
      TETHER_AUDITOR_BATCH_SIZE: '500',
      TETHER_AUDITOR_BATCH_MAX_WAIT_MS: '100',
      TETHER_AUDITOR_LOG_LEVEL: 'info',
      KAFKAJS_NO_PARTITIONER_WARNING: '1',
    };
    await startAuditor();
  });

  afterAll(async () => {
    await auditor?.stop();
    await producer?.disconnect();
    await db?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await db?.end();
    await new Promise((resolve) => jwks?.close(resolve));
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('stores every event once and skips invalid ones without blocking their partition', async () => {
    const events = Array.from({ length: 300 }, (_, i) =>
      event(i % 2 ? 'bob' : 'alice', i % 3 ? 'dev-east' : 'dev-west', i % 60),
    );
    await produce(['{"kind":"Event","stage":"Nonsense"}', 'not json', ...events.slice(0, 150)]);
    await produce(events.slice(150));
    await waitFor('300 events stored', async () => ((await storedCount()) >= 300 ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await storedCount()).toBe(300);
    const ids = (
      await db.query<{ audit_id: string }>(
        `SELECT audit_id FROM ${schema}.audit_events WHERE resource = 'pods'`,
      )
    ).rows.map((r) => r.audit_id);
    expect(new Set(ids)).toEqual(new Set(events.map((e) => e.auditID)));
    const metrics = await (await fetch(`${baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/^tether_auditor_rows_written_total\{[^}]*\} 300$/m);
    expect(metrics).toMatch(/^tether_auditor_invalid_events_total\{[^}]*\} 2$/m);
  });

  it('serves search to readers only, and audits every read', async () => {
    const carol = await minter.mint('carol', ['security-auditors']);
    const bob = await minter.mint('bob', ['developers']);
    expect((await get('/api/audit/events')).status).toBe(401);
    const forged = await new SessionTokenMinter(issuer, generateKeyPairSync('ed25519').privateKey).mint(
      'carol',
      ['security-auditors'],
    );
    expect((await get('/api/audit/events', forged)).status).toBe(401);
    const refused = await get('/api/audit/events', bob);
    expect(refused).toEqual({
      status: 403,
      body: {
        error: 'forbidden',
        error_description: 'only members of security-auditors may read the audit log',
      },
    });
    const bad = await get('/api/audit/events?decision=maybe', carol);
    expect(bad.status).toBe(400);
    expect(bad.body.error_description).toContain('"decision" must be one of allow, deny, reject');
    const page = await get('/api/audit/events?user=bob&cluster=dev-west&limit=1000', carol);
    expect(page.status).toBe(200);
    const items = page.body.items as AuditEvent[];
    expect(items.length).toBe(50);
    expect(
      items.every(
        (e) => e.user.username === 'bob' && e.annotations[tetherAnnotations.cluster] === 'dev-west',
      ),
    ).toBe(true);
    await waitFor('reads audited', async () =>
      (await storedCount("resource = 'auditevents' AND username = 'carol' AND code = 200")) >= 1 &&
      (await storedCount("resource = 'auditevents' AND username = 'bob' AND decision = 'deny'")) >= 1
        ? true
        : undefined,
    );
  });

  it('tails new events live with the filters', async () => {
    const carol = await minter.mint('carol', ['security-auditors']);
    const controller = new AbortController();
    const res = await fetch(`${baseUrl}/api/audit/tail?cluster=dev-tail`, {
      headers: { authorization: `Bearer ${carol}` },
      signal: controller.signal,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const wanted = event('dave', 'dev-tail');
    await produce([event('erin', 'dev-east'), wanted]);
    const reader = res.body!.getReader();
    let text = '';
    await waitFor(
      'the tailed event',
      async () => {
        const { value } = await reader.read();
        text += Buffer.from(value ?? new Uint8Array()).toString();
        return text.includes(wanted.auditID) ? true : undefined;
      },
      20_000,
    );
    controller.abort();
    expect(text).toContain('event: audit');
    expect(text).not.toContain('"erin"');
  });

  it('reports the consumer group’s lag on /metrics: events on the topic it has not stored yet', async () => {
    const lag = 'tether_auditor_consumer_lag_messages';
    await waitFor('the auditor caught up', async () => ((await scrape(lag)) === 0 ? true : undefined));
    const before = await storedCount();
    const holder = new Client({ connectionString: POSTGRES_URL });
    await holder.connect();
    try {
      // While the table is locked the auditor cannot store, so it commits no offset either.
      await holder.query('BEGIN');
      await holder.query(`LOCK TABLE ${schema}.audit_events IN ACCESS EXCLUSIVE MODE`);
      await produce(Array.from({ length: 40 }, (_, i) => event('frank', 'dev-lag', i)));
      expect(await scrape(lag)).toBe(40);
      await holder.query('ROLLBACK');
    } finally {
      await holder.end();
    }
    await waitFor('the backlog stored', async () => ((await scrape(lag)) === 0 ? true : undefined));
    expect(await storedCount()).toBe(before + 40);
  });

  it('stores an event the broker sends again once, and counts it as a duplicate on /metrics', async () => {
    const duplicates = 'tether_auditor_duplicates_total';
    const again = event('grace', 'dev-dup');
    const stored = () => storedCount(`audit_id = '${again.auditID}'`);
    await produce([again]);
    await waitFor('the event stored', async () => ((await stored()) === 1 ? true : undefined));
    const before = await scrape(duplicates);
    // At-least-once delivery: a spool that restarted sends again what Kafka had already taken.
    await produce([again]);
    await waitFor('the duplicate counted', async () =>
      (await scrape(duplicates)) === before + 1 ? true : undefined,
    );
    expect(await stored()).toBe(1);
  });

  it('loses and duplicates nothing when killed mid-batch and restarted', async () => {
    const before = await storedCount();
    const events = Array.from({ length: 6000 }, (_, i) => event(`user-${i % 50}`, `cluster-${i % 7}`));
    const sending = (async () => {
      for (let i = 0; i < events.length; i += 200) await produce(events.slice(i, i + 200));
    })();
    const atKill = await waitFor('some of the burst stored', async () => {
      const n = (await storedCount()) - before;
      return n > 0 ? n : undefined;
    });
    auditor!.child.kill('SIGKILL');
    await new Promise((resolve) => auditor!.child.once('close', resolve));
    await sending;
    expect(atKill).toBeLessThan(events.length);
    await startAuditor();
    await waitFor(
      'the whole burst stored',
      async () => ((await storedCount()) - before >= events.length ? true : undefined),
      90_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect((await storedCount()) - before).toBe(events.length);
  });
});
