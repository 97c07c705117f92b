/**
 * The audit pipeline end to end, with the real CLI, kubectl, broker and agents: kubectl on both
 * clusters, a denial and a just-in-time elevation are all found by `tether audit search` as carol
 * (security-auditors), while bob is refused — once with the embedded store, once through the real
 * Kafka and the auditor.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditEvent } from '@tether/audit';
import {
  findRepoRoot,
  freePort,
  KubectlRunner,
  runNode,
  type StartedNode,
  startNode,
  startTetherStack,
  type TetherStack,
  testKafkaBrokers,
} from '@tether/testing';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';

const repoRoot = findRepoRoot(__dirname);
const cliMain = join(repoRoot, 'apps', 'cli', 'dist', 'main.js');
const auditorMain = join(repoRoot, 'apps', 'auditor', 'dist', 'main.js');
const POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test';

type Run = (...args: string[]) => Promise<{ code: number; stdout: string; stderr: string }>;
interface Person {
  tether: Run;
  kubectl: Run;
}

/** People signed in through the dev IdP with their own config folder and kubeconfig. */
class People {
  private readonly homes: string[] = [];
  private readonly runners: KubectlRunner[] = [];

  constructor(private readonly stack: TetherStack) {}

  async signIn(user: string): Promise<Person> {
    const home = mkdtempSync(join(tmpdir(), `tether-audit-${user}-`));
    this.homes.push(home);
    const ca = join(home, 'broker-ca.pem');
    writeFileSync(ca, this.stack.brokerCaPem);
    const env = { HOME: home, TETHER_CONFIG_DIR: join(home, 'tether'), KUBECONFIG: join(home, 'kubeconfig') };
    const runner = new KubectlRunner({ path: env.KUBECONFIG });
    this.runners.push(runner);
    const person: Person = {
      tether: (...args) => runNode(cliMain, { args, env }),
      kubectl: (...args) => runner.run(args, { env }),
    };
    const login = await person.tether(
      'login',
      '--broker',
      this.stack.brokerUrl,
      '--broker-ca',
      ca,
      '--dev-user',
      user,
    );
    expect(login.code, login.stderr).toBe(0);
    expect((await person.tether('kube', 'login', '--all')).code).toBe(0);
    return person;
  }

  dispose(): void {
    for (const runner of this.runners) runner.dispose();
    for (const home of this.homes) rmSync(home, { recursive: true, force: true });
  }
}

const annotation = (event: AuditEvent, key: string) => event.annotations[`tether.dev/${key}`];

/** What bob does, then what carol must find and bob must not see. */
async function bobWorksAndCarolAudits(people: People): Promise<void> {
  const bob = await people.signIn('bob');
  const carol = await people.signIn('carol');

  const east = await bob.kubectl('--context', 'dev-east', 'get', 'pods', '-n', 'web');
  expect(east.code, east.stderr).toBe(0);
  const west = await bob.kubectl('--context', 'dev-west', 'get', 'pods', '-n', 'web');
  expect(west.code, west.stderr).toBe(0);
  const denied = await bob.kubectl(
    '--context',
    'dev-west',
    'delete',
    'configmap',
    'frontend-config',
    '-n',
    'web',
  );
  expect(denied.stderr).toMatch(/forbidden/i);
  const request = await bob.tether(
    'access',
    'request',
    'dev-west',
    '--role',
    'break-glass',
    '--reason',
    'INC-77: stuck config',
    '--for',
    '5m',
    '-o',
    'json',
  );
  expect(request.code, request.stderr).toBe(0);
  const jit = JSON.parse(request.stdout) as { id: string };
  const elevated = await bob.kubectl(
    '--context',
    'dev-west',
    'delete',
    'configmap',
    'frontend-config',
    '-n',
    'web',
  );
  expect(elevated.stderr).toBe('');

  const refused = await bob.tether('audit', 'search', '--user', 'bob@example.com');
  expect(refused.code).not.toBe(0);
  expect(refused.stderr).toContain('only members of security-auditors may read the audit log');

  let events: AuditEvent[] = [];
  await vi.waitFor(
    async () => {
      const search = await carol.tether(
        'audit',
        'search',
        '--user',
        'bob@example.com',
        '--since',
        '1h',
        '--limit',
        '500',
        '-o',
        'json',
      );
      expect(search.code, search.stderr).toBe(0);
      events = JSON.parse(search.stdout) as AuditEvent[];
      const elevatedDelete = events.find(
        (e) =>
          e.verb === 'delete' &&
          annotation(e, 'decision') === 'allow' &&
          e.objectRef?.resource === 'configmaps',
      );
      expect(elevatedDelete).toBeDefined();
    },
    { timeout: 30_000, interval: 500 },
  );

  const complete = events.filter((e) => e.stage === 'ResponseComplete');
  const lists = complete.filter((e) => e.verb === 'list' && e.objectRef?.resource === 'pods');
  expect(new Set(lists.map((e) => annotation(e, 'cluster')))).toEqual(new Set(['dev-east', 'dev-west']));
  for (const list of lists) {
    expect(list.impersonatedUser?.extra?.['tether.dev/request-id']).toEqual([list.auditID]);
    expect(list.responseStatus?.code).toBe(200);
  }
  const denial = complete.find((e) => e.verb === 'delete' && annotation(e, 'decision') === 'deny');
  expect(denial).toMatchObject({
    objectRef: { resource: 'configmaps', namespace: 'web', name: 'frontend-config' },
    responseStatus: { code: 403 },
  });
  expect(annotation(denial as AuditEvent, 'reason')).toBeTruthy();
  const elevation = complete.find(
    (e) =>
      e.objectRef?.resource === 'accessrequests' &&
      e.verb === 'create' &&
      annotation(e, 'jit-request-id') === jit.id,
  );
  expect(elevation).toMatchObject({ responseStatus: { code: 201 }, objectRef: { apiGroup: 'tether.dev' } });
  const elevatedDelete = complete.find((e) => e.verb === 'delete' && annotation(e, 'decision') === 'allow');
  expect(annotation(elevatedDelete as AuditEvent, 'jit-request-id')).toBe(jit.id);
  expect(annotation(elevatedDelete as AuditEvent, 'cluster')).toBe('dev-west');
  // No token in any event, however it was sent.
  expect(JSON.stringify(events)).not.toMatch(/eyJ[\w-]{10,}\./);

  const jsonl = await carol.tether(
    'audit',
    'search',
    '--cluster',
    'dev-east',
    '--user',
    'bob@example.com',
    '-o',
    'jsonl',
  );
  expect(jsonl.code, jsonl.stderr).toBe(0);
  const lines = jsonl.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as AuditEvent);
  expect(lines.length).toBeGreaterThan(0);
  expect(lines.every((e) => annotation(e, 'cluster') === 'dev-east')).toBe(true);

  // Reading the audit log is on record too: carol's searches and bob's refusal.
  await vi.waitFor(
    async () => {
      const reads = await carol.tether(
        'audit',
        'search',
        '--resource',
        'auditevents',
        '-o',
        'json',
        '--limit',
        '100',
      );
      const readEvents = JSON.parse(reads.stdout) as AuditEvent[];
      expect(readEvents.some((e) => e.user.username === 'carol@example.com')).toBe(true);
      expect(
        readEvents.some((e) => e.user.username === 'bob@example.com' && e.responseStatus?.code === 403),
      ).toBe(true);
    },
    { timeout: 30_000, interval: 500 },
  );
}

