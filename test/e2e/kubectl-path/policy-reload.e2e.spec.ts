import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoPolicyFile, KubectlRunner, startTetherStack, type TetherStack } from '@tether/testing';

interface PolicyStatusView {
  loaded: boolean;
  version: string | null;
  loadedAt: string | null;
  lastError: string | null;
}

const deleteConfigmapsInWeb = `
  - name: developers-delete-configmaps-dev-west
    allow:
      groups: developers
      cluster: dev-west
      namespace: web
      resource: configmaps
      verb: delete
`;
// A typo an operator could make: `grops` must not silently widen (or narrow) anyone's access.
const typo = `
  - name: developers-everything
    allow:
      grops: developers
`;

/** The demo policy with `rules` appended to its rule list (it ends with the rules, then `impersonation:`). */
function demoPolicyWith(rules: string): string {
  return readFileSync(demoPolicyFile, 'utf8').replace(
    /\n# What the clusters see/,
    `${rules}\n# What the clusters see`,
  );
}

function brokerGet(
  stack: TetherStack,
  path: string,
  token?: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request(
      `${stack.brokerUrl}${path}`,
      { ca: stack.brokerCaPem, headers: token === undefined ? {} : { Authorization: `Bearer ${token}` } },
      (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    )
      .on('error', reject)
      .end();
  });
}

async function policyStatus(stack: TetherStack, token: string): Promise<PolicyStatusView> {
  const reply = await brokerGet(stack, '/api/policy/status', token);
  expect(reply.status).toBe(200);
  return JSON.parse(reply.body) as PolicyStatusView;
}

/** Polls the status endpoint until `done` holds; the broker re-reads the file every 2 s. */
async function statusWhen(
  stack: TetherStack,
  token: string,
  done: (status: PolicyStatusView) => boolean,
): Promise<PolicyStatusView> {
  const deadline = Date.now() + 15_000;
  let status = await policyStatus(stack, token);
  while (!done(status) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    status = await policyStatus(stack, token);
  }
  return status;
}

const deleteFrontendConfig = ['--context', 'dev-west', 'delete', 'configmap', 'frontend-config', '-n', 'web'];

