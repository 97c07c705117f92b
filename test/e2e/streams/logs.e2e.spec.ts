import { waitForOutput } from '@tether/testing';
import { startStreamCluster, type StreamCluster } from './stream-cluster.js';

const LINE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z pod web\/api-1 container (api|sidecar): line (\d+)$/;

describe('kubectl logs on the simulated pod', () => {
  let cluster: StreamCluster;

  beforeAll(async () => {
    cluster = await startStreamCluster();
  });
  afterAll(() => cluster.stop());

  it('prints the container output, honouring --tail and --timestamps', async () => {
    const result = await cluster.kubectl.run(['logs', 'api-1', '-c', 'sidecar', '--tail=2', '--timestamps']);
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      const [stamp, ...rest] = line.split(' ');
      expect(stamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
      expect(rest.join(' ')).toMatch(LINE);
    }
    const [first, second] = lines.map((line) => Number(LINE.exec(line.split(' ').slice(1).join(' '))?.[2]));
    expect(second).toBe(first + 1);
  });

  it('answers --previous like a pod whose container never restarted', async () => {
    const result = await cluster.kubectl.run(['logs', 'api-1', '-c', 'api', '--previous']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'Error from server (BadRequest): previous terminated container "api" in pod "api-1" not found\n',
    );
  });

  it('logs -f streams new lines as they are written and ends when the pod is deleted', async () => {
    await cluster.addPod('short-lived');
    const child = cluster.kubectl.spawn(['logs', '-f', 'short-lived', '-c', 'api', '--tail=1']);
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    await waitForOutput(child, /(line \d+\n.*){4}/s);
    const deleted = await cluster.kubectl.run(['delete', 'pod', 'short-lived', '--wait=false']);
    expect(deleted.code).toBe(0);
    expect(await exited).toBe(0);
    const numbers = output
      .trimEnd()
      .split('\n')
      .map((line) => Number(/line (\d+)$/.exec(line)?.[1]));
    expect(numbers.length).toBeGreaterThanOrEqual(4);
    numbers.forEach((value, index) => expect(value).toBe(numbers[0] + index));
  });
});