describe('the audit pipeline with the embedded store', () => {
  let stack: TetherStack;
  let people: People;

  beforeAll(async () => {
    stack = await startTetherStack({ signIn: true });
    people = new People(stack);
  });
  afterAll(async () => {
    await stack?.stop();
    people?.dispose();
  });

  it('finds kubectl on both clusters, a denial and a JIT elevation for carol, and refuses bob', async () => {
    await bobWorksAndCarolAudits(people);
  });
});

describe('the audit pipeline through Kafka and the auditor', () => {
  const topic = `tether.audit.e2e.${randomBytes(4).toString('hex')}`;
  const schema = `tether_audit_e2e_${randomBytes(4).toString('hex')}`;
  let stack: TetherStack;
  let auditor: StartedNode | undefined;
  let people: People;
  let db: Client;

  beforeAll(async () => {
    db = new Client({ connectionString: POSTGRES_URL });
    await db.connect();
    await db.query(`CREATE SCHEMA ${schema}`);
    const kafka = new Kafka({
      clientId: 'audit-e2e',
      brokers: testKafkaBrokers(),
      logLevel: logLevel.NOTHING,
    });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [{ topic, numPartitions: 3, replicationFactor: 1 }],
      waitForLeaders: true,
    });
    await admin.disconnect();
    const auditorPort = await freePort();
    stack = await startTetherStack({
      signIn: true,
      brokerEnv: {
        TETHER_BROKER_KAFKA_BROKERS: testKafkaBrokers().join(','),
        TETHER_BROKER_KAFKA_TOPIC: topic,
        TETHER_BROKER_AUDITOR_URL: `http://127.0.0.1:${auditorPort}`,
        KAFKAJS_NO_PARTITIONER_WARNING: '1',
      },
    });
    auditor = await startNode(auditorMain, {
      env: {
        TETHER_AUDITOR_PORT: String(auditorPort),
        TETHER_AUDITOR_KAFKA_BROKERS: testKafkaBrokers().join(','),
        TETHER_AUDITOR_KAFKA_TOPIC: topic,
        TETHER_AUDITOR_KAFKA_GROUP_ID: `audit-e2e-${randomBytes(4).toString('hex')}`,
        TETHER_AUDITOR_DATABASE_URL: POSTGRES_URL,
        TETHER_AUDITOR_DATABASE_SCHEMA: schema,
        TETHER_AUDITOR_BROKER_JWKS_URL: `${stack.brokerUrl}/.well-known/jwks.json`,
        TETHER_AUDITOR_BROKER_ISSUER: stack.brokerUrl,
        TETHER_AUDITOR_BROKER_CA_FILE: stack.brokerCaFile,
        TETHER_AUDITOR_BATCH_MAX_WAIT_MS: '100',
        KAFKAJS_NO_PARTITIONER_WARNING: '1',
      },
      readyPattern: /auditor listening/,
      timeoutMs: 60_000,
    });
    people = new People(stack);
  });
  afterAll(async () => {
    await auditor?.stop();
    await stack?.stop();
    people?.dispose();
    await db?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await db?.end();
  });

  // In this mode the broker keeps no audit log (it answers 404 there), so passing searches prove
  // the CLI followed /auth/config's auditUrl to the auditor.
  it('finds the same through Kafka and the auditor', async () => {
    await bobWorksAndCarolAudits(people);
  });
});
