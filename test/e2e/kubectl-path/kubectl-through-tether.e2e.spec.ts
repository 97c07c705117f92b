import { request } from 'node:https';
import { KubectlRunner, startTetherStack, type TetherStack, waitForOutput } from '@tether/testing';

// kubectl → broker → tunnel → agent → API server simulator, on two clusters at once.
describe('kubectl through Tether', () => {
  let stack: TetherStack;
  let alice: KubectlRunner;
  let bob: KubectlRunner;

  beforeAll(async () => {
    stack = await startTetherStack();
    alice = new KubectlRunner(stack.kubeconfig(await stack.tokenFor('alice', ['platform-admins'])));
    bob = new KubectlRunner(stack.kubeconfig(await stack.tokenFor('bob', ['developers'])));
  });

  afterAll(async () => {
    alice?.dispose();
    bob?.dispose();
    await stack?.stop();
  });

  it('lists pods on both clusters', async () => {
    for (const context of ['dev-east', 'dev-west']) {
      const result = await alice.run(['--context', context, 'get', 'pods', '-n', 'web']);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/^NAME\s+READY\s+STATUS/);
      expect(result.stdout).toMatch(/frontend-\S+\s+1\/1\s+Running/);
    }
  });

  it('runs as the person, impersonated by the agent, with the request id as an extra', async () => {
    const result = await alice.run(['--context', 'dev-west', 'auth', 'whoami', '-o', 'json']);
    expect(result.code).toBe(0);
    const review = JSON.parse(result.stdout) as {
      status: { userInfo: { username: string; groups: string[]; extra: Record<string, string[]> } };
    };
    expect(review.status.userInfo.username).toBe('alice');
    expect(review.status.userInfo.groups).toEqual(
      expect.arrayContaining(['system:masters', 'system:authenticated']),
    );
    expect(review.status.userInfo.extra['tether.dev/request-id']).toHaveLength(1);
  });

  it('never forwards identity a client supplies: --as and --as-group are stripped at the broker', async () => {
    const result = await bob.run([
      '--context',
      'dev-west',
      '--as',
      'system:admin',
      '--as-group',
      'system:masters',
      'get',
      'pods',
      '-n',
      'payments',
    ]);
    expect(result.code).toBe(0);
    const seen = stack.clusters['dev-west'].requests.filter((r) =>
      r.path.startsWith('/api/v1/namespaces/payments/pods'),
    );
    expect(seen.length).toBeGreaterThan(0);
    for (const recorded of seen) {
      expect(recorded.authenticatedUser?.username).toBe('system:serviceaccount:tether-system:tether-agent');
      expect(recorded.effectiveUser?.username).toBe('bob');
      const impersonated = recorded.headers
        .filter(([name]) => /^impersonate-/i.test(name))
        .map(([name, value]) => `${name.toLowerCase()}=${value}`);
      expect(impersonated).toContain('impersonate-user=bob');
      expect(impersonated).not.toContain('impersonate-user=system:admin');
      expect(impersonated).not.toContain('impersonate-group=system:masters');
      const auditId = recorded.headers.find(([name]) => name.toLowerCase() === 'audit-id')?.[1];
      expect(impersonated).toContain(`impersonate-extra-tether.dev%2frequest-id=${auditId}`);
    }
  });

  it('denies at the broker what the policy does not allow, with the API server’s message shape and the reason', async () => {
    const result = await bob.run([
      '--context',
      'dev-west',
      'delete',
      'configmap',
      'frontend-config',
      '-n',
      'web',
    ]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(
      'configmaps "frontend-config" is forbidden: User "bob" cannot delete resource "configmaps" in API group "" in the namespace "web": ' +
        "no allow rule matched; closest: 'developers-read-dev-west' (verb delete not in [get, list, watch])",
    );
    const reached = stack.clusters['dev-west'].requests.some((r) => r.method === 'DELETE');
    expect(reached).toBe(false);
  });

  it('never lets read-only access open a shell, even though kubectl asks with a WebSocket GET', async () => {
    const result = await bob.run([
      '--context',
      'dev-west',
      'exec',
      '-n',
      'web',
      'deploy/frontend',
      '--',
      'echo',
      'hi',
    ]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/cannot create resource "pods\/exec"/);
    expect(stack.clusters['dev-west'].requests.some((r) => r.path.includes('/exec'))).toBe(false);
  });

  it('applies and deletes objects', async () => {
    const manifest = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: tether-e2e\n  namespace: web\ndata:\n  greeting: hello\n`;
    const applied = await bob.run(['--context', 'dev-east', 'apply', '-f', '-'], { stdin: manifest });
    expect(applied.stderr).toBe('');
    expect(applied.stdout.trim()).toBe('configmap/tether-e2e created');
    expect(stack.clusters['dev-east'].store.find('configmaps', 'web', 'tether-e2e')?.data).toEqual({
      greeting: 'hello',
    });
    const deleted = await bob.run([
      '--context',
      'dev-east',
      'delete',
      'configmap',
      'tether-e2e',
      '-n',
      'web',
    ]);
    expect(deleted.stdout.trim()).toBe('configmap "tether-e2e" deleted from web namespace');
  });

  it('streams a watch and sees a change made by another kubectl', async () => {
    const watcher = bob.spawn([
      '--context',
      'dev-east',
      'get',
      'configmaps',
      '-n',
      'web',
      '-w',
      '--output-watch-events',
    ]);
    await waitForOutput(watcher, /frontend-config/);
    const created = await alice.run(['--context', 'dev-east', 'create', '-f', '-'], {
      stdin: 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: watched, namespace: web }\ndata: { a: b }\n',
    });
    expect(created.stdout.trim()).toBe('configmap/watched created');
    const seen = await waitForOutput(watcher, /ADDED\s+watched/);
    expect(seen).toMatch(/ADDED\s+watched/);
    watcher.kill();
  });

  it('follows logs line by line', async () => {
    const pods = await alice.run(['--context', 'dev-east', 'get', 'pods', '-n', 'web', '-o', 'name']);
    const pod = pods.stdout.split('\n')[0] as string;
    const follower = alice.spawn(['--context', 'dev-east', 'logs', '-f', '-n', 'web', pod]);
    const first = await waitForOutput(follower, /: line \d+\n/);
    const lastSeen = Math.max(...[...first.matchAll(/: line (\d+)\n/g)].map((match) => Number(match[1])));
    // Lines written after kubectl connected arrive while it keeps following.
    await waitForOutput(follower, new RegExp(`: line ${lastSeen + 2}\\n`));
    follower.kill();
  });

  it('cancels the request at the API server when kubectl goes away', async () => {
    const pods = await alice.run(['--context', 'dev-west', 'get', 'pods', '-n', 'web', '-o', 'name']);
    const pod = pods.stdout.split('\n')[0] as string;
    const follower = alice.spawn(['--context', 'dev-west', 'logs', '-f', '-n', 'web', pod]);
    await waitForOutput(follower, /: line \d+\n/);
    const upstream = stack.clusters['dev-west'].requests.filter((r) => r.path.includes('/log?')).at(-1);
    expect(upstream?.statusCode).toBe(0); // still streaming
    follower.kill('SIGKILL');
    const deadline = Date.now() + 10_000;
    while (upstream?.statusCode === 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 100));
    expect(upstream?.statusCode).not.toBe(0);
  });

  it('runs exec with stdin and returns the remote exit code', async () => {
    const echoed = await alice.run(
      ['--context', 'dev-east', 'exec', '-i', '-n', 'web', 'deploy/frontend', '--', 'cat'],
      { stdin: 'through the tunnel\n' },
    );
    expect(echoed.stdout).toBe('through the tunnel\n');
    expect(echoed.code).toBe(0);
    const failed = await alice.run([
      '--context',
      'dev-east',
      'exec',
      '-n',
      'web',
      'deploy/frontend',
      '--',
      'sh',
      '-c',
      'exit 3',
    ]);
    expect(failed.code).toBe(3);
  });

  it('answers can-i for the impersonated person, with the cluster’s own RBAC', async () => {
    const allowed = await bob.run([
      '--context',
      'dev-east',
      'auth',
      'can-i',
      'create',
      'deployments',
      '-n',
      'web',
    ]);
    expect(allowed.stdout.trim()).toBe('yes');
    const list = await bob.run(['--context', 'dev-east', 'auth', 'can-i', '--list', '-n', 'web']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^configmaps\s+\[\]\s+\[\]\s+\[.*create.*\]/m);
  });

  it('carries exec over SPDY when kubectl falls back to it', async () => {
    const result = await alice.run(
      ['--context', 'dev-west', 'exec', '-i', '-n', 'web', 'deploy/frontend', '--', 'sh', '-c', 'exit 4'],
      {
        env: { KUBECTL_REMOTE_COMMAND_WEBSOCKETS: 'false' },
      },
    );
    expect(result.code).toBe(4);
    const upgrade = stack.clusters['dev-west'].requests.filter((r) => r.path.includes('/exec')).at(-1);
    expect(upgrade).toMatchObject({ method: 'POST', statusCode: 101 });
  });

  it('port-forwards to a pod', async () => {
    const forward = alice.spawn([
      '--context',
      'dev-east',
      'port-forward',
      '-n',
      'web',
      'deploy/frontend',
      ':80',
    ]);
    const output = await waitForOutput(forward, /Forwarding from 127\.0\.0\.1:(\d+)/);
    const port = Number(/Forwarding from 127\.0\.0\.1:(\d+)/.exec(output)?.[1]);
    const body = await httpGet(port);
    expect(body).toMatch(/frontend/);
    forward.kill();
  });

  it('answers unknown clusters with 404 and clusters without an agent with 503, as Status bodies', async () => {
    const token = await stack.tokenFor('alice', ['platform-admins']);
    const unknown = await brokerGet(stack, '/k8s/prod/api/v1/pods', token);
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.body)).toMatchObject({
      kind: 'Status',
      code: 404,
      message: 'cluster "prod" is not registered with Tether',
    });
    // Without a valid token nobody learns whether a cluster exists.
    const probing = await brokerGet(stack, '/k8s/prod/api/v1/pods', 'not-a-token');
    expect(probing.status).toBe(401);
    const unauthenticated = await brokerGet(stack, '/k8s/dev-east/api/v1/pods', 'not-a-token');
    expect(unauthenticated.status).toBe(401);
    expect(JSON.parse(unauthenticated.body)).toMatchObject({ kind: 'Status', reason: 'Unauthorized' });
    await stack.agents['dev-west'].stop();
    const offline = await brokerGet(stack, '/k8s/dev-west/api/v1/pods', token);
    expect(offline.status).toBe(503);
    expect(JSON.parse(offline.body)).toMatchObject({
      kind: 'Status',
      message: 'the Tether agent of cluster "dev-west" is not connected',
    });
  });
});

async function httpGet(port: number): Promise<string> {
  const { get } = await import('node:http');
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path: '/' }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

function brokerGet(
  stack: TetherStack,
  path: string,
  token: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request(
      `${stack.brokerUrl}${path}`,
      { ca: stack.brokerCaPem, headers: { Authorization: `Bearer ${token}` } },
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
