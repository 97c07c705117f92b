/** What the stack process tells the benchmark: where to send requests each way, and which pids to watch. */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export const benchNamespace = 'bench';

export interface Endpoint {
  /** Prefix of every API path: the simulator itself, or the broker's `/k8s/<cluster>`. */
  baseUrl: string;
  caPem: string;
  token: string;
  /** Extra header lines sent with every request. */
  headers?: Array<[string, string]>;
}

export interface StackEndpoints {
  tether: Endpoint;
  direct: Endpoint;
  /** Straight to the simulator as the agent asks: its own token, impersonating the same person. */
  impersonated: Endpoint;
  list: { items: number; bytesPerItem: number };
  pids: { stack: number; broker: number; agent: number };
}

export interface StackProcess {
  endpoints: StackEndpoints;
  /** Replaces `endpoints.tether.token` with a newly minted session token. */
  refreshToken(): Promise<void>;
  stop(): Promise<void>;
}

/** Forks the stack process (fork reuses this process's tsx flags) and waits for its endpoints line. */
export async function startStackProcess(): Promise<StackProcess> {
  const child = fork(join(__dirname, 'stack-process.ts'), [], {
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const endpoints = await new Promise<StackEndpoints>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => resolve(JSON.parse(line) as StackEndpoints));
    child.once('exit', (code) => reject(new Error(`stack process exited (${code}) before it was ready`)));
  });
  const refreshToken = async () => {
    const reply = new Promise<{ token: string }>((resolve) =>
      child.once('message', (message) => resolve(message as { token: string })),
    );
    child.send('fresh-token');
    endpoints.tether.token = (await reply).token;
  };
  return { endpoints, refreshToken, stop: () => stopChild(child) };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}
