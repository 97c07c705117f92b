import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join, relative } from 'node:path';
import { findRepoRoot, freePort } from '@tether/testing';

const repoRoot = findRepoRoot(__dirname);

// The README's run command as a new user meets it: start, follow the printed commands, Ctrl-C.
describe('npm start', () => {
  let stack: ChildProcess;
  let printed = '';
  let configDir: string;
  let stateDir: string;
  let brokerPort: number;
  let idpPort: number;

  beforeAll(async () => {
    configDir = mkdtempSync(join(tmpdir(), 'tether-user-'));
    stateDir = mkdtempSync(join(tmpdir(), 'tether-state-'));
    [brokerPort, idpPort] = [await freePort(), await freePort()];
    stack = spawn(
      'npm',
      [
        'start',
        '--',
        '--state-dir',
        stateDir,
        '--broker-port',
        String(brokerPort),
        '--idp-port',
        String(idpPort),
      ],
      {
        cwd: repoRoot,
        env: { ...process.env, TETHER_CONFIG_DIR: configDir },
        detached: true,
      },
    );
    stack.stdout?.on('data', (chunk: Buffer) => (printed += chunk.toString()));
    stack.stderr?.on('data', (chunk: Buffer) => (printed += chunk.toString()));
    const deadline = Date.now() + 90_000;
    while (!printed.includes('Without --dev-user') && Date.now() < deadline && stack.exitCode === null) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(printed).toContain('Tether is running');
  });

  afterAll(() => {
    if (stack.exitCode === null && stack.signalCode === null) process.kill(-(stack.pid as number), 'SIGKILL');
    rmSync(configDir, { recursive: true, force: true });
    rmSync(stateDir, { recursive: true, force: true });
  });

  const printedCommands = () =>
    printed
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line.startsWith('npx tether') || line.startsWith('.tools/bin/kubectl'));

  it("is what the README's quick start says, with the default state folder and port", () => {
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    const quickStart = /## Quick start[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    const asDefaults = printedCommands().map((line) =>
      line
        .split(relative(repoRoot, stateDir))
        .join('.tether')
        .replace(`https://127.0.0.1:${brokerPort}`, 'https://127.0.0.1:8443'),
    );
    expect(quickStart.trim().split('\n')).toEqual(asDefaults);
  });

  it('prints commands that work exactly as printed, including the denial it announces', () => {
    const commands = printedCommands();
    expect(commands.length).toBeGreaterThanOrEqual(14);
    for (const line of commands) {
      const expectDenied = line.includes('denied');
      const result = spawnSync('bash', ['-c', line.replace(/#.*$/, '')], {
        cwd: repoRoot,
        env: { ...process.env, TETHER_CONFIG_DIR: configDir },
        encoding: 'utf8',
        timeout: 60_000,
      });
      if (expectDenied) {
        expect(result.status, line).not.toBe(0);
        expect(result.stderr).toContain('forbidden');
      } else {
        expect(result.status, `${line}\n${result.stderr}`).toBe(0);
      }
      if (line.endsWith('get pods -A')) expect(result.stdout).toMatch(/payments\s+api-/);
      if (line.includes('access request')) expect(result.stdout).toMatch(/pending/);
      if (line.includes('access approve')) expect(result.stdout).toMatch(/approved by alice@example.com/);
      if (line.includes('allowed now'))
        expect(result.stdout).toContain('configmap "frontend-config" deleted');
      if (line.endsWith('audit search --since 1h')) {
        // bob's kubectl on both clusters, his denial and alice's approval, newest first.
        expect(result.stdout).toMatch(/dev-east\s+bob@example.com\s+list/);
        expect(result.stdout).toMatch(/dev-west\s+bob@example.com\s+delete.*deny/);
        expect(result.stdout).toMatch(/dev-west\s+alice@example.com\s+update\s+accessrequests/);
      }
      if (line.includes('--decision deny')) {
        expect(result.stdout).toMatch(/bob@example.com/);
        // The DECISION column, padded by two spaces; a reason like 'no allow rule matched' is not it.
        expect(result.stdout).not.toMatch(/ {2}allow {2}/);
      }
    }
  });

  it('stops every process it started on Ctrl-C', async () => {
    // A terminal's Ctrl-C signals the whole foreground process group.
    process.kill(-(stack.pid as number), 'SIGINT');
    await once(stack, 'close');
    const gone = async () => {
      const running = spawnSync('pgrep', ['-f', stateDir], { encoding: 'utf8' }).stdout.trim();
      return running === '' && (await portFree(brokerPort)) && (await portFree(idpPort));
    };
    const deadline = Date.now() + 20_000;
    while (!(await gone()) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 250));
    expect(await gone()).toBe(true);
  });
});

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}
