/**
 * What both auditor benchmarks share: the real Kafka and PostgreSQL, a JWKS server and carol's session
 * token, the built auditor as a child process, and audit events shaped like the broker's.
 */
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import {
  AUDIT_SCHEMA_VERSION,
  AUDIT_TOPIC,
  type AuditEvent,
  microTimeOf,
  tetherAnnotations,
} from '@tether/audit';
import {
  findRepoRoot,
  freePort,
  SessionTokenMinter,
  type StartedNode,
  startNode,
  testKafkaBrokers,
} from '@tether/testing';
import { Client } from 'pg';

export const repoRoot = findRepoRoot(__dirname);
export const auditorMain = join(repoRoot, 'apps', 'auditor', 'dist', 'main.js');
export const POSTGRES_URL =
  process.env.TETHER_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const issuer = 'https://broker.bench';

export const uniqueName = (prefix: string) => `${prefix}${randomBytes(4).toString('hex')}`;

/** A private schema, dropped by `drop()`. */
export async function privateSchema(prefix: string): Promise<{ name: string; drop: () => Promise<void> }> {
  const name = uniqueName(`tether_bench_${prefix}_`);
  const db = new Client({ connectionString: POSTGRES_URL });
  await db.connect();
  await db.query(`CREATE SCHEMA ${name}`);
  await db.end();
  return {
    name,
    drop: async () => {
      const c = new Client({ connectionString: POSTGRES_URL });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS ${name} CASCADE`);
      await c.end();
    },
  };
}

/** The broker's JWKS, served locally, and a minter for session tokens it verifies. */
export async function startJwks(): Promise<{
  url: string;
  issuer: string;
  minter: SessionTokenMinter;
  close: () => Promise<void>;
}> {
  const keys = generateKeyPairSync('ed25519');
  const publicJwk = { ...keys.publicKey.export({ format: 'jwk' }), alg: 'EdDSA', use: 'sig', kid: 'k1' };
  const server: Server = createServer((_req, res) =>
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [publicJwk] })),
  );
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`,
    issuer,
    minter: new SessionTokenMinter(issuer, keys.privateKey),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export interface RunningAuditor {
  node: StartedNode;
  baseUrl: string;
  /** When the process was spawned (performance.now()). */
  spawnedAt: number;
}

/** The built auditor (apps/auditor/dist) with its production defaults, unless `env` overrides them. */
export async function startAuditor(options: {
  topic: string;
  groupId: string;
  schema: string;
  jwks: { url: string; issuer: string };
  env?: Record<string, string>;
}): Promise<RunningAuditor> {
  const port = await freePort();
  const spawnedAt = performance.now();
  const node = await startNode(auditorMain, {
    env: {
      TETHER_AUDITOR_PORT: String(port),
      TETHER_AUDITOR_KAFKA_BROKERS: testKafkaBrokers().join(','),
      TETHER_AUDITOR_KAFKA_TOPIC: options.topic,
      TETHER_AUDITOR_KAFKA_GROUP_ID: options.groupId,
      TETHER_AUDITOR_DATABASE_URL: POSTGRES_URL,
      TETHER_AUDITOR_DATABASE_SCHEMA: options.schema,
      TETHER_AUDITOR_BROKER_JWKS_URL: options.jwks.url,
      TETHER_AUDITOR_BROKER_ISSUER: options.jwks.issuer,
      TETHER_AUDITOR_LOG_LEVEL: 'info',
      KAFKAJS_NO_PARTITIONER_WARNING: '1',
      ...options.env,
    },
    readyPattern: /auditor listening/,
    timeoutMs: 120_000,
  });
  return { node, baseUrl: `http://127.0.0.1:${port}`, spawnedAt };
}

const verbs = ['get', 'get', 'get', 'list', 'list', 'watch', 'create', 'update', 'patch', 'delete'];
const resources = ['pods', 'pods', 'deployments', 'configmaps', 'services', 'secrets', 'events', 'jobs'];
const apiGroups: Record<string, string> = { deployments: 'apps', jobs: 'batch' };

/** The names events use: `user-17`, `cluster-03`. */
export const userName = (i: number) => `user-${i}`;
export const clusterName = (i: number) => `cluster-${String(i).padStart(2, '0')}`;

/**
 * One event of the kind the broker sends for a kube request (about 1 KB of JSON), varied by `i`:
 * verbs, resources, namespaces, decisions and status codes, exec commands now and then.
 */
export function benchEvent(i: number, who: { user: string; cluster: string }, at: Date): AuditEvent {
  const resource = resources[i % resources.length]!;
  const verb = verbs[(i >> 3) % verbs.length]!;
  const namespace = `team-${i % 37}`;
  const named = verb !== 'list' && verb !== 'watch' && verb !== 'create';
  const name = `${resource.slice(0, -1)}-${(i * 7919) % 100_000}`;
  const group = apiGroups[resource];
  const base = `${group ? `/apis/${group}/v1` : '/api/v1'}/namespaces/${namespace}/${resource}`;
  const exec = resource === 'pods' && i % 50 === 0;
  const requestURI = exec
    ? `${base}/${name}/exec?command=sh&container=app&stdin=true&tty=true`
    : `${base}${named ? `/${name}` : ''}${verb === 'watch' ? '?watch=true&resourceVersion=1234567' : ''}`;
  const denied = i % 23 === 0;
  const code = denied ? 403 : verb === 'get' && i % 11 === 0 ? 404 : verb === 'create' ? 201 : 200;
  const requestId = randomUUID();
  const annotations: Record<string, string> = {
    [tetherAnnotations.schemaVersion]: AUDIT_SCHEMA_VERSION,
    [tetherAnnotations.topic]: AUDIT_TOPIC,
    [tetherAnnotations.cluster]: who.cluster,
    [tetherAnnotations.decision]: denied ? 'deny' : 'allow',
    [tetherAnnotations.brokerInstance]: `broker-${i % 3}`,
    [tetherAnnotations.traceId]: randomBytes(16).toString('hex'),
    [tetherAnnotations.bytesFromClient]: String(verb === 'get' || verb === 'list' ? 0 : 400 + (i % 3000)),
    [tetherAnnotations.bytesToClient]: String(200 + ((i * 31) % 50_000)),
    [tetherAnnotations.durationMs]: String(1 + (i % 250)),
  };
  if (denied) annotations[tetherAnnotations.reason] = `no allow rule matched; closest: 't${i % 100}-read'`;
  else annotations[tetherAnnotations.rule] = `team-${i % 100}-${verb === 'get' ? 'read' : 'deploy'}`;
  if (exec) {
    annotations[tetherAnnotations.execCommand] = '["sh"]';
    annotations[tetherAnnotations.execContainer] = 'app';
  }
  const groups = ['developers', `team-${i % 100}`];
  const time = microTimeOf(at);
  return {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'Metadata',
    auditID: requestId,
    stage: 'ResponseComplete',
    requestURI,
    verb: exec ? 'create' : verb,
    user: { username: who.user, groups },
    ...(denied
      ? {}
      : {
          impersonatedUser: {
            username: who.user,
            groups: [`team-${i % 100}-edit`],
            extra: { 'tether.dev/request-id': [requestId] },
          },
        }),
    sourceIPs: [`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`],
    userAgent: 'kubectl/v1.34.1 (linux/amd64) kubernetes/93248f9',
    objectRef: {
      resource,
      namespace,
      ...(named || exec ? { name } : {}),
      ...(group ? { apiGroup: group } : {}),
      apiVersion: 'v1',
      ...(exec ? { subresource: 'exec' } : {}),
    },
    responseStatus: { metadata: {}, code, ...(code >= 400 ? { status: 'Failure' } : {}) },
    requestReceivedTimestamp: time,
    stageTimestamp: time,
    annotations,
  };
}

export function machineLoad(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(', ');
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await sleep(intervalMs);
  }
}

export function thousands(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** Runs a benchmark's main and exits: 0 when it finished, 1 with the error when it failed. */
export function runBench(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
