import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { KubectlRunner, pinnedToolPath } from '@tether/testing';
import { runCli } from '../src/cli-program.js';
import { exitCodes } from '../src/errors/cli-error.js';
import { TokenCache } from '../src/session/token-cache.js';
import { FakeBroker } from '../src/test-support/fake-broker.js';
import { seedSession, testContext, type TestContext } from '../src/test-support/test-context.js';

const run = promisify(execFile);

/**
 * The pinned kubectl running `tether kube credential` as its exec plugin, from the kubeconfig that
 * `tether kube login` wrote, against a stand-in broker (the full broker + dev IdP e2e is separate).
 */
describe('kubectl with the tether exec plugin', () => {
  let broker: FakeBroker;
  let ctx: TestContext;
  let kubectl: KubectlRunner;

  beforeAll(async () => {
    broker = await FakeBroker.start({ clusters: [{ name: 'dev-east', online: true, access: 'everything' }] });
  });
  afterAll(() => broker.close());
  beforeEach(async () => {
    ctx = testContext();
    seedSession(ctx, broker, 600_000);
    const path = join(ctx.dir, 'kubeconfig');
    expect(await runCli(ctx, ['kube', 'login', 'dev-east', '--kubeconfig', path])).toBe(exitCodes.ok);
    kubectl = new KubectlRunner(readFileSync(path, 'utf8'));
    broker.refreshes = 0;
  });
  afterEach(() => {
    kubectl.dispose();
    ctx.cleanup();
  });

  const version = () => kubectl.run(['--context', 'dev-east', 'get', '--raw', '/version']);

  it('authenticates with the cached token, started by kubectl from any working folder', async () => {
    const result = await version();
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toMatchObject({ gitVersion: 'v1.34.0-fake' });

    const args = [
      '--kubeconfig',
      kubectl.kubeconfigPath,
      '--context',
      'dev-east',
      'get',
      '--raw',
      '/version',
    ];
    // Async: the stand-in broker answers from this very process.
    const fromRoot = await run(pinnedToolPath('kubectl'), args, { cwd: '/', env: { PATH: '' } });
    expect(fromRoot.stderr).toBe('');
    expect(JSON.parse(fromRoot.stdout)).toMatchObject({ gitVersion: 'v1.34.0-fake' });
    expect(broker.refreshes).toBe(0);
    expect(broker.kubeCalls).toBeGreaterThanOrEqual(2);
  });

  it('lets ten kubectl calls at once share one refresh of an expired token', async () => {
    seedSession(ctx, broker, 0);
    const calls = await Promise.all(Array.from({ length: 10 }, () => version()));
    for (const call of calls) expect(call, call.stderr).toMatchObject({ code: 0 });
    expect(broker.refreshes).toBe(1);
  });

  it('tells a script to run tether login when the session is gone', async () => {
    const session = seedSession(ctx, broker, 0);
    await runCli({ ...ctx, io: { out: () => undefined, err: () => undefined } }, ['logout']);
    new TokenCache(ctx.env.configDir, broker.url).write(session);
    const result = await version();
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(`tether: your session for ${broker.url} expired; run: tether login`);
  });
});
