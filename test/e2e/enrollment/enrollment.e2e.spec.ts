/**
 * Enrollment end to end: alice (platform-admins) adds clusters with the real CLI, built agents join
 * simulated clusters with the printed join token and serve kubectl, a reused token is refused, the
 * credential lives in the simulator's Secret or in a private file, rotates without dropping the tunnel,
 * `tether cluster rotate` replaces an unused join token, and `tether cluster rm` closes the tunnel and
 * refuses the agent from then on.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ApiServerSimulator,
  demoClusterManifests,
  demoClusterTokens,
  findRepoRoot,
  KubectlRunner,
  runNode,
  type StartedNode,
  startNode,
  startTetherStack,
  type TetherStack,
} from '@tether/testing';

const repoRoot = findRepoRoot(__dirname);
const cliMain = join(repoRoot, 'apps', 'cli', 'dist', 'main.js');
const agentMain = join(repoRoot, 'apps', 'agent', 'dist', 'main.js');
const credentialTtlSeconds = 30; // the agent rotates at ~20 s

// What the agent chart installs next to the agent: an empty Secret and a Role for only that Secret.
const credentialSecret = `
apiVersion: v1
kind: Secret
metadata: { name: tether-agent-credential, namespace: tether-system }
type: Opaque
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: { name: tether-agent-credential, namespace: tether-system }
rules:
  - apiGroups: [""]
    resources: [secrets]
    resourceNames: [tether-agent-credential]
    verbs: [get, update, patch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: tether-agent-credential, namespace: tether-system }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: Role, name: tether-agent-credential }
subjects: [{ kind: ServiceAccount, name: tether-agent, namespace: tether-system }]
`;

interface Person {
  home: string;
  tether: (...args: string[]) => Promise<{ code: number; stdout: string; stderr: string }>;
  kubectl: (...args: string[]) => Promise<{ code: number; stdout: string; stderr: string }>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) =>
      setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms),
    ),
  ]);
}

describe('enrolling clusters with tether cluster and the join token', () => {
  let stack: TetherStack;
  let dir: string;
  let prod: ApiServerSimulator;
  let lab: ApiServerSimulator;
  let alice: Person;
  let bob: Person;
  const agents: StartedNode[] = [];
  const runners: KubectlRunner[] = [];
  let prodToken = '';

  async function signIn(user: string): Promise<Person> {
    const home = mkdtempSync(join(dir, `${user}-`));
    writeFileSync(join(home, 'broker-ca.pem'), stack.brokerCaPem);
    const env = { HOME: home, TETHER_CONFIG_DIR: join(home, 'tether'), KUBECONFIG: join(home, 'kubeconfig') };
    const runner = new KubectlRunner({ path: env.KUBECONFIG });
    runners.push(runner);
    const person: Person = {
      home,
      tether: (...args) => withTimeout(runNode(cliMain, { args, env }), 60_000, `tether ${args.join(' ')}`),
      kubectl: (...args) => runner.run(args, { env }),
    };
    const login = await person.tether(
      'login',
      '--broker',
      stack.brokerUrl,
      '--broker-ca',
      join(home, 'broker-ca.pem'),
      '--dev-user',
      user,
    );
    expect(login.code, login.stderr).toBe(0);
    return person;
  }

  function agentEnv(
    cluster: string,
    sim: ApiServerSimulator,
    extra: Record<string, string>,
  ): Record<string, string> {
    const kubeconfig = join(dir, `${cluster}-${agents.length}-agent.kubeconfig`);
    writeFileSync(kubeconfig, sim.kubeconfig({ token: 'agent-token' }));
    return {
      TETHER_AGENT_CLUSTER_NAME: cluster,
      TETHER_AGENT_BROKER_URL: stack.brokerUrl,
      TETHER_AGENT_BROKER_CA_FILE: stack.brokerCaFile,
      TETHER_AGENT_KUBECONFIG: kubeconfig,
      TETHER_AGENT_HTTP_HOST: '127.0.0.1',
      TETHER_AGENT_HTTP_PORT: '0',
      ...extra,
    };
  }

  async function startAgent(env: Record<string, string>): Promise<StartedNode> {
    const agent = await startNode(agentMain, { env, readyPattern: /tunnel connected/ });
    agents.push(agent);
    return agent;
  }

  function joinTokenFile(name: string, token: string): string {
    const path = join(dir, `${name}.join-token`);
    writeFileSync(path, `${token}\n`, { mode: 0o600 });
    return path;
  }

  const storedSecret = () =>
    prod.store.find('secrets', 'tether-system', 'tether-agent-credential') as
      { data?: Record<string, string> } | undefined;
  const secretCredential = () => {
    const data = storedSecret()?.data?.credential;
    return data === undefined ? undefined : Buffer.from(data, 'base64').toString('utf8');
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tether-enroll-e2e-'));
    stack = await startTetherStack({
      signIn: true,
      brokerEnv: { TETHER_BROKER_AGENT_CREDENTIAL_TTL_SECONDS: String(credentialTtlSeconds) },
    });
    const manifests = [demoClusterManifests, credentialSecret];
    prod = await ApiServerSimulator.start({ clusterName: 'prod-eu', tokens: demoClusterTokens, manifests });
    lab = await ApiServerSimulator.start({ clusterName: 'lab', tokens: demoClusterTokens, manifests });
    alice = await signIn('alice');
    bob = await signIn('bob');
  });
  afterAll(async () => {
    await Promise.all(agents.map((agent) => agent.stop()));
    await stack?.stop();
    await prod?.close();
    await lab?.close();
    for (const runner of runners) runner.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a developer may not add clusters and is told who may', async () => {
    const refused = await bob.tether('cluster', 'add', 'prod-eu');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('only members of platform-admins may add clusters');
    const ls = await bob.tether('cluster', 'ls');
    expect(ls.code).toBe(1);
    expect(ls.stderr).toContain('only members of platform-admins may see cluster enrollment');
  });

  it('alice adds prod-eu; the agent joins with the printed token, stores its credential in the Secret, and serves kubectl', async () => {
    const added = await alice.tether('cluster', 'add', 'prod-eu', '--labels', 'env=prod,region=eu');
    expect(added.code, added.stderr).toBe(0);
    prodToken = /^\s+(tjt_[A-Za-z0-9_-]{43})$/m.exec(added.stdout)?.[1] ?? '';
    expect(prodToken).not.toBe('');
    expect(added.stdout).toMatch(/works once, until \d{4}-\d\d-\d\dT/);
    expect(added.stdout).toContain(
      `helm install tether-agent-prod-eu deploy/helm/tether-agent --namespace tether-system --create-namespace --set clusterName=prod-eu --set broker.url=${stack.brokerUrl} --set joinToken=${prodToken} --set-file broker.caCert=`,
    );

    const agent = await startAgent(
      agentEnv('prod-eu', prod, {
        TETHER_AGENT_JOIN_TOKEN_FILE: joinTokenFile('prod-eu', prodToken),
        TETHER_AGENT_CREDENTIAL_SECRET: 'tether-agent-credential',
        TETHER_AGENT_NAMESPACE: 'tether-system',
      }),
    );
    expect(agent.output()).toContain('joined the broker with the join token');
    expect(secretCredential()).toMatch(/^tac_/);
    expect(agent.output()).not.toContain(secretCredential() as string);

    expect((await alice.tether('kube', 'login', '--all')).code).toBe(0);
    const pods = await alice.kubectl('--context', 'prod-eu', 'get', 'pods', '-n', 'web');
    expect(pods.code, pods.stderr).toBe(0);
    expect(pods.stdout).toMatch(/frontend-/);

    const ls = await alice.tether('cluster', 'ls');
    expect(ls.stdout).toMatch(/^prod-eu\s+online \(1\)\s+enrolled\s+used\s+\d{4}-.*env=prod,region=eu$/m);
    expect(ls.stdout).toMatch(/^dev-east\s+online \(1\)\s+enrolled\s+used/m);
  });

  it('the same join token on a second agent is refused, saying it was used and what to run', async () => {
    const second = await withTimeout(
      runNode(agentMain, {
        env: agentEnv('prod-eu', prod, {
          TETHER_AGENT_JOIN_TOKEN_FILE: joinTokenFile('prod-eu-again', prodToken),
          TETHER_AGENT_CREDENTIAL_FILE: join(dir, 'second-agent', 'credential.json'),
        }),
      }),
      30_000,
      'the second agent',
    );
    expect(second.code, second.stdout + second.stderr).toBe(1);
    expect(second.stderr).toMatch(/join_token_used.*already used.*tether cluster rotate prod-eu/);
  });

  it('an agent outside a cluster keeps its credential in a 0600 file and reuses it after a restart', async () => {
    const added = await alice.tether('cluster', 'add', 'lab', '-o', 'json');
    const { joinToken } = JSON.parse(added.stdout) as { joinToken: string };
    const credentialFile = join(dir, 'lab-agent', 'credential.json');
    const env = agentEnv('lab', lab, {
      TETHER_AGENT_JOIN_TOKEN_FILE: joinTokenFile('lab', joinToken),
      TETHER_AGENT_CREDENTIAL_FILE: credentialFile,
    });
    const first = await startAgent(env);
    expect(statSync(credentialFile).mode & 0o777).toBe(0o600);
    const stored = JSON.parse(readFileSync(credentialFile, 'utf8')) as {
      credential: string;
      cluster: string;
    };
    expect(stored).toMatchObject({ cluster: 'lab', credential: expect.stringMatching(/^tac_/) });
    await first.stop();

    const restarted = await startAgent(env); // the join token is used by now: only the stored credential works
    expect(restarted.output()).toContain('using the stored agent credential');
    expect((await alice.tether('kube', 'login', '--all')).code).toBe(0);
    const version = await alice.kubectl('--context', 'lab', 'get', 'namespaces');
    expect(version.code, version.stderr).toBe(0);
  });

  it('rotates the credential before it expires without dropping the tunnel', async () => {
    const agent = agents[0] as StartedNode;
    const before = secretCredential();
    const watch = alice.kubectl(
      '--context',
      'prod-eu',
      'get',
      'configmaps',
      '-n',
      'web',
      '-w',
      '--request-timeout=28s',
    );
    await eventually(
      'a rotation',
      async () => (agent.output().includes('agent credential rotated') ? true : undefined),
      30_000,
    );
    expect(secretCredential()).not.toBe(before);
    expect(agent.output()).not.toContain('tunnel disconnected');
    const after = await alice.kubectl('--context', 'prod-eu', 'get', 'pods', '-n', 'web');
    expect(after.code, after.stderr).toBe(0);
    const watched = await watch;
    expect(watched.stdout).toContain('frontend-config');
    expect(watched.stderr).not.toMatch(/error|unavailable/i);
  }, 60_000);

  it('tether cluster rotate prints a new join token with the helm lines for it; the unused token it replaced is refused', async () => {
    const added = await alice.tether('cluster', 'add', 'staging');
    expect(added.code, added.stderr).toBe(0);
    const oldToken = /^\s+(tjt_[A-Za-z0-9_-]{43})$/m.exec(added.stdout)?.[1] ?? '';
    expect(oldToken).not.toBe('');

    const rotated = await alice.tether('cluster', 'rotate', 'staging');
    expect(rotated.code, rotated.stderr).toBe(0);
    const printed =
      /^New join token for staging, valid once until (\S+):\n\n {2}(tjt_[A-Za-z0-9_-]{43})\n/.exec(
        rotated.stdout,
      );
    const [, expiresAt = '', newToken = ''] = printed ?? [];
    expect(newToken).not.toBe(oldToken);
    // The broker's default join token lifetime is an hour.
    const lifetimeMs = Date.parse(expiresAt) - Date.now();
    expect(lifetimeMs).toBeGreaterThan(55 * 60_000);
    expect(lifetimeMs).toBeLessThanOrEqual(60 * 60_000);
    const caFile = join(
      alice.home,
      'tether',
      `broker-ca-${new URL(stack.brokerUrl).host.replace(':', '_')}.pem`,
    );
    expect(readFileSync(caFile, 'utf8')).toBe(stack.brokerCaPem);
    const lines = rotated.stdout.split('\n');
    expect(lines).toContain("The agent's current credential keeps working until it expires.");
    expect(lines).toContain(
      `  helm upgrade tether-agent-staging deploy/helm/tether-agent --namespace tether-system --reuse-values --set joinToken=${newToken}`,
    );
    expect(lines).toContain(
      `  helm install tether-agent-staging deploy/helm/tether-agent --namespace tether-system --create-namespace --set clusterName=staging --set broker.url=${stack.brokerUrl} --set joinToken=${newToken} --set-file broker.caCert=${caFile}`,
    );

    const withOld = await withTimeout(
      runNode(agentMain, {
        env: agentEnv('staging', lab, {
          TETHER_AGENT_JOIN_TOKEN_FILE: joinTokenFile('staging-old', oldToken),
          TETHER_AGENT_CREDENTIAL_FILE: join(dir, 'staging-old-agent', 'credential.json'),
        }),
      }),
      30_000,
      'the agent with the replaced token',
    );
    expect(withOld.code, withOld.stdout + withOld.stderr).toBe(1);
    expect(withOld.stderr).toMatch(
      /join_token_revoked.*replaced by a newer one.*tether cluster rotate staging/,
    );

    const agent = await startAgent(
      agentEnv('staging', lab, {
        TETHER_AGENT_JOIN_TOKEN_FILE: joinTokenFile('staging', newToken),
        TETHER_AGENT_CREDENTIAL_FILE: join(dir, 'staging-agent', 'credential.json'),
      }),
    );
    expect(agent.output()).toContain('joined the broker with the join token');
    const ls = await alice.tether('cluster', 'ls');
    expect(ls.stdout).toMatch(/^staging\s+online \(1\)\s+enrolled\s+used/m);
    await agent.stop();
  });

  it('tether cluster rm closes the tunnel at once; kubectl gets a Status and the agent is refused but keeps running', async () => {
    const agent = agents[0] as StartedNode;
    const noConfirm = await alice.tether('cluster', 'rm', 'prod-eu');
    expect(noConfirm.code).toBe(2);
    expect(noConfirm.stderr).toContain('pass --yes');

    const removed = await alice.tether('cluster', 'rm', 'prod-eu', '--yes');
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stdout).toContain('Cluster prod-eu removed; 1 agent tunnel(s) closed.');

    const pods = await alice.kubectl('--context', 'prod-eu', 'get', 'pods', '-n', 'web');
    expect(pods.code).not.toBe(0);
    expect(pods.stderr).toContain('cluster "prod-eu" is not registered with Tether');
    await eventually('the agent to be refused', async () =>
      agent.output().includes("the broker refused this agent's credential") ? true : undefined,
    );
    expect(agent.output()).toMatch(/not valid for any registered cluster/);
    await sleep(1500);
    expect(agent.child.exitCode).toBeNull(); // retrying with backoff, not crash-looping
    const ls = await alice.tether('cluster', 'ls', '-o', 'json');
    expect(
      (JSON.parse(ls.stdout) as { clusters: { name: string }[] }).clusters.map((c) => c.name),
    ).not.toContain('prod-eu');
  });
});
