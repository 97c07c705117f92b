import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { ApiServerSimulator } from '../apiserver/api-server-simulator.js';
import { demoClusterManifests, demoClusterTokens } from '../apiserver/fixtures/demo-cluster.js';
import type { DevIdentityProvider } from '../idp/dev-identity-provider.js';
import { findRepoRoot } from '../kubectl/kubectl-binary.js';
import { freePort } from './free-port.js';
import { type StartedNode, startNode } from './node-process.js';
import { ReadinessPoller } from './readiness-poller.js';
import { SessionTokenMinter } from './session-token-minter.js';
import { joinTokenFor } from './stack-enrollment.js';
import { loadOrCreateMaterials } from './stack-materials.js';
import { TcpBalancer } from './tcp-balancer.js';
import { brokerSignInEnv, demoPolicyFile, startStackIdp } from './tether-stack.js';

const repoRoot = findRepoRoot(__dirname);
const brokerMain = join(repoRoot, 'apps', 'broker', 'dist', 'main.js');
const agentMain = join(repoRoot, 'apps', 'agent', 'dist', 'main.js');
const defaultPostgresUrl = 'postgres://postgres@127.0.0.1:5432/test';

type ClusterName = 'dev-east' | 'dev-west';

export interface ReplicatedStackOptions {
  /** Broker replicas started at first; default 3. */
  brokers?: number;
  /** Clusters with an agent; default both. */
  clusters?: ClusterName[];
  /** PostgreSQL to share (a private schema is made and dropped); default TETHER_TEST_POSTGRES_URL or local. */
  postgresUrl?: string;
  /** One decision key for every replica (as from a shared Secret); default each replica has its own. */
  sharedDecisionKey?: boolean;
  /** Extra TETHER_BROKER_* settings for every replica. Replica heartbeat defaults to 1 s here. */
  brokerEnv?: Record<string, string>;
  /** Extra TETHER_AGENT_* settings for every agent. */
  agentEnv?: Record<string, string>;
  /** Start the dev IdP and configure every replica to sign people in through it (redirects to the balancer). */
  signIn?: boolean;
}

/** One broker process of the stack; it keeps its port (and so its advertised URL) across restarts. */
export interface BrokerReplicaProcess {
  readonly index: number;
  /** Where agents and tests dial this replica directly (its ADVERTISE_URL). */
  readonly url: string;
  readonly metricsUrl: string;
  /** The running process; undefined while stopped. */
  readonly node: StartedNode | undefined;
  readonly running: boolean;
  /** Its /readyz said 200 at the last poll: the balancer sends new connections only to ready replicas. */
  readonly ready: boolean;
  /** SIGTERM (graceful), SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL now: a crash or a lost node. */
  kill(): Promise<void>;
  /** Starts it again, same port, same settings (a new replica id in the registry). */
  start(): Promise<void>;
  /** Everything it printed, this run and before (the tail). */
  output(): string;
}

export interface ReplicatedStack {
  /** The load balancer in front of the running replicas: PUBLIC_URL, the agents' BROKER_URL. */
  balancerUrl: string;
  brokers: BrokerReplicaProcess[];
  /** Starts one more replica on the same database; agents learn of it through the registry. */
  addBroker(): Promise<BrokerReplicaProcess>;
  brokerCaPem: string;
  brokerCaFile: string;
  clusters: Record<ClusterName, ApiServerSimulator>;
  agents: Partial<Record<ClusterName, StartedNode>>;
  /** Each agent's /healthz, /readyz and /metrics (plain HTTP), without a path. */
  agentHttpUrls: Record<ClusterName, string>;
  /** The private schema all replicas share, and a URL of the database with it as search_path. */
  schema: string;
  databaseUrl: string;
  policyFile: string;
  /** The dev IdP, when started with `signIn`. */
  idp?: DevIdentityProvider;
  /** A session token for a person, valid on every replica (they share the session key). */
  tokenFor(username: string, groups: string[]): Promise<string>;
  /** A kubeconfig with one context per cluster at `brokerUrl` (default the balancer). */
  kubeconfig(token: string, brokerUrl?: string): string;
  stop(): Promise<void>;
}

