import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findRepoRoot, KubectlRunner, runNode, startTetherStack, type TetherStack } from '@tether/testing';

const cliMain = join(findRepoRoot(__dirname), 'apps', 'cli', 'dist', 'main.js');

interface Person {
  tether: (...args: string[]) => Promise<{ code: number; stdout: string; stderr: string }>;
  kubectl: (...args: string[]) => Promise<{ code: number; stdout: string; stderr: string }>;
}

// A role like break-glass but approved by someone else, added to the stack's policy by the second test.
const deployerRole = `
  - name: deployer
    groups: [tether:break-glass]
    clusters: { cluster: dev-west }
    approvers: [platform-admins]
    maxDuration: 30m
`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// Just-in-time access end to end: the real CLI, the dev IdP, the broker's access requests and kubectl.
describe('just-in-time access through tether access and kubectl', () => {
  let stack: TetherStack;
  const homes: string[] = [];
  let bob: Person;
  let alice: Person;
  const runners: KubectlRunner[] = [];

  async function signIn(user: string): Promise<Person> {
    const home = mkdtempSync(join(tmpdir(), `tether-jit-${user}-`));
    homes.push(home);
    writeFileSync(join(home, 'broker-ca.pem'), stack.brokerCaPem);
    const env = { HOME: home, TETHER_CONFIG_DIR: join(home, 'tether'), KUBECONFIG: join(home, 'kubeconfig') };
    // The kubeconfig is the one `tether kube login` writes; kubectl runs the exec plugin with this env.
    const runner = new KubectlRunner({ path: env.KUBECONFIG });
    runners.push(runner);
    const person: Person = {
      tether: (...args) => runNode(cliMain, { args, env }),
      kubectl: (...args) => runner.run(args, { env }),
    };
    const ca = join(home, 'broker-ca.pem');
    const login = await person.tether(
      'login',
      '--broker',
      stack.brokerUrl,
      '--broker-ca',
      ca,
      '--dev-user',
      user,
    );
    expect(login.code).toBe(0);
    expect((await person.tether('kube', 'login', '--all')).code).toBe(0);
    return person;
  }

  beforeAll(async () => {
    stack = await startTetherStack({ signIn: true });
    bob = await signIn('bob');
    alice = await signIn('alice');
  });
  afterAll(async () => {
    await stack?.stop();
    for (const runner of runners) runner.dispose();
    for (const home of homes) rmSync(home, { recursive: true, force: true });
  });

  it('bob breaks glass with a reason: forbidden → allowed at once → forbidden again after expiry', async () => {
    const before = await bob.kubectl(
      '--context',
      'dev-west',
      'delete',
      'configmap',
      'frontend-config',
      '-n',
      'web',
    );
    expect(before.code).not.toBe(0);
    expect(before.stderr).toMatch(/forbidden/i);

    const noReason = await bob.tether(
      'access',
      'request',
      'dev-west',
      '--role',
      'break-glass',
      '--for',
      '5m',
    );
    expect(noReason.code).toBe(1);
    expect(noReason.stderr).toContain("role 'break-glass' requires a reason");

    const request = await bob.tether(
      'access',
      'request',
      'dev-west',
      '--role',
      'break-glass',
      '--reason',
      'INC-1234: web config is corrupt',
      '--for',
      '10s',
      '-o',
      'json',
    );
    expect(request.code).toBe(0);
    const granted = JSON.parse(request.stdout) as { id: string; state: string; expiresAt: string };
    expect(granted).toMatchObject({ state: 'approved', decidedBy: 'bob@example.com', cluster: 'dev-west' });

    const clusters = await bob.tether('kube', 'ls');
    expect(clusters.stdout).toMatch(/^dev-west\s+online\s+rules: .*admins-everywhere \(all verbs\)/m);
    expect(clusters.stdout).not.toMatch(/^dev-east\s.*admins-everywhere/m);

    const during = await bob.kubectl(
      '--context',
      'dev-west',
      'delete',
      'configmap',
      'frontend-config',
      '-n',
      'web',
    );
    expect(during.stderr).toBe('');
    expect(during.stdout).toContain('configmap "frontend-config" deleted');
    // The grant is for dev-west only.
    const east = await bob.kubectl(
      '--context',
      'dev-east',
      'create',
      'configmap',
      'jit-east',
      '-n',
      'default',
    );
    expect(east.stderr).toMatch(/forbidden/i);

    await sleep(Math.max(0, Date.parse(granted.expiresAt) - Date.now()) + 200);
    const after = await bob.kubectl('--context', 'dev-west', 'create', 'configmap', 'jit-late', '-n', 'web');
    expect(after.code).not.toBe(0);
    expect(after.stderr).toMatch(/forbidden/i);

    const listed = await bob.tether('access', 'ls', '-o', 'json');
    const requests = (JSON.parse(listed.stdout) as { requests: { id: string; state: string }[] }).requests;
    expect(requests.find((r) => r.id === granted.id)?.state).toBe('expired');
  });

  it('alice approves bob’s request, bob is allowed at once, and her revocation ends it at once', async () => {
    appendFileSync(stack.policyFile, deployerRole);
    let ask = { code: -1, stdout: '', stderr: '' };
    await vi.waitFor(
      async () => {
        ask = await bob.tether(
          'access',
          'request',
          'dev-west',
          '--role',
          'deployer',
          '--for',
          '10m',
          '-o',
          'json',
        );
        expect(ask.code).toBe(0);
      },
      { timeout: 10_000, interval: 500 },
    );
    const pending = JSON.parse(ask.stdout) as { id: string; state: string };
    expect(pending.state).toBe('pending');

    const waiting = await bob.kubectl('--context', 'dev-west', 'create', 'configmap', 'jit-b', '-n', 'web');
    expect(waiting.stderr).toMatch(/forbidden/i);
    const selfApproval = await bob.tether('access', 'approve', pending.id);
    expect(selfApproval.code).toBe(1);
    expect(selfApproval.stderr).toContain("role 'deployer' does not allow approving your own requests");

    const queue = await alice.tether('access', 'ls');
    expect(queue.stdout).toMatch(
      new RegExp(
        `^${pending.id}\\s+bob@example.com\\s+dev-west\\s+deployer\\s+pending \\(you may decide\\)`,
        'm',
      ),
    );
    const approve = await alice.tether('access', 'approve', pending.id);
    expect(approve.code).toBe(0);
    expect(approve.stdout).toContain(`Request ${pending.id} approved by alice@example.com`);

    const allowed = await bob.kubectl('--context', 'dev-west', 'create', 'configmap', 'jit-b', '-n', 'web');
    expect(allowed.stderr).toBe('');
    expect(allowed.stdout).toContain('configmap/jit-b created');

    const revoke = await alice.tether('access', 'revoke', pending.id);
    expect(revoke.code).toBe(0);
    expect(revoke.stdout).toContain(`Request ${pending.id} revoked by alice@example.com`);
    const revoked = await bob.kubectl('--context', 'dev-west', 'delete', 'configmap', 'jit-b', '-n', 'web');
    expect(revoked.stderr).toMatch(/forbidden/i);
  });

  it('keeps an approved grant across a broker restart', async () => {
    const request = await bob.tether(
      'access',
      'request',
      'dev-east',
      '--role',
      'break-glass',
      '--reason',
      'INC-99: restart drill',
      '--for',
      '10m',
      '-o',
      'json',
    );
    expect(request.code).toBe(0);
    const { id } = JSON.parse(request.stdout) as { id: string };

    await stack.restartBroker();

    const listed = await bob.tether('access', 'ls', '-o', 'json');
    const requests = (JSON.parse(listed.stdout) as { requests: { id: string; state: string }[] }).requests;
    expect(requests.find((r) => r.id === id)?.state).toBe('approved');
    // The agent reconnects to the new broker on its own; until then kubectl meets 503s.
    await vi.waitFor(
      async () => {
        const created = await bob.kubectl(
          '--context',
          'dev-east',
          'create',
          'configmap',
          'jit-restart',
          '-n',
          'default',
        );
        expect(created.stdout).toContain('configmap/jit-restart created');
      },
      { timeout: 30_000, interval: 1000 },
    );
  });
});