describe('editing the policy while the broker runs', () => {
  let stack: TetherStack;
  let token: string;
  let bob: KubectlRunner;

  beforeAll(async () => {
    stack = await startTetherStack();
    token = await stack.tokenFor('bob', ['developers']);
    bob = new KubectlRunner(stack.kubeconfig(token));
  });
  afterAll(async () => {
    bob?.dispose();
    await stack?.stop();
  });

  it('shows the policy in force only to signed-in people', async () => {
    expect((await brokerGet(stack, '/api/policy/status')).status).toBe(401);
    const status = await policyStatus(stack, token);
    expect(status).toMatchObject({ loaded: true, lastError: null });
    expect(status.version).toMatch(/^[0-9a-f]{64}$/);
    expect(Date.parse(status.loadedAt ?? '')).not.toBeNaN();
  });

  it('takes up a new rule within seconds: a delete that was denied goes through', async () => {
    const before = await bob.run(deleteFrontendConfig);
    expect(before.code).not.toBe(0);
    expect(before.stderr).toContain("no allow rule matched; closest: 'developers-read-dev-west'");
    const { version } = await policyStatus(stack, token);

    writeFileSync(stack.policyFile, demoPolicyWith(deleteConfigmapsInWeb));
    const reloaded = await statusWhen(stack, token, (status) => status.version !== version);
    expect(reloaded).toMatchObject({ loaded: true, lastError: null });
    expect(reloaded.version).not.toBe(version);

    const after = await bob.run(deleteFrontendConfig);
    expect(after.stderr).toBe('');
    expect(after.stdout.trim()).toBe('configmap "frontend-config" deleted from web namespace');
    expect(stack.clusters['dev-west'].store.find('configmaps', 'web', 'frontend-config')).toBeUndefined();
    const clusters = JSON.parse((await brokerGet(stack, '/api/clusters', token)).body) as {
      clusters: { name: string; access: string }[];
    };
    expect(clusters.clusters.find((c) => c.name === 'dev-west')?.access).toContain(
      'developers-delete-configmaps-dev-west (delete in namespace web, with further conditions)',
    );
  });

  it('keeps the last good policy when an edit is broken, and says what is wrong and where', async () => {
    const good = await policyStatus(stack, token);
    writeFileSync(stack.policyFile, demoPolicyWith(deleteConfigmapsInWeb + typo));
    const rejected = await statusWhen(stack, token, (status) => status.lastError !== null);
    expect(rejected).toMatchObject({ loaded: true, version: good.version, loadedAt: good.loadedAt });
    expect(rejected.lastError).toMatch(
      /^the policy is invalid:\n {2}rules\[6\]\.allow\.grops \(line \d+, column \d+\): unknown criterion 'grops'/,
    );

    // Still the previous policy: the delete rule holds, and nothing the typo meant to allow is allowed.
    const created = await bob.run(['--context', 'dev-west', 'create', 'configmap', 'scratch', '-n', 'web']);
    expect(created.code).not.toBe(0);
    expect(created.stderr).toContain("no allow rule matched; closest: 'developers-read-dev-west'");
    const scratch = 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: scratch, namespace: web }\n';
    const alice = new KubectlRunner(stack.kubeconfig(await stack.tokenFor('alice', ['platform-admins'])));
    try {
      expect((await alice.run(['--context', 'dev-west', 'create', '-f', '-'], { stdin: scratch })).code).toBe(
        0,
      );
    } finally {
      alice.dispose();
    }
    const deleted = await bob.run(['--context', 'dev-west', 'delete', 'configmap', 'scratch', '-n', 'web']);
    expect(deleted.stdout.trim()).toBe('configmap "scratch" deleted from web namespace');

    writeFileSync(stack.policyFile, demoPolicyWith(deleteConfigmapsInWeb));
    const fixed = await statusWhen(stack, token, (status) => status.lastError === null);
    expect(fixed).toMatchObject({ loaded: true, lastError: null });
  });
});

describe('a broker whose policy file is broken at start', () => {
  let stack: TetherStack;
  let dir: string;
  let token: string;
  let bob: KubectlRunner;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tether-policy-'));
    const policyFile = join(dir, 'policy.yaml');
    writeFileSync(policyFile, demoPolicyWith(typo));
    stack = await startTetherStack({ policyFile });
    token = await stack.tokenFor('bob', ['developers']);
    bob = new KubectlRunner(stack.kubeconfig(token));
  });
  afterAll(async () => {
    bob?.dispose();
    await stack?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts, denies everything with the reason, and lets people in once the file is fixed', async () => {
    const denied = await brokerGet(stack, '/k8s/dev-west/api/v1/namespaces/web/configmaps', token);
    expect(denied.status).toBe(403);
    expect(JSON.parse(denied.body)).toMatchObject({
      kind: 'Status',
      reason: 'Forbidden',
      message:
        'configmaps is forbidden: User "bob" cannot list resource "configmaps" in API group "" in the namespace "web": ' +
        'no policy is loaded, so every request is denied (the policy is invalid; see the broker log or /api/policy/status)',
    });
    const kubectl = await bob.run(['--context', 'dev-west', 'get', 'configmaps', '-n', 'web']);
    expect(kubectl.code).not.toBe(0);
    expect(kubectl.stderr).toContain('Error from server (Forbidden)');
    expect(stack.clusters['dev-west'].requests.some((r) => r.path.includes('/configmaps'))).toBe(false);
    const status = await policyStatus(stack, token);
    expect(status).toMatchObject({ loaded: false, version: null, loadedAt: null });
    expect(status.lastError).toContain("unknown criterion 'grops'");

    writeFileSync(stack.policyFile, readFileSync(demoPolicyFile, 'utf8'));
    await statusWhen(stack, token, (current) => current.loaded);
    const allowed = await bob.run(['--context', 'dev-west', 'get', 'configmaps', '-n', 'web', '-o', 'name']);
    expect(allowed.stderr).toBe('');
    expect(allowed.stdout).toContain('configmap/frontend-config');
  });
});
