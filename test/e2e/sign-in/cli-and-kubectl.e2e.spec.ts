import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findRepoRoot, KubectlRunner, runNode, startTetherStack, type TetherStack } from '@tether/testing';

const cliMain = join(findRepoRoot(__dirname), 'apps', 'cli', 'dist', 'main.js');

// A person's whole path: tether login as a dev user, tether kube login --all, then plain kubectl.
describe('tether CLI with the real broker, dev IdP and kubectl', () => {
  let stack: TetherStack;
  let home: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    stack = await startTetherStack({ signIn: true });
    home = mkdtempSync(join(tmpdir(), 'tether-cli-home-'));
    writeFileSync(join(home, 'broker-ca.pem'), stack.brokerCaPem);
    env = { HOME: home, TETHER_CONFIG_DIR: join(home, 'tether'), KUBECONFIG: join(home, 'kubeconfig') };
    runner = new KubectlRunner({ path: env.KUBECONFIG as string });
  });
  afterAll(async () => {
    await stack?.stop();
    runner?.dispose();
    rmSync(home, { recursive: true, force: true });
  });

  const tether = (...args: string[]) => runNode(cliMain, { args, env });

  // The kubeconfig is the one `tether kube login` writes; kubectl runs the exec plugin with this env.
  let runner: KubectlRunner;
  const kubectl = (args: string[]) => runner.run(args, { env });

  it('signs bob in, writes a context per cluster, and kubectl works through the exec plugin', async () => {
    const login = await tether(
      'login',
      '--broker',
      stack.brokerUrl,
      '--broker-ca',
      join(home, 'broker-ca.pem'),
      '--dev-user',
      'bob',
    );
    expect(login.code).toBe(0);
    const whoami = await tether('whoami', '-o', 'json');
    expect(JSON.parse(whoami.stdout)).toMatchObject({ username: 'bob@example.com', groups: ['developers'] });

    const clusters = await tether('kube', 'ls');
    expect(clusters.stdout).toMatch(
      /dev-east\s+online\s+rules: discovery \(get, with further conditions\); self-reviews \(create, with further conditions\); developers-web-dev-east \(all verbs in namespace web\)$/m,
    );
    expect(clusters.stdout).toMatch(
      /dev-west\s+online\s+rules: .*developers-read-dev-west \(get, list, watch\)$/m,
    );

    const kubeLogin = await tether('kube', 'login', '--all');
    expect(kubeLogin.code).toBe(0);
    expect(statSync(env.KUBECONFIG as string).mode & 0o777).toBe(0o600);

    const pods = await kubectl(['--context', 'dev-west', 'get', 'pods', '-n', 'web', '-o', 'name']);
    expect(pods.stderr).toBe('');
    expect(pods.stdout).toMatch(/^pod\/frontend-/m);
    const who = await kubectl([
      '--context',
      'dev-east',
      'auth',
      'whoami',
      '-o',
      'jsonpath={.status.userInfo.username}',
    ]);
    expect(who.stdout).toBe('bob@example.com');
    const denied = await kubectl([
      '--context',
      'dev-west',
      'delete',
      'configmap',
      'frontend-config',
      '-n',
      'web',
    ]);
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toContain('User "bob@example.com" cannot delete resource "configmaps"');
    expect(denied.stderr).toContain("no allow rule matched; closest: 'developers-read-dev-west'");
  });

  it('after logout kubectl tells the person to sign in again instead of failing obscurely', async () => {
    expect((await tether('logout')).code).toBe(0);
    const after = await kubectl(['--context', 'dev-west', 'get', 'pods', '-n', 'web']);
    expect(after.code).not.toBe(0);
    expect(after.stderr).toContain('run: tether login');
  });

  it('signs alice in with the device grant', async () => {
    const login = await tether('login', '--broker', stack.brokerUrl, '--device', '--dev-user', 'alice');
    expect(login.code).toBe(0);
    const nodes = await kubectl(['--context', 'dev-east', 'auth', 'can-i', 'delete', 'pods', '-A']);
    expect(nodes.stdout.trim()).toBe('yes');
  });
});
