import { spawn, type ChildProcess } from 'node:child_process';

const maxKeptOutput = 1024 * 1024;

export interface NodeRunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface StartedNode {
  child: ChildProcess;
  output: () => string;
  /** SIGTERM, then SIGKILL after a grace period; resolves when the process is gone. */
  stop: (graceMs?: number) => Promise<void>;
}

interface NodeOptions {
  env?: Record<string, string>;
  args?: string[];
}

// process.execPath is the pinned Node the test runner itself runs on.
function spawnNode(script: string, options: NodeOptions): ChildProcess {
  return spawn(process.execPath, [script, ...(options.args ?? [])], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export function runNode(script: string, options: NodeOptions = {}): Promise<NodeRunResult> {
  const child = spawnNode(script, options);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** Starts a long-running Node process and resolves once its output matches `readyPattern`. */
export function startNode(
  script: string,
  options: NodeOptions & { readyPattern: RegExp; timeoutMs?: number },
): Promise<StartedNode> {
  const child = spawnNode(script, options);
  let output = '';
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  const stop = async (graceMs = 10_000) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} did not print ${options.readyPattern} in time; output:\n${output}`));
    }, options.timeoutMs ?? 30_000);
    const onData = (chunk: Buffer) => {
      // Long-running processes log for hours: keep only the recent tail.
      output = (output + chunk.toString()).slice(-maxKeptOutput);
      if (options.readyPattern.test(output)) {
        clearTimeout(timer);
        resolve({ child, output: () => output, stop });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('close', (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited (${code}) before it was ready; output:\n${output}`));
    });
  });
}
