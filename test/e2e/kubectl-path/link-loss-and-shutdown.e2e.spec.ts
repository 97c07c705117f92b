import { once } from 'node:events';
import { KubectlRunner, startTetherStack, type TetherStack, waitForOutput } from '@tether/testing';

describe('losing an agent, stopping the broker', () => {
  let stack: TetherStack;
  let kubectl: KubectlRunner;

  beforeAll(async () => {
    stack = await startTetherStack();
    kubectl = new KubectlRunner(stack.kubeconfig(await stack.tokenFor('alice', ['platform-admins'])));
  });
  afterAll(async () => {
    kubectl?.dispose();
    await stack?.stop();
  });

  it("ends a watch promptly when its cluster's agent dies, and answers new requests with a 503 naming the cluster", async () => {
    const watch = kubectl.spawn(['--context', 'dev-west', 'get', 'configmaps', '-n', 'web', '-w']);
    await waitForOutput(watch, /frontend-config/);
    const watchEnded = once(watch, 'close');
    const started = Date.now();
    stack.agents['dev-west'].child.kill('SIGKILL');
    await watchEnded;
    expect(Date.now() - started).toBeLessThan(10_000);
    const after = await kubectl.run(['--context', 'dev-west', 'get', 'configmaps', '-n', 'web']);
    expect(after.code).not.toBe(0);
    expect(after.stderr).toContain('the Tether agent of cluster "dev-west" is not connected');
  });

  it('drains and exits promptly on SIGTERM with agents connected and a watch open', async () => {
    const watch = kubectl.spawn(['--context', 'dev-east', 'get', 'configmaps', '-n', 'web', '-w']);
    await waitForOutput(watch, /frontend-config/);
    const watchEnded = once(watch, 'close');
    const started = Date.now();
    stack.broker.child.kill('SIGTERM');
    await once(stack.broker.child, 'close');
    expect(Date.now() - started).toBeLessThan(12_000);
    await watchEnded;
  });
});
