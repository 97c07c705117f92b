import { waitForOutput, type KubectlRunner } from '@tether/testing';
import { startDemoCluster, type DemoCluster } from './demo-cluster.js';

// Pod streams through the simulator's routing and authorization: logs -f, exec, port-forward.
describe('pod streams on the simulated cluster', () => {
  let cluster: DemoCluster;
  let admin: KubectlRunner;
  let pod: string;

  beforeAll(async () => {
    cluster = await startDemoCluster();
    admin = cluster.kubectl('admin-token', 'web');
    const pods = await admin.run([
      'get',
      'pods',
      '-l',
      'app=frontend',
      '-o',
      'jsonpath={.items[0].metadata.name}',
    ]);
    pod = pods.stdout;
  });
  afterAll(() => cluster.stop());

  it('follows a log until the pod is deleted', async () => {
    const logs = admin.spawn(['logs', '-f', pod]);
    const exited = new Promise<number | null>((resolve) => logs.on('close', resolve));
    const first = await waitForOutput(logs, /line 3\b/);
    expect(first).toMatch(new RegExp(`pod web/${pod} container nginx: line 1`));
    // Following: new lines keep arriving after the first batch.
    expect(await waitForOutput(logs, /container nginx: line \d+\n/)).toMatch(/line \d+/);
    cluster.sim.store.delete('pods', 'web', pod);
    expect(await exited).toBe(0);
    pod = (await admin.run(['get', 'pods', '-l', 'app=frontend', '-o', 'jsonpath={.items[0].metadata.name}']))
      .stdout;
  });

  it('runs exec with stdin and reports a non-zero exit code', async () => {
    const echoed = await admin.run(['exec', '-i', pod, '--', 'sh', '-c', 'cat; exit 3'], {
      stdin: 'hello from stdin\n',
    });
    expect(echoed.stdout).toBe('hello from stdin\n');
    expect(echoed.stderr).toMatch(/command terminated with exit code 3/);
    expect(echoed.code).toBe(3);
    const ok = await admin.run(['exec', pod, '--', 'echo', 'fine']);
    expect(ok).toEqual({ code: 0, stdout: 'fine\n', stderr: '' });
  });

  it('refuses exec to a user without pods/exec, with the real message', async () => {
    const bob = cluster.kubectl('bob-token', 'web');
    const result = await bob.run(['exec', pod, '--', 'echo', 'nope']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      new RegExp(
        `pods "${pod}" is forbidden: User "bob@example\\.com" cannot (get|create) resource "pods/exec" in API group "" in the namespace "web"`,
      ),
    );
    expect(result.stdout).toBe('');
  });

  it('rejects an unknown container with a 400', async () => {
    const result = await admin.run(['exec', pod, '-c', 'nope', '--', 'true']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`container nope is not valid for pod ${pod}`));
  });

  it('forwards a local port to the pod and carries an HTTP request', async () => {
    const forward = admin.spawn(['port-forward', `pod/${pod}`, ':80']);
    try {
      const ready = await waitForOutput(forward, /Forwarding from 127\.0\.0\.1:(\d+) -> 80/);
      const port = /127\.0\.0\.1:(\d+)/.exec(ready)?.[1];
      const response = await fetch(`http://127.0.0.1:${port}/`);
      expect(response.status).toBe(200);
      expect(await response.text()).toMatch(new RegExp(`pod web/${pod} port 80`));
    } finally {
      forward.kill();
    }
    const recorded = cluster.sim.requests.find((r) => r.path.includes(`/pods/${pod}/portforward`));
    expect(recorded?.statusCode).toBe(101);
  });
});