/**
 * Several broker replicas behind a TCP load balancer, on one PostgreSQL schema, with an enrolled agent
 * per simulated cluster: the HA deployment on one machine. Needs `npm run build` first.
 */
export async function startReplicatedStack(options: ReplicatedStackOptions = {}): Promise<ReplicatedStack> {
  const dir = mkdtempSync(join(tmpdir(), 'tether-replicated-'));
  const materials = await loadOrCreateMaterials(dir);
  const policyFile = join(dir, 'policy.yaml');
  copyFileSync(demoPolicyFile, policyFile);
  const postgresUrl = options.postgresUrl ?? process.env.TETHER_TEST_POSTGRES_URL ?? defaultPostgresUrl;
  const schema = `tether_ha_${randomBytes(6).toString('hex')}`;
  await adminQuery(postgresUrl, `CREATE SCHEMA ${schema}`);
  const databaseUrl = withSearchPath(postgresUrl, schema);
  const decisionKeyFile = join(dir, 'decision.key');
  if (options.sharedDecisionKey) {
    const key = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' });
    writeFileSync(decisionKeyFile, key, { mode: 0o600 });
  }

  const brokers: BrokerReplicaProcess[] = [];
  const balancer = await TcpBalancer.start(() =>
    brokers
      .filter((broker) => broker.running && broker.ready)
      .map((broker) => Number(new URL(broker.url).port)),
  );
  const balancerUrl = `https://127.0.0.1:${balancer.port}`;
  const idp = options.signIn ? await startStackIdp(balancerUrl) : undefined;
  const signInEnv = idp ? brokerSignInEnv(idp) : {};

  const addBroker = async (): Promise<BrokerReplicaProcess> => {
    const index = brokers.length;
    const port = await freePort();
    const metricsPort = await freePort();
    const url = `https://127.0.0.1:${port}`;
    const env = {
      TETHER_BROKER_PORT: String(port),
      TETHER_BROKER_TLS_CERT_FILE: materials.certFile,
      TETHER_BROKER_TLS_KEY_FILE: materials.keyFile,
      TETHER_BROKER_PUBLIC_URL: balancerUrl,
      TETHER_BROKER_ADVERTISE_URL: url,
      TETHER_BROKER_INSTANCE: `broker-${index}`,
      TETHER_BROKER_SESSION_KEY_FILE: materials.sessionKeyFile,
      ...(options.sharedDecisionKey ? { TETHER_BROKER_DECISION_KEY_FILE: decisionKeyFile } : {}),
      TETHER_BROKER_POLICY_FILE: policyFile,
      TETHER_BROKER_DATABASE_URL: databaseUrl,
      TETHER_BROKER_DATA_DIR: join(dir, `broker-${index}-data`),
      TETHER_BROKER_METRICS_PORT: String(metricsPort),
      TETHER_BROKER_REPLICA_HEARTBEAT_SECONDS: '1',
      ...signInEnv,
      ...options.brokerEnv,
    };
    let node: StartedNode | undefined;
    let earlier = '';
    const readiness = new ReadinessPoller(url, materials.caPem);
    const replica: BrokerReplicaProcess = {
      index,
      url,
      metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
      get node() {
        return node;
      },
      get running() {
        return node !== undefined && node.child.exitCode === null && node.child.signalCode === null;
      },
      get ready() {
        return readiness.isReady;
      },
      stop: async (graceMs) => {
        const current = node;
        node = undefined;
        if (!current) return;
        // The poller keeps asking while the replica drains: it says 'draining' before it stops accepting.
        await current.stop(graceMs);
        readiness.stop();
        earlier += current.output();
      },
      kill: async () => {
        const current = node;
        node = undefined;
        readiness.stop();
        if (!current) return;
        const { child } = current;
        if (child.exitCode === null && child.signalCode === null) {
          // SIGKILL alone: a SIGTERM first would let the broker start its goodbye.
          const exited = once(child, 'close');
          child.kill('SIGKILL');
          await exited;
        }
        earlier += current.output();
      },
      start: async () => {
        if (node) return;
        node = await startNode(brokerMain, { env, readyPattern: /broker listening/ });
        readiness.start();
      },
      output: () => earlier + (node?.output() ?? ''),
    };
    brokers.push(replica);
    await replica.start();
    return replica;
  };
  for (let i = 0; i < (options.brokers ?? 3); i++) await addBroker();
  // No agent is connected anywhere yet, so each says ready at its first probe; the agents dial the
  // balancer next, which must have somewhere to send them.
  await until(() => brokers.every((broker) => broker.ready), 'every broker replica ready', 15_000);

  const clusterNames = options.clusters ?? ['dev-east', 'dev-west'];
  const clusters = {} as Record<ClusterName, ApiServerSimulator>;
  for (const name of ['dev-east', 'dev-west'] as const)
    clusters[name] = await ApiServerSimulator.start({
      clusterName: name,
      tokens: demoClusterTokens,
      manifests: [demoClusterManifests],
      logIntervalMs: 200,
    });

  const sessions = new SessionTokenMinter(balancerUrl, materials.sessionKey);
  const admin = await sessions.mint('tether-stack', ['platform-admins']);
  const agentHttpUrls = {} as Record<ClusterName, string>;
  const agents: Partial<Record<ClusterName, StartedNode>> = {};
  for (const name of ['dev-east', 'dev-west'] as const)
    agentHttpUrls[name] = `http://127.0.0.1:${await freePort()}`;
  for (const name of clusterNames) {
    const joinTokenFile = join(dir, `${name}-join-token`);
    writeFileSync(joinTokenFile, await joinTokenFor(balancerUrl, materials.caPem, admin, name), {
      mode: 0o600,
    });
    const kubeconfigPath = join(dir, `${name}-agent.kubeconfig`);
    writeFileSync(kubeconfigPath, clusters[name].kubeconfig({ token: 'agent-token' }));
    agents[name] = await startNode(agentMain, {
      env: {
        TETHER_AGENT_CLUSTER_NAME: name,
        TETHER_AGENT_BROKER_URL: balancerUrl,
        TETHER_AGENT_BROKER_CA_FILE: materials.caFile,
        TETHER_AGENT_JOIN_TOKEN_FILE: joinTokenFile,
        TETHER_AGENT_CREDENTIAL_FILE: join(dir, `${name}-agent-credential.json`),
        TETHER_AGENT_KUBECONFIG: kubeconfigPath,
        TETHER_AGENT_HTTP_HOST: '127.0.0.1',
        TETHER_AGENT_HTTP_PORT: new URL(agentHttpUrls[name]).port,
        ...options.agentEnv,
      },
      readyPattern: /tunnel connected/,
    });
  }

  return {
    balancerUrl,
    brokers,
    addBroker,
    brokerCaPem: materials.caPem,
    brokerCaFile: materials.caFile,
    clusters,
    agents,
    agentHttpUrls,
    schema,
    databaseUrl,
    policyFile,
    ...(idp ? { idp } : {}),
    tokenFor: (username, groups) => sessions.mint(username, groups),
    kubeconfig: (token, brokerUrl = balancerUrl) => brokerKubeconfig(brokerUrl, materials.caPem, token),
    stop: async () => {
      await Promise.all(Object.values(agents).map((agent) => agent?.stop()));
      await Promise.all(brokers.map((broker) => broker.stop()));
      await balancer.close();
      await idp?.close();
      await Promise.all(Object.values(clusters).map((cluster) => cluster.close()));
      await adminQuery(postgresUrl, `DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The database URL with `schema` as every connection's search_path (pg reads `options`). */
function withSearchPath(postgresUrl: string, schema: string): string {
  const url = new URL(postgresUrl);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}

async function adminQuery(postgresUrl: string, sql: string): Promise<void> {
  const client = new Client({ connectionString: postgresUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

function brokerKubeconfig(brokerUrl: string, caPem: string, token: string): string {
  const caData = Buffer.from(caPem).toString('base64');
  const names = ['dev-east', 'dev-west'];
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: names.map((name) => ({
      name,
      cluster: { server: `${brokerUrl}/k8s/${name}`, 'certificate-authority-data': caData },
    })),
    users: [{ name: 'tether', user: { token } }],
    contexts: names.map((name) => ({ name, context: { cluster: name, user: 'tether' } })),
    'current-context': 'dev-east',
  });
}

async function until(condition: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
