import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pinnedToolPath } from './kubectl-binary.js';

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface KubectlRunOptions {
  stdin?: string | Buffer;
  env?: Record<string, string>;
  timeoutMs?: number;
}

/**
 * Runs the pinned kubectl against one kubeconfig, with a private discovery cache so runs never
 * share state (KUBERNETES.md §5). `dispose()` removes the temporary folder.
 */
export class KubectlRunner {
  readonly kubeconfigPath: string;
  private readonly workDir: string;
  private readonly children = new Set<ChildProcessWithoutNullStreams>();

  /** Either the kubeconfig's YAML (written to a private file) or the path of one someone else writes. */
  constructor(kubeconfig: string | { path: string }) {
    this.workDir = mkdtempSync(join(tmpdir(), 'tether-kubectl-'));
    if (typeof kubeconfig === 'string') {
      this.kubeconfigPath = join(this.workDir, 'kubeconfig');
      writeFileSync(this.kubeconfigPath, kubeconfig, { mode: 0o600 });
    } else {
      this.kubeconfigPath = kubeconfig.path;
    }
  }

  /** Runs kubectl to completion. Never rejects on a non-zero exit: the code is part of the result. */
  run(args: string[], options: KubectlRunOptions = {}): Promise<KubectlResult> {
    const child = this.spawn(args, options.env);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    if (options.stdin !== undefined) child.stdin.end(options.stdin);
    else child.stdin.end();
    const timeoutMs = options.timeoutMs ?? 60_000;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(
          new Error(
            `kubectl ${args.join(' ')} timed out after ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`,
          ),
        );
      }, timeoutMs);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code: code ?? -1, stdout, stderr });
      });
    });
  }

  /** Starts a long-running kubectl (`get -w`, `logs -f`, `port-forward`); the caller reads and kills it. */
  spawn(args: string[], env: Record<string, string> = {}): ChildProcessWithoutNullStreams {
    const child = spawn(
      pinnedToolPath('kubectl'),
      ['--kubeconfig', this.kubeconfigPath, '--cache-dir', join(this.workDir, 'cache'), ...args],
      { env: { PATH: process.env.PATH ?? '', HOME: this.workDir, ...env } },
    );
    this.children.add(child);
    child.on('close', () => this.children.delete(child));
    recordOutput(child);
    return child;
  }

  dispose(): void {
    for (const child of this.children) child.kill('SIGKILL');
    rmSync(this.workDir, { recursive: true, force: true });
  }
}

const outputs = new WeakMap<ChildProcessWithoutNullStreams, { text: string }>();

/** Keeps everything a child printed from its start, so no line is missed between two waits. */
function recordOutput(child: ChildProcessWithoutNullStreams): { text: string } {
  let output = outputs.get(child);
  if (!output) {
    const record = { text: '' };
    const append = (chunk: Buffer) => (record.text += chunk.toString());
    child.stdout.on('data', append);
    child.stderr.on('data', append);
    outputs.set(child, record);
    output = record;
  }
  return output;
}

/**
 * Resolves with everything the child printed (stdout and stderr, since it started) once `pattern`
 * matches it; rejects when the child exits first or the time runs out.
 */
export function waitForOutput(
  child: ChildProcessWithoutNullStreams,
  pattern: RegExp,
  timeoutMs = 30_000,
): Promise<string> {
  const output = recordOutput(child);
  return new Promise((resolve, reject) => {
    const check = () => {
      if (!pattern.test(output.text)) return false;
      cleanup();
      resolve(output.text);
      return true;
    };
    const onData = () => setImmediate(check);
    const onClose = (code: number | null) => {
      if (check()) return;
      cleanup();
      reject(
        new Error(`kubectl exited (${code}) before printing ${pattern}; output so far:\n${output.text}`),
      );
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`timed out waiting for ${pattern}; output so far:\n${output.text}`));
    }, timeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      child.stdout.off('data', onData);
      child.stderr.off('data', onData);
      child.off('close', onClose);
    };
    if (check()) return;
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('close', onClose);
  });
}
