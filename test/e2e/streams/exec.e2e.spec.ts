import { waitForOutput } from '@tether/testing';
import { SPDY_EXEC, startStreamCluster, type StreamCluster } from './stream-cluster.js';

// The real kubectl execs into the simulated pod over both transports it knows.
describe.each([
  ['WebSocket (v5.channel.k8s.io)', {}, 'GET'],
  ['SPDY/3.1 (v4.channel.k8s.io)', SPDY_EXEC, 'POST'],
])('kubectl exec over %s', (_transport, env: Record<string, string>, method) => {
  let cluster: StreamCluster;

  beforeAll(async () => {
    cluster = await startStreamCluster();
  });
  afterAll(() => cluster.stop());

  it('runs echo and exits 0', async () => {
    const result = await cluster.kubectl.run(['exec', 'api-1', '-c', 'api', '--', 'echo', 'hello', 'world'], {
      env,
    });
    expect(result).toEqual({ code: 0, stdout: 'hello world\n', stderr: '' });
    const exec = cluster.sim.requests.filter((request) => request.path.includes('/pods/api-1/exec'));
    expect(exec.map((request) => [request.method, request.statusCode])).toEqual([[method, 101]]);
  });

  it('pipes stdin through cat until stdin closes', async () => {
    const input = 'first line\nsecond line\n'.repeat(200);
    const result = await cluster.kubectl.run(['exec', '-i', 'api-1', '-c', 'api', '--', 'cat'], {
      env,
      stdin: input,
    });
    expect(result).toEqual({ code: 0, stdout: input, stderr: '' });
  });

  it('keeps stdout and stderr apart and exits with the command exit code', async () => {
    const script = 'echo out; echo err >&2; exit 3';
    const result = await cluster.kubectl.run(['exec', 'api-1', '-c', 'api', '--', 'sh', '-c', script], {
      env,
    });
    expect(result.code).toBe(3);
    expect(result.stdout).toBe('out\n');
    expect(result.stderr).toBe('err\ncommand terminated with exit code 3\n');
  });

  it('shows the container environment', async () => {
    const result = await cluster.kubectl.run(['exec', 'api-1', '-c', 'api', '--', 'env'], { env });
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n')).toEqual(
      expect.arrayContaining(['HOSTNAME=api-1', 'LOG_LEVEL=debug', 'KUBERNETES_SERVICE_HOST=10.96.0.1']),
    );
  });

  it('fails like the container runtime for a program the image does not have', async () => {
    const result = await cluster.kubectl.run(['exec', 'api-1', '-c', 'api', '--', 'nosuch'], { env });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(
      /^error: Internal error occurred: error executing command in container: failed to exec in container: .*exec: "nosuch": executable file not found in \$PATH: unknown\n$/,
    );
  });

  it('ends a running command with exit code 137 when the pod is deleted', async () => {
    const pod = `doomed-${method.toLowerCase()}`;
    await cluster.addPod(pod);
    const child = cluster.kubectl.spawn(
      ['exec', pod, '-c', 'api', '--', 'sh', '-c', 'echo started; sleep 300'],
      env,
    );
    await waitForOutput(child, /started/);
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    const deleted = await cluster.kubectl.run(['delete', 'pod', pod, '--wait=false']);
    expect(deleted.code).toBe(0);
    expect(await exited).toBe(137);
  });
});
