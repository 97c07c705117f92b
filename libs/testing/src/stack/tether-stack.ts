import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiServerSimulator } from '../apiserver/api-server-simulator.js';
import { demoClusterManifests, demoClusterTokens } from '../apiserver/fixtures/demo-cluster.js';
import { DevIdentityProvider } from '../idp/dev-identity-provider.js';
import { findRepoRoot } from '../kubectl/kubectl-binary.js';
import { freePort } from './free-port.js';
import { type StartedNode, startNode } from './node-process.js';
import { SessionTokenMinter } from './session-token-minter.js';
import { joinTokenFor } from './stack-enrollment.js';
import { loadOrCreateMaterials } from './stack-materials.js';

const repoRoot = findRepoRoot(__dirname);
const brokerMain = join(repoRoot, 'apps', 'broker', 'dist', 'main.js');
const agentMain = join(repoRoot, 'apps', 'agent', 'dist', 'main.js');
const agentClusterToken = 'agent-token'; // the demo cluster's token for the agent's service account

/**
 * The whole kubectl path on one machine: two simulated clusters, the built broker and two built agents
 * as child processes. Needs `npm run build` first.
 */

/**
 * The access policy `npm start` runs under, which people read and edit: everyone may read discovery and
 * ask about their own access where they have any; platform-admins everything everywhere (as
 * system:masters); developers read-only on dev-west and everything in namespace web on dev-east.
 */
export const demoPolicyFile = join(repoRoot, 'deploy', 'policy', 'demo-policy.yaml');

// The clusters' own RBAC: developers may read everywhere (the demo cluster gives them edit in web).
const developersView = `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: { name: developers-view }
subjects: [{ kind: Group, name: developers, apiGroup: rbac.authorization.k8s.io }]
roleRef: { kind: ClusterRole, name: view, apiGroup: rbac.authorization.k8s.io }
`;

export interface TetherStackOptions {
  /** Also start the dev IdP and let the broker sign people in through it (dev mode). */
  signIn?: boolean;
  /** Keep keys and certificates here and reuse them; default a temporary folder removed on stop. */
  stateDir?: string;
  /** 0 or unset: any free port. */
  brokerPort?: number;
  idpPort?: number;
  /** Interval of followed pod log lines; default 200 ms (tests), use 1000 for people. */
  logIntervalMs?: number;
  /**
   * The broker's policy file, followed while it runs. Default: a copy of the demo policy in the state
   * folder, so a test may edit it without touching the one in the repository.
   */
  policyFile?: string;
  /** Extra TETHER_BROKER_* settings, e.g. a short agent credential lifetime. */
  brokerEnv?: Record<string, string>;
  /** Extra settings for both agents, e.g. TETHER_AGENT_OTLP_ENDPOINT. */
  agentEnv?: Record<string, string>;
  /** Real clusters to join too, each through an agent that reaches its API server with a kubeconfig. */
  ownClusters?: OwnCluster[];
}

/** A cluster the user's own kubeconfig reaches (kind, minikube), joined like the simulated ones. */
export interface OwnCluster {
  /** Its name in Tether: the kubectl context name the broker's kubeconfig gets. */
  name: string;
  kubeconfigPath: string;
  /** The kubeconfig context the agent uses; default the file's current context. */
  context?: string;
}

export const brokerIdpClient = { clientId: 'tether-broker', clientSecret: 'dev-broker-secret' };

/** The dev IdP with the broker as its client, people returning to `publicUrl` (the broker or its balancer). */
export function startStackIdp(publicUrl: string, port?: number): Promise<DevIdentityProvider> {
  return DevIdentityProvider.start({
    ...(port ? { port } : {}),
    clients: [
      {
        client_id: brokerIdpClient.clientId,
        client_secret: brokerIdpClient.clientSecret,
        redirect_uris: [`${publicUrl}/auth/callback`],
        grant_types: ['authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code'],
        token_endpoint_auth_method: 'client_secret_post',
      },
    ],
  });
}

