// `npm start` as a person runs it: a child process in its own process group (a terminal's Ctrl-C
// signals the whole group), its output, the commands it prints, and whether anything outlived it.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findRepoRoot, freePort } from '@tether/testing';

export const repoRoot = findRepoRoot(__dirname);

export class NpmStartSession {
  private output = '';

  private constructor(
    private readonly child: ChildProcess,
    readonly stateDir: string,
    readonly configDir: string,
    readonly ports: number[],
    readonly brokerPort: number,
  ) {
    child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
  }

  /** Starts `npm start -- <flags>` on free ports and waits for its instructions. */
  static async start(flags: string[] = [], env: Record<string, string> = {}): Promise<NpmStartSession> {
    const configDir = mkdtempSync(join(tmpdir(), 'tether-user-'));
    const stateDir = mkdtempSync(join(tmpdir(), 'tether-state-'));
    const [brokerPort, idpPort, auditorPort] = [await freePort(), await freePort(), await freePort()];
    const args = ['start', '--', '--state-dir', stateDir, '--broker-port', String(brokerPort)];
    args.push('--idp-port', String(idpPort), '--auditor-port', String(auditorPort), ...flags);
    const child = spawn('npm', args, {
      cwd: repoRoot,
      env: { ...process.env, TETHER_CONFIG_DIR: configDir, ...env },
      detached: true,
    });
    const session = new NpmStartSession(
      child,
      stateDir,
      configDir,
      [brokerPort, idpPort, auditorPort],
      brokerPort,
    );
    const deadline = Date.now() + 120_000;
    while (
      !session.printed.includes('Without --dev-user') &&
      Date.now() < deadline &&
      child.exitCode === null
    )
      await new Promise((resolve) => setTimeout(resolve, 200));
    return session;
  }

  get printed(): string {
    return this.output;
  }

  /** The lines a person copies: the CLI through npx and the pinned kubectl. */
  commands(): string[] {
    return this.printed
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line.startsWith('npx tether') || line.startsWith('.tools/bin/kubectl'));
  }

  /**
   * Runs one printed line as a shell would, from the repository folder, without its trailing comment.
   * Asynchronously: a cluster the test itself serves must keep answering meanwhile.
   */
  run(line: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
    const child = spawn('bash', ['-c', line.replace(/#.*$/, '')], {
      cwd: repoRoot,
      env: { ...process.env, TETHER_CONFIG_DIR: this.configDir },
      timeout: 60_000,
    });
    let [stdout, stderr] = ['', ''];
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    return new Promise((resolve) => child.on('close', (status) => resolve({ status, stdout, stderr })));
  }

  /** Ctrl-C; resolves with whether anything it started is still running or listening 20 s later. */
  async interrupt(): Promise<boolean> {
    process.kill(-(this.child.pid as number), 'SIGINT');
    await once(this.child, 'close');
    const gone = async () => {
      const running = spawnSync('pgrep', ['-f', this.stateDir], { encoding: 'utf8' }).stdout.trim();
      const free = await Promise.all(this.ports.map(portFree));
      return running === '' && free.every(Boolean);
    };
    const deadline = Date.now() + 20_000;
    while (!(await gone()) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 250));
    return gone();
  }

  dispose(): void {
    if (this.child.exitCode === null && this.child.signalCode === null)
      process.kill(-(this.child.pid as number), 'SIGKILL');
    rmSync(this.configDir, { recursive: true, force: true });
    rmSync(this.stateDir, { recursive: true, force: true });
  }
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

/** Every printed command, run in order, with what each announces checked (a denial must be denied). */
export async function followPrintedCommands(session: NpmStartSession): Promise<void> {
  const commands = session.commands();
  expect(commands.length).toBeGreaterThanOrEqual(14);
  for (const line of commands) {
    const result = await session.run(line);
    if (line.includes('denied')) {
      expect(result.status, line).not.toBe(0);
      expect(result.stderr).toContain('forbidden');
    } else {
      expect(result.status, `${line}\n${result.stderr}`).toBe(0);
    }
    if (line.endsWith('get pods -A')) expect(result.stdout).toMatch(/payments\s+api-/);
    if (line.includes('access request')) expect(result.stdout).toMatch(/pending/);
    if (line.includes('access approve')) expect(result.stdout).toMatch(/approved by alice@example.com/);
    if (line.includes('allowed now')) expect(result.stdout).toContain('configmap "frontend-config" deleted');
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
}
