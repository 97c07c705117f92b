/**
 * `tether audit search` and `tail` as people run them: the built CLI signed in through the dev IdP,
 * the broker naming its auditor in /auth/config, and the built auditor reading a Kafka topic into
 * PostgreSQL. Events go to the topic as the broker would send them.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AUDIT_SCHEMA_VERSION, type AuditEvent, microTimeOf, tetherAnnotations } from '@tether/audit';
import {
  findRepoRoot,
  freePort,
  runNode,
  type StartedNode,
  startNode,
  startTetherStack,
  type TetherStack,
  testKafkaBrokers,
} from '@tether/testing';
import { Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';
import { Client } from 'pg';

const repoRoot = findRepoRoot(__dirname);
const cliMain = join(repoRoot, 'apps', 'cli', 'dist', 'main.js');
const auditorMain = join(repoRoot, 'apps', 'auditor', 'dist', 'main.js');
const POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test';

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

interface Person {
  tether: (...args: string[]) => Promise<{ code: number; stdout: string; stderr: string }>;
  env: Record<string, string>;
}

describe('tether audit search and tail against the auditor', () => {
  const run = randomBytes(4).toString('hex');
  const schema = `tether_audit_cli_${run}`;
  const topic = `tether.audit.cli.${run}`;
  // Clusters only this run uses, so the filters are checked against exactly the events below.
  const east = `cli-east-${run}`;
  const west = `cli-west-${run}`;
  const homes: string[] = [];
  let stack: TetherStack;
  let auditor: StartedNode | undefined;
  let db: Client;
  let kafka: Kafka;
  let producer: Producer;
  let auditorUrl: string;
  let auditorEnv: Record<string, string>;
  const startAuditor = async () => {
    auditor = await startNode(auditorMain, {
      env: auditorEnv,
      readyPattern: /auditor listening/,
      timeoutMs: 90_000,
    });
  };
  let carol: Person;
  let bob: Person;

  function event(input: {
    user: string;
    cluster: string;
    verb: string;
    resource: string;
    name?: string;
    decision: 'allow' | 'deny' | 'reject';
    code: number;
    secondsAgo: number;
    jit?: string;
  }): AuditEvent {
    const when = microTimeOf(new Date(Date.now() - input.secondsAgo * 1000));
    const path = `/api/v1/namespaces/web/${input.resource}${input.name ? `/${input.name}` : ''}`;
    return {
      kind: 'Event',
      apiVersion: 'audit.k8s.io/v1',
      level: 'Metadata',
      auditID: randomUUID(),
      stage: 'ResponseComplete',
      requestURI: path,
      verb: input.verb,
      user: { username: input.user, groups: ['developers'] },
      objectRef: {
        resource: input.resource,
        namespace: 'web',
        apiVersion: 'v1',
        ...(input.name ? { name: input.name } : {}),
      },
      responseStatus: { metadata: {}, code: input.code },
      requestReceivedTimestamp: when,
      stageTimestamp: when,
      annotations: {
        [tetherAnnotations.schemaVersion]: AUDIT_SCHEMA_VERSION,
        [tetherAnnotations.cluster]: input.cluster,
        [tetherAnnotations.decision]: input.decision,
        ...(input.decision === 'allow' ? { [tetherAnnotations.rule]: 'admins-everywhere' } : {}),
        ...(input.decision === 'deny' ? { [tetherAnnotations.reason]: 'no rule allows it' } : {}),
        ...(input.jit ? { [tetherAnnotations.jitRequestId]: input.jit } : {}),
      },
    };
  }

  const produce = (events: AuditEvent[]) =>
    producer.send({
      topic,
      acks: -1,
      messages: events.map((e) => ({
        key: e.annotations[tetherAnnotations.cluster],
        value: JSON.stringify(e),
      })),
    });

  const jsonl = (stdout: string) =>
    stdout
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => JSON.parse(line) as AuditEvent);

  async function signIn(user: string): Promise<Person> {
    const home = mkdtempSync(join(tmpdir(), `tether-audit-cli-${user}-`));
    homes.push(home);
    const env = { HOME: home, TETHER_CONFIG_DIR: join(home, 'tether') };
    const person: Person = { env, tether: (...args) => runNode(cliMain, { args, env }) };
    const login = await person.tether(
      'login',
      '--broker',
      stack.brokerUrl,
      '--broker-ca',
      stack.brokerCaFile,
      '--dev-user',
      user,
    );
    expect(login.stderr).not.toContain('tether:');
    expect(login.code).toBe(0);
    return person;
  }

  const jitId = randomUUID();
  const stored = {
    bobList: event({
      user: 'bob@example.com',
      cluster: west,
      verb: 'list',
      resource: 'pods',
      decision: 'allow',
      code: 200,
      secondsAgo: 30,
    }),
    bobDenied: event({
      user: 'bob@example.com',
      cluster: west,
      verb: 'delete',
      resource: 'configmaps',
      name: 'frontend-config',
      decision: 'deny',
      code: 403,
      secondsAgo: 20,
    }),
    bobJit: event({
      user: 'bob@example.com',
      cluster: west,
      verb: 'delete',
      resource: 'configmaps',
      name: 'frontend-config',
      decision: 'allow',
      code: 200,
      secondsAgo: 10,
      jit: jitId,
    }),
    aliceEast: event({
      user: 'alice@example.com',
      cluster: east,
      verb: 'get',
      resource: 'secrets',
      name: 'db',
      decision: 'allow',
      code: 200,
      secondsAgo: 5,
    }),
    // Three hours ago: outside --since 2h.
    bobOld: event({
      user: 'bob@example.com',
      cluster: west,
      verb: 'get',
      resource: 'pods',
      name: 'old',
      decision: 'allow',
      code: 200,
      secondsAgo: 3 * 3600,
    }),
  };

  beforeAll(async () => {
    db = new Client({ connectionString: POSTGRES_URL });
    await db.connect();
    await db.query(`CREATE SCHEMA ${schema}`);
    kafka = new Kafka({
      clientId: 'audit-cli-test',
      brokers: testKafkaBrokers(),
      logLevel: logLevel.NOTHING,
    });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [{ topic, numPartitions: 2, replicationFactor: 1 }],
      waitForLeaders: true,
    });
    await admin.disconnect();
    producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();

    const auditorPort = await freePort();
    auditorUrl = `http://127.0.0.1:${auditorPort}`;
    stack = await startTetherStack({ signIn: true, brokerEnv: { TETHER_BROKER_AUDITOR_URL: auditorUrl } });
    auditorEnv = {
      TETHER_AUDITOR_PORT: String(auditorPort),
      TETHER_AUDITOR_KAFKA_BROKERS: testKafkaBrokers().join(','),
      TETHER_AUDITOR_KAFKA_TOPIC: topic,
      TETHER_AUDITOR_KAFKA_GROUP_ID: `audit-cli-${run}`,
      TETHER_AUDITOR_DATABASE_URL: POSTGRES_URL,
      TETHER_AUDITOR_DATABASE_SCHEMA: schema,
      TETHER_AUDITOR_BROKER_JWKS_URL: `${stack.brokerUrl}/.well-known/jwks.json`,
      TETHER_AUDITOR_BROKER_ISSUER: stack.brokerUrl,
      TETHER_AUDITOR_BROKER_CA_FILE: stack.brokerCaFile,
      TETHER_AUDITOR_BATCH_MAX_WAIT_MS: '100',
      KAFKAJS_NO_PARTITIONER_WARNING: '1',
    };
    await startAuditor();
    carol = await signIn('carol');
    bob = await signIn('bob');
    await produce(Object.values(stored));
  });

  afterAll(async () => {
    await auditor?.stop();
    await stack?.stop();
    await producer?.disconnect();
    await db?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await db?.end();
    if (kafka) {
      const admin = kafka.admin();
      await admin.connect();
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
    }
    for (const home of homes) rmSync(home, { recursive: true, force: true });
  });

  it('carol finds the events with filters, as a table and as jsonl', async () => {
    // Ingest is asynchronous: wait until all five are searchable.
    await waitFor('the events searchable', async () => {
      const all = await carol.tether('audit', 'search', '--cluster', `${east},${west}`, '-o', 'jsonl');
      expect(all.stderr).not.toContain('tether:');
      return jsonl(all.stdout).length >= 5 ? true : undefined;
    });

    const recent = await carol.tether('audit', 'search', '--cluster', west, '--since', '2h', '-o', 'jsonl');
    expect(recent.code).toBe(0);
    expect(jsonl(recent.stdout).map((e) => e.auditID)).toEqual(
      [stored.bobJit, stored.bobDenied, stored.bobList].map((e) => e.auditID),
    );
    expect(jsonl(recent.stdout)[0]).toEqual(stored.bobJit);

    const denials = await carol.tether(
      'audit',
      'search',
      '--user',
      'bob@example.com',
      '--decision',
      'deny,reject',
      '--code',
      '403',
      '-o',
      'jsonl',
    );
    expect(jsonl(denials.stdout).map((e) => e.auditID)).toEqual([stored.bobDenied.auditID]);

    const secrets = await carol.tether(
      'audit',
      'search',
      '--resource',
      'secrets',
      '-n',
      'web',
      '--name',
      'db',
      '--cluster',
      east,
      '-o',
      'json',
    );
    expect((JSON.parse(secrets.stdout) as AuditEvent[]).map((e) => e.auditID)).toEqual([
      stored.aliceEast.auditID,
    ]);

    const byText = await carol.tether(
      'audit',
      'search',
      '-q',
      'FRONTEND-config',
      '--cluster',
      west,
      '--verb',
      'delete',
      '-o',
      'jsonl',
    );
    expect(jsonl(byText.stdout).map((e) => e.auditID)).toEqual([
      stored.bobJit.auditID,
      stored.bobDenied.auditID,
    ]);

    const older = await carol.tether('audit', 'search', '--cluster', west, '--until', '1h', '-o', 'jsonl');
    expect(jsonl(older.stdout).map((e) => e.auditID)).toEqual([stored.bobOld.auditID]);

    const limited = await carol.tether('audit', 'search', '--cluster', west, '--limit', '2', '-o', 'jsonl');
    expect(jsonl(limited.stdout)).toHaveLength(2);

    const table = await carol.tether('audit', 'search', '--cluster', west, '--since', '2h');
    expect(table.code).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^TIME +CLUSTER +USER +VERB +RESOURCE +DECISION +CODE +JIT \/ RULE \/ REASON$/);
    // The run's long cluster names make the table narrow some cells; the JIT id prefix stays whole.
    expect(lines[1]).toMatch(
      new RegExp(
        `^\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d +cli-west-\\S* +bob@example\\.com +delete +web/configmaps/\\S+ +allow +200 +jit:${jitId.slice(0, 8)}  admins-every`,
      ),
    );
    expect(lines[2]).toMatch(/ delete +web\/configmaps\/\S+ +deny +403 +no rule allows it$/);
    expect(lines[3]).toMatch(/ list +web\/pods +allow +200 +admins-everywhere$/);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(120);
  });

  it('carol’s tail prints an event produced after it started, and Ctrl-C ends it with exit 0', async () => {
    const tail = await startNode(cliMain, {
      args: ['audit', 'tail', '--cluster', east, '--decision', 'deny', '-o', 'jsonl'],
      env: carol.env,
      readyPattern: /Following the audit log from the auditor at/,
      timeoutMs: 60_000,
    });
    try {
      const unwanted = event({
        user: 'alice@example.com',
        cluster: east,
        verb: 'get',
        resource: 'pods',
        decision: 'allow',
        code: 200,
        secondsAgo: 0,
      });
      const wanted = event({
        user: 'bob@example.com',
        cluster: east,
        verb: 'create',
        resource: 'pods',
        name: 'shell',
        decision: 'deny',
        code: 403,
        secondsAgo: 0,
      });
      await produce([unwanted, wanted]);
      await waitFor('the tailed event', async () =>
        tail.output().includes(wanted.auditID) ? true : undefined,
      );
      const exited = new Promise<number | null>((resolve) =>
        tail.child.once('close', (code) => resolve(code)),
      );
      tail.child.kill('SIGINT');
      expect(await exited).toBe(0);
      const printed = tail
        .output()
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as AuditEvent);
      expect(printed).toEqual([wanted]);
    } finally {
      await tail.stop();
    }
  });

  it('carol’s tail rides out an auditor restart: it says it reconnects, then prints new events', async () => {
    const tail = await startNode(cliMain, {
      args: ['audit', 'tail', '--cluster', east, '-o', 'jsonl'],
      env: carol.env,
      readyPattern: /Following the audit log from the auditor at/,
      timeoutMs: 60_000,
    });
    try {
      await auditor?.stop();
      await waitFor('the tail noticing', async () =>
        /reconnecting in/.test(tail.output()) ? true : undefined,
      );
      expect(tail.child.exitCode).toBeNull();
      await startAuditor();
      await waitFor(
        'the tail reconnected',
        async () => (/reconnected; events stored while disconnected/.test(tail.output()) ? true : undefined),
        90_000,
      );
      const after = event({
        user: 'alice@example.com',
        cluster: east,
        verb: 'patch',
        resource: 'deployments',
        name: 'web',
        decision: 'allow',
        code: 200,
        secondsAgo: 0,
      });
      await produce([after]);
      await waitFor('the event after the restart', async () =>
        tail.output().includes(after.auditID) ? true : undefined,
      );
      expect(tail.output()).toMatch(
        new RegExp(
          `tether: audit tail: lost the stream from the auditor at ${auditorUrl} \\(.*\\); reconnecting in [\\d.]+ s`,
        ),
      );
      expect(tail.output()).toMatch(/tether audit search --since \d{4}-\d\d-\d\dT[\d:.]+Z/);
      const exited = new Promise<number | null>((resolve) =>
        tail.child.once('close', (code) => resolve(code)),
      );
      tail.child.kill('SIGINT');
      expect(await exited).toBe(0);
    } finally {
      await tail.stop();
    }
  });

  it('bob is refused with the reader rule, exit 6, for search and tail', async () => {
    const search = await bob.tether('audit', 'search', '--cluster', west);
    expect(search.code).toBe(6);
    expect(search.stdout).toBe('');
    expect(search.stderr).toContain(
      `tether: the auditor at ${auditorUrl} refused: only members of security-auditors may read the audit log`,
    );
    expect(search.stderr).toContain('run tether login again');
    const tail = await bob.tether('audit', 'tail');
    expect(tail.code).toBe(6);
    expect(tail.stderr).toContain('only members of security-auditors may read the audit log');
  });
});