/** What a broker needs to sign people in through `idp`. */
export function brokerSignInEnv(idp: DevIdentityProvider): Record<string, string> {
  return {
    TETHER_BROKER_OIDC_ISSUER: idp.issuer,
    TETHER_BROKER_OIDC_CLIENT_ID: brokerIdpClient.clientId,
    TETHER_BROKER_OIDC_CLIENT_SECRET: brokerIdpClient.clientSecret,
    // The dev IdP speaks plain http on loopback; only dev mode accepts an http issuer.
    TETHER_BROKER_DEV_MODE: 'true',
  };
}

export interface TetherStack {
  /** The dev IdP, when started with `signIn`. */
  idp?: DevIdentityProvider;
  brokerUrl: string;
  brokerCaPem: string;
  brokerCaFile: string;
  /** The broker's Prometheus endpoint (plain HTTP, its own port). */
  brokerMetricsUrl: string;
  /** Each agent's /healthz, /readyz and /metrics (plain HTTP), without a path. */
  agentHttpUrls: Record<'dev-east' | 'dev-west', string>;
  clusters: Record<'dev-east' | 'dev-west', ApiServerSimulator>;
  agents: Record<'dev-east' | 'dev-west', StartedNode>;
  /** The agents of `ownClusters`, by name. */
  ownAgents: Record<string, StartedNode>;
  broker: StartedNode;
  /** Stops the broker and starts it again with the same keys, port and data folder (agents reconnect). */
  restartBroker(): Promise<void>;
  /** The policy file the broker follows; edits take effect within about two seconds. */
  policyFile: string;
  /** A session token for a person, minted with the broker's session key (until sign-in exists). */
  tokenFor(username: string, groups: string[]): Promise<string>;
  /**
   * The environment of a second agent process for this cluster, e.g. a misbehaving one: the running
   * agent's current (enrolled) credential as a static TETHER_AGENT_TOKEN.
   */
  agentEnv(cluster: 'dev-east' | 'dev-west'): Record<string, string>;
  /** A kubeconfig with one context per cluster, pointing at the broker. */
  kubeconfig(token: string): string;
  stop(): Promise<void>;
}

