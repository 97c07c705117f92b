import { RequestRecorder, type KubectlRunner } from '@tether/testing';
import { startDemoCluster, type DemoCluster } from './demo-cluster.js';

// Authentication, RBAC and impersonation as kubectl sees them: whoami, can-i, --as/--as-group.
describe('identity, RBAC and impersonation on the simulated cluster', () => {
  let cluster: DemoCluster;
  let alice: KubectlRunner;
  let agent: KubectlRunner;

  beforeAll(async () => {
    cluster = await startDemoCluster();
    alice = cluster.kubectl('alice-token');
    agent = cluster.kubectl('agent-token');
  });
  afterAll(() => cluster.stop());

  it('tells a user who they are', async () => {
    const result = await alice.run(['auth', 'whoami']);
    expect(result.stdout).toBe(
      'ATTRIBUTE   VALUE\nUsername    alice@example.com\nUID         uid-alice\nGroups      [developers system:authenticated]\n',
    );
  });

  it('answers can-i from RBAC: edit in web, nothing in payments', async () => {
    expect((await alice.run(['auth', 'can-i', 'create', 'deployments', '-n', 'web'])).stdout).toBe('yes\n');
    const denied = await alice.run(['auth', 'can-i', 'delete', 'pods', '-n', 'payments']);
    expect(denied.stdout).toBe('no\n');
    expect(denied.code).toBe(1);
    expect((await alice.run(['auth', 'can-i', 'create', 'pods/exec', '-n', 'web'])).stdout).toBe('yes\n');
  });

  it('lists what a user may do in a namespace with can-i --list', async () => {
    const result = await alice.run(['auth', 'can-i', '--list', '-n', 'web']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Resources\s+Non-Resource URLs\s+Resource Names\s+Verbs$/m);
    expect(result.stdout).toMatch(
      /^pods\s+\[\]\s+\[\]\s+\[get list watch create delete deletecollection patch update\]$/m,
    );
    expect(result.stdout).toMatch(
      /^deployments\.apps\s+\[\]\s+\[\]\s+\[get list watch create delete deletecollection patch update\]$/m,
    );
    expect(result.stdout).toMatch(
      /^selfsubjectreviews\.authentication\.k8s\.io\s+\[\]\s+\[\]\s+\[create\]$/m,
    );
    const elsewhere = await alice.run(['auth', 'can-i', '--list', '-n', 'payments']);
    expect(elsewhere.stdout).not.toMatch(/^pods\s/m);
  });

  it('forbids what RBAC does not grant, with the real message', async () => {
    const result = await alice.run(['get', 'pods', '-n', 'payments']);
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(
      'Error from server (Forbidden): pods is forbidden: User "alice@example.com" cannot list resource "pods" in API group "" in the namespace "payments"',
    );
    const secret = await alice.run(['get', 'secret', 'db-credentials', '-n', 'payments']);
    expect(secret.stderr.trim()).toBe(
      'Error from server (Forbidden): secrets "db-credentials" is forbidden: User "alice@example.com" cannot get resource "secrets" in API group "" in the namespace "payments"',
    );
  });

  it("lets the agent impersonate a person and a group, then applies that person's RBAC", async () => {
    const whoami = await agent.run([
      'auth',
      'whoami',
      '--as=alice@example.com',
      '--as-group=developers',
      '--as-group=team:web',
    ]);
    expect(whoami.stdout).toMatch(/^Username\s+alice@example\.com$/m);
    expect(whoami.stdout).toMatch(/^Groups\s+\[developers team:web system:authenticated\]$/m);
    const pods = await agent.run([
      'get',
      'pods',
      '-n',
      'web',
      '--as=alice@example.com',
      '--as-group=developers',
    ]);
    expect(pods.code).toBe(0);
    expect(pods.stdout).toMatch(/frontend-\S+\s+1\/1\s+Running/);
    const secrets = await agent.run([
      'get',
      'secrets',
      '-n',
      'payments',
      '--as=alice@example.com',
      '--as-group=developers',
    ]);
    expect(secrets.stderr.trim()).toBe(
      'Error from server (Forbidden): secrets is forbidden: User "alice@example.com" cannot list resource "secrets" in API group "" in the namespace "payments"',
    );
    const recorded = cluster.sim.requests.filter(
      (r) =>
        r.path.startsWith('/api/v1/namespaces/web/pods') && r.effectiveUser?.username === 'alice@example.com',
    );
    expect(recorded.length).toBeGreaterThan(0);
    const request = recorded[0]!;
    expect(RequestRecorder.headerValues(request, 'Impersonate-User')).toEqual(['alice@example.com']);
    expect(RequestRecorder.headerValues(request, 'Impersonate-Group')).toEqual(['developers']);
    expect(request.authenticatedUser?.username).toBe('system:serviceaccount:tether-system:tether-agent');
    expect(request.decision).toBe('allowed');
  });

  it('refuses impersonation to someone without the impersonate verb, with the real message', async () => {
    const result = await alice.run(['get', 'pods', '-n', 'web', '--as=bob@example.com']);
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n').pop()).toBe(
      'Error from server (Forbidden): users "bob@example.com" is forbidden: User "alice@example.com" cannot impersonate resource "users" in API group "" at the cluster scope',
    );
    const forbidden = cluster.sim.requests.filter(
      (r) => r.decision === 'forbidden' && r.authenticatedUser?.username === 'alice@example.com',
    );
    expect(forbidden.some((r) => r.statusCode === 403 && r.effectiveUser === undefined)).toBe(true);
  });

  it("checks a service account impersonation in the account's namespace", async () => {
    const result = await alice.run([
      'get',
      'pods',
      '-n',
      'web',
      '--as=system:serviceaccount:payments:default',
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n').pop()).toBe(
      'Error from server (Forbidden): serviceaccounts "default" is forbidden: User "alice@example.com" cannot impersonate resource "serviceaccounts" in API group "" in the namespace "payments"',
    );
    const asAccount = await agent.run(['auth', 'whoami', '--as=system:serviceaccount:payments:default']);
    expect(asAccount.stdout).toMatch(
      /^Groups\s+\[system:serviceaccounts system:serviceaccounts:payments system:authenticated\]$/m,
    );
  });
});
