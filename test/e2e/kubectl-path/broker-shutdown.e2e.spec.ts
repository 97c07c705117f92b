import { once } from 'node:events';
import { KubectlRunner, startTetherStack, type TetherStack, waitForOutput } from '@tether/testing';

describe('broker shutdown', () => {
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