export async function startTetherStack(options: TetherStackOptions = {}): Promise<TetherStack> {
  const dir = options.stateDir ?? mkdtempSync(join(tmpdir(), 'tether-stack-'));
  const materials = await loadOrCreateMaterials(dir);
  const logIntervalMs = options.logIntervalMs ?? 200;
  const policyFile = options.policyFile ?? join(dir, 'policy.yaml');
  if (options.policyFile === undefined) copyFileSync(demoPolicyFile, policyFile);

  const clusters = {
    'dev-east': await ApiServerSimulator.start({
      clusterName: 'dev-east',
      tokens: demoClusterTokens,
      manifests: [demoClusterManifests, developersView],
      logIntervalMs,
    }),
    'dev-west': await ApiServerSimulator.start({
      clusterName: 'dev-west',
      tokens: demoClusterTokens,
      manifests: [demoClusterManifests, developersView],
      logIntervalMs,
    }),
  };
  const port = options.brokerPort || (await freePort());
  const brokerUrl = `https://127.0.0.1:${port}`;
  const metricsPort = await freePort();
  const agentHttpPorts: Record<string, number> = {
    'dev-east': await freePort(),
    'dev-west': await freePort(),
  };
  const idp = options.signIn ? await startStackIdp(brokerUrl, options.idpPort) : undefined;
  const signInEnv = idp ? brokerSignInEnv(idp) : {};
  const brokerOptions = {
    env: {
      TETHER_BROKER_PORT: String(port),
      TETHER_BROKER_TLS_CERT_FILE: materials.certFile,
      TETHER_BROKER_TLS_KEY_FILE: materials.keyFile,
      TETHER_BROKER_PUBLIC_URL: brokerUrl,
      TETHER_BROKER_SESSION_KEY_FILE: materials.sessionKeyFile,
      TETHER_BROKER_POLICY_FILE: policyFile,
      TETHER_BROKER_DATA_DIR: join(dir, 'broker-data'),
      TETHER_BROKER_METRICS_PORT: String(metricsPort),
      ...signInEnv,
      ...options.brokerEnv,
    },
    readyPattern: /broker listening/,
  };
  let broker = await startNode(brokerMain, brokerOptions);

  const sessions = new SessionTokenMinter(brokerUrl, materials.sessionKey);

  // The agents join as an operator's would: a join token from the broker's admin API, exchanged once
  // for a credential kept in the state folder (reused on the next start while it is valid).
  const admin = await sessions.mint('tether-stack', ['platform-admins']);
  const credentialFile = (name: string) => join(dir, `${name}-agent-credential.json`);
  const kubeconfigFor = (name: 'dev-east' | 'dev-west') => {
    const kubeconfigPath = join(dir, `${name}-agent.kubeconfig`);
    writeFileSync(kubeconfigPath, clusters[name].kubeconfig({ token: agentClusterToken }));
    return kubeconfigPath;
  };
  const enrolledAgentEnv = async (name: string, kubeconfigPath: string): Promise<Record<string, string>> => {
    const joinTokenFile = join(dir, `${name}-join-token`);
    writeFileSync(joinTokenFile, await joinTokenFor(brokerUrl, materials.caPem, admin, name), {
      mode: 0o600,
    });
    return {
      TETHER_AGENT_CLUSTER_NAME: name,
      TETHER_AGENT_BROKER_URL: brokerUrl,
      TETHER_AGENT_BROKER_CA_FILE: materials.caFile,
      TETHER_AGENT_JOIN_TOKEN_FILE: joinTokenFile,
      TETHER_AGENT_CREDENTIAL_FILE: credentialFile(name),
      TETHER_AGENT_KUBECONFIG: kubeconfigPath,
      TETHER_AGENT_HTTP_HOST: '127.0.0.1',
      TETHER_AGENT_HTTP_PORT: String(agentHttpPorts[name] ?? 0),
      ...options.agentEnv,
    };
  };
  // For a second process presenting this cluster's agent credential (e.g. an impostor): the credential
  // the running agent holds now, as a static token.
  const agentEnv = (name: 'dev-east' | 'dev-west'): Record<string, string> => {
    const stored = JSON.parse(readFileSync(credentialFile(name), 'utf8')) as { credential: string };
    return {
      TETHER_AGENT_CLUSTER_NAME: name,
      TETHER_AGENT_BROKER_URL: brokerUrl,
      TETHER_AGENT_BROKER_CA_FILE: materials.caFile,
      TETHER_AGENT_TOKEN: stored.credential,
      TETHER_AGENT_KUBECONFIG: kubeconfigFor(name),
      TETHER_AGENT_HTTP_HOST: '127.0.0.1',
      TETHER_AGENT_HTTP_PORT: '0',
    };
  };
  const agents = {} as Record<'dev-east' | 'dev-west', StartedNode>;
  for (const name of ['dev-east', 'dev-west'] as const) {
    agents[name] = await startNode(agentMain, {
      env: await enrolledAgentEnv(name, kubeconfigFor(name)),
      readyPattern: /tunnel connected/,
    });
  }
  const ownAgents: Record<string, StartedNode> = {};
  for (const own of options.ownClusters ?? []) {
    const env = await enrolledAgentEnv(own.name, own.kubeconfigPath);
    ownAgents[own.name] = await startNode(agentMain, {
      env: { ...env, ...(own.context ? { TETHER_AGENT_KUBE_CONTEXT: own.context } : {}) },
      readyPattern: /tunnel connected/,
    });
  }

  return {
    brokerUrl,
    brokerCaPem: materials.caPem,
    brokerCaFile: materials.caFile,
    brokerMetricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
    agentHttpUrls: {
      'dev-east': `http://127.0.0.1:${agentHttpPorts['dev-east']}`,
      'dev-west': `http://127.0.0.1:${agentHttpPorts['dev-west']}`,
    },
    clusters,
    agents,
    ownAgents,
    get broker() {
      return broker;
    },
    restartBroker: async () => {
      await broker.stop();
      broker = await startNode(brokerMain, brokerOptions);
    },
    policyFile,
    tokenFor: (username, groups) => sessions.mint(username, groups),
    agentEnv,
    kubeconfig: (token) => brokerKubeconfig(brokerUrl, materials.caPem, token),
    ...(idp ? { idp } : {}),
    stop: async () => {
      await Promise.all([...Object.values(agents), ...Object.values(ownAgents)].map((agent) => agent.stop()));
      await broker.stop();
      await idp?.close();
      await Promise.all(Object.values(clusters).map((cluster) => cluster.close()));
      if (!options.stateDir) rmSync(dir, { recursive: true, force: true });
    },
  };
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
