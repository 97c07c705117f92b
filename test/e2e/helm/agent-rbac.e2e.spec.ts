import {
  AGENT_NAMESPACE,
  AGENT_TOKEN,
  AGENT_USER,
  startAgentRbacCluster,
  type AgentRbacCluster,
} from './agent-rbac-cluster.js';
import { kubeRequest } from './kube-request.js';

// The agent chart's RBAC, loaded into the API server simulator, proven sufficient (every impersonation
// Tether sends works) and minimal (the agent reads nothing as itself, impersonates nothing else).
const credentialSecret = 'tether-agent-credential';
const requestIdHeader = 'Impersonate-Extra-tether.dev%2Frequest-id';

function asPerson(extra: Record<string, string | string[]> = {}): Record<string, string | string[]> {
  return {
    'Impersonate-User': 'alice@example.com',
    'Impersonate-Group': ['developers', 'oidc:team-web'],
    'Impersonate-Uid': 'uid-alice',
    [requestIdHeader]: 'req-7f3a',
    ...extra,
  };
}

describe('agent chart RBAC, default values', () => {
  let cluster: AgentRbacCluster;
  beforeAll(async () => {
    cluster = await startAgentRbacCluster({});
  });
  afterAll(() => cluster.stop());

  it('impersonates a person with groups, a uid and the request id, and the request gets their RBAC', async () => {
    const review = await kubeRequest(
      cluster.sim,
      AGENT_TOKEN,
      'POST',
      '/apis/authentication.k8s.io/v1/selfsubjectreviews',
      {
        headers: asPerson(),
        body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
      },
    );
    expect(review.status).toBe(201);
    expect(review.body.status).toEqual({
      userInfo: {
        username: 'alice@example.com',
        uid: 'uid-alice',
        groups: ['developers', 'oidc:team-web', 'system:authenticated'],
        extra: { 'tether.dev/request-id': ['req-7f3a'] },
      },
    });

    const configMap = await kubeRequest(
      cluster.sim,
      AGENT_TOKEN,
      'GET',
      '/api/v1/namespaces/web/configmaps/frontend-config',
      { headers: asPerson() },
    );
    expect(configMap.status).toBe(200);
    expect(configMap.body.data).toEqual({ BACKEND_URL: 'http://api.payments.svc' });
  });

  it('impersonates with kubectl --as, --as-group and --as-uid', async () => {
    const whoami = await cluster.agent.run([
      'auth',
      'whoami',
      '--as=alice@example.com',
      '--as-group=developers',
      '--as-uid=uid-alice',
    ]);
    expect(whoami.code).toBe(0);
    expect(whoami.stdout).toMatch(/^Username\s+alice@example\.com$/m);
    expect(whoami.stdout).toMatch(/^UID\s+uid-alice$/m);
    expect(whoami.stdout).toMatch(/^Groups\s+\[developers system:authenticated\]$/m);
    const pods = await cluster.agent.run([
      'get',
      'configmaps',
      '-n',
      'web',
      '--as=alice@example.com',
      '--as-group=developers',
    ]);
    expect(pods.code).toBe(0);
    expect(pods.stdout).toMatch(/^frontend-config\s/m);
  });

  it("answers the agent's start-up SelfSubjectAccessReview with allowed", async () => {
    const review = await kubeRequest(
      cluster.sim,
      AGENT_TOKEN,
      'POST',
      '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
      {
        body: {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SelfSubjectAccessReview',
          spec: { resourceAttributes: { verb: 'impersonate', resource: 'users', group: '' } },
        },
      },
    );
    expect(review.status).toBe(201);
    expect(review.body.status).toMatchObject({ allowed: true });
    expect((await cluster.agent.run(['auth', 'can-i', 'impersonate', 'users'])).stdout).toBe('yes\n');
  });

  it('cannot read or list secrets as itself, cluster-wide or in its own namespace', async () => {
    const all = await cluster.agent.run(['get', 'secrets', '-A']);
    expect(all.code).toBe(1);
    expect(all.stderr).toContain(
      `secrets is forbidden: User "${AGENT_USER}" cannot list resource "secrets" in API group "" at the cluster scope`,
    );
    const other = await cluster.agent.run(['get', 'secret', 'another-secret', '-n', AGENT_NAMESPACE]);
    expect(other.code).toBe(1);
    expect(other.stderr).toContain(
      `secrets "another-secret" is forbidden: User "${AGENT_USER}" cannot get resource "secrets" in API group "" in the namespace "${AGENT_NAMESPACE}"`,
    );
    const listOwn = await cluster.agent.run(['get', 'secrets', '-n', AGENT_NAMESPACE]);
    expect(listOwn.code).toBe(1);
    expect(listOwn.stderr).toContain('cannot list resource "secrets"');
    const elsewhere = await cluster.agent.run(['get', 'secret', 'db-credentials', '-n', 'payments']);
    expect(elsewhere.code).toBe(1);
    expect(elsewhere.stderr).toContain('cannot get resource "secrets"');
  });

  it('may read and write only its own credential Secret, which the chart created empty', async () => {
    const own = await cluster.agent.run([
      'get',
      'secret',
      credentialSecret,
      '-n',
      AGENT_NAMESPACE,
      '-o',
      'json',
    ]);
    expect(own.code).toBe(0);
    expect((JSON.parse(own.stdout) as { data?: unknown }).data).toBeUndefined();
    const patch = JSON.stringify({
      data: { credential: Buffer.from('issued-by-broker').toString('base64') },
    });
    const patched = await cluster.agent.run([
      'patch',
      'secret',
      credentialSecret,
      '-n',
      AGENT_NAMESPACE,
      '--type=merge',
      '-p',
      patch,
    ]);
    expect(patched.code).toBe(0);
    // The agent's store replaces the Secret (update, carrying the resourceVersion it read).
    const current = JSON.parse(
      (await cluster.agent.run(['get', 'secret', credentialSecret, '-n', AGENT_NAMESPACE, '-o', 'json']))
        .stdout,
    ) as { data: Record<string, string> };
    current.data = { credential: Buffer.from('rotated').toString('base64') };
    const replaced = await cluster.agent.run(['replace', '-f', '-'], { stdin: JSON.stringify(current) });
    expect(replaced.stderr).toBe('');
    expect(replaced.code).toBe(0);
    const created = await cluster.agent.run([
      'create',
      'secret',
      'generic',
      'smuggled',
      '-n',
      AGENT_NAMESPACE,
      '--from-literal=a=b',
    ]);
    expect(created.code).toBe(1);
    expect(created.stderr).toContain('cannot create resource "secrets"');
    const deleted = await cluster.agent.run(['delete', 'secret', credentialSecret, '-n', AGENT_NAMESPACE]);
    expect(deleted.code).toBe(1);
    expect(deleted.stderr).toContain('cannot delete resource "secrets"');
  });

  it('cannot list pods or read anything else as itself', async () => {
    const pods = await cluster.agent.run(['get', 'pods', '-n', 'web']);
    expect(pods.code).toBe(1);
    expect(pods.stderr).toContain(
      `pods is forbidden: User "${AGENT_USER}" cannot list resource "pods" in API group "" in the namespace "web"`,
    );
    expect((await cluster.agent.run(['auth', 'can-i', 'get', 'configmaps', '-n', 'web'])).stdout).toBe(
      'no\n',
    );
    expect((await cluster.agent.run(['auth', 'can-i', 'create', 'pods/exec', '-n', 'web'])).stdout).toBe(
      'no\n',
    );
  });

  it('cannot impersonate a service account by default', async () => {
    const result = await cluster.agent.run([
      'get',
      'configmaps',
      '-n',
      'payments',
      '--as=system:serviceaccount:payments:deployer',
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `serviceaccounts "deployer" is forbidden: User "${AGENT_USER}" cannot impersonate resource "serviceaccounts" in API group "" in the namespace "payments"`,
    );
  });

  it('cannot impersonate an extra key the chart did not list', async () => {
    const result = await kubeRequest(cluster.sim, AGENT_TOKEN, 'GET', '/api/v1/namespaces/web/configmaps', {
      headers: asPerson({ 'Impersonate-Extra-acme.com%2Fproject': 'apollo' }),
    });
    expect(result.status).toBe(403);
    expect(result.body.message).toBe(
      `userextras.authentication.k8s.io "apollo" is forbidden: User "${AGENT_USER}" cannot impersonate resource "userextras/acme.com/project" in API group "authentication.k8s.io" at the cluster scope`,
    );
  });
});

describe('agent chart RBAC with service accounts and another extra enabled', () => {
  let cluster: AgentRbacCluster;
  beforeAll(async () => {
    cluster = await startAgentRbacCluster({
      rbac: {
        impersonateServiceAccounts: true,
        impersonateExtras: ['tether.dev/request-id', 'acme.com/project'],
      },
    });
  });
  afterAll(() => cluster.stop());

  it('impersonates a service account, which then has only its own RBAC', async () => {
    const allowed = await cluster.agent.run([
      'get',
      'configmaps',
      '-n',
      'payments',
      '--as=system:serviceaccount:payments:deployer',
    ]);
    expect(allowed.code).toBe(0);
    const denied = await cluster.agent.run([
      'get',
      'configmaps',
      '-n',
      'web',
      '--as=system:serviceaccount:payments:deployer',
    ]);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain(
      'User "system:serviceaccount:payments:deployer" cannot list resource "configmaps"',
    );
  });

  it('impersonates the extra key it was given', async () => {
    const review = await kubeRequest(
      cluster.sim,
      AGENT_TOKEN,
      'POST',
      '/apis/authentication.k8s.io/v1/selfsubjectreviews',
      {
        headers: asPerson({ 'Impersonate-Extra-acme.com%2Fproject': 'apollo' }),
        body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
      },
    );
    expect(review.status).toBe(201);
    expect(review.body.status).toMatchObject({
      userInfo: { extra: { 'acme.com/project': ['apollo'], 'tether.dev/request-id': ['req-7f3a'] } },
    });
  });

  it('still reads no secrets as itself', async () => {
    const result = await cluster.agent.run(['get', 'secrets', '-A']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('cannot list resource "secrets"');
  });
});
