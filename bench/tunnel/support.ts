/** Shared plumbing for the tunnel benchmarks: a broker in this process, the agent in a child process. */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { TunnelServer } from '@tether/tunnel';
import type { SessionSettings, TunnelSession } from '@tether/tunnel';

export const MiB = 1024 * 1024;

export interface BenchBroker {
  http: Server;
  tunnel: TunnelServer;
  port: number;
  close(): Promise<void>;
}

/** An HTTP server with the tunnel on /tunnel/v1; `extraUpgrade` handles other paths (the raw-ws baseline). */
export async function startBroker(
  settings: SessionSettings = {},
  extraUpgrade?: (request: IncomingMessage, socket: Duplex, head: Buffer) => void,
): Promise<BenchBroker> {
  const tunnel = new TunnelServer({
    authenticate: () => ({ clusterName: 'bench' }),
    session: settings,
  });
  const http = createServer();
  http.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (!tunnel.handleUpgrade(request, socket, head)) extraUpgrade?.(request, socket, head);
  });
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  return {
    http,
    tunnel,
    port: (http.address() as AddressInfo).port,
    close: async () => {
      tunnel.close();
      http.closeAllConnections();
      await new Promise((resolve) => http.close(resolve));
    },
  };
}

export function waitForSession(tunnel: TunnelServer): Promise<TunnelSession> {
  return once(tunnel, 'session').then(([session]) => session as TunnelSession);
}

/** The agent half: this same script, run again in a child process with `--child`. */
export class Child {
  private readonly replies = new Map<number, (value: unknown) => void>();
  private nextId = 1;

  private constructor(readonly process: ChildProcess) {
    process.on('message', (message: { id: number; result: unknown }) => {
      this.replies.get(message.id)?.(message.result);
      this.replies.delete(message.id);
    });
  }

  static async start(script: string, args: string[]): Promise<Child> {
    // fork() reuses this process's node flags, so the child runs under tsx with the `source` condition too.
    const child = new Child(fork(script, ['--child', ...args], { stdio: 'inherit' }));
    await child.call('ready');
    return child;
  }

  call<T = unknown>(command: string, params: Record<string, unknown> = {}): Promise<T> {
    const id = this.nextId++;
    const reply = new Promise<T>((resolve) => this.replies.set(id, resolve as (value: unknown) => void));
    this.process.send({ id, command, params });
    return reply;
  }

  /** Asks the child to exit (so profilers and loggers flush), killing it if it does not. */
  async stop(): Promise<void> {
    const exited = once(this.process, 'exit');
    this.process.send({ id: 0, command: 'exit', params: {} });
    const timer = setTimeout(() => this.process.kill(), 5_000);
    await exited;
    clearTimeout(timer);
  }
}

/** In the child: answers the parent's calls with `handlers`. */
export function serveParent(handlers: Record<string, (params: Record<string, unknown>) => unknown>): void {
  process.on('message', async (message: { id: number; command: string; params: Record<string, unknown> }) => {
    if (message.command === 'exit') process.exit(0);
    const result = await handlers[message.command](message.params);
    process.send!({ id: message.id, result: result ?? null });
  });
}

/** A full garbage collection, so an RSS baseline does not include the previous run's garbage. */
export function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

/** Peak RSS growth over a baseline (taken after a full GC), sampled every 50 ms. */
export class RssSampler {
  private baseline = process.memoryUsage.rss();
  private peak = this.baseline;
  private timer: NodeJS.Timeout | undefined;

  start(): void {
    collectGarbage();
    this.baseline = process.memoryUsage.rss();
    this.peak = this.baseline;
    this.timer = setInterval(() => (this.peak = Math.max(this.peak, process.memoryUsage.rss())), 50);
  }

  stop(): { baselineMiB: number; peakMiB: number; growthMiB: number } {
    clearInterval(this.timer);
    this.peak = Math.max(this.peak, process.memoryUsage.rss());
    return {
      baselineMiB: this.baseline / MiB,
      peakMiB: this.peak / MiB,
      growthMiB: (this.peak - this.baseline) / MiB,
    };
  }
}

export function table(headers: string[], rows: Array<Array<string | number>>): string {
  const line = (cells: Array<string | number>) => `| ${cells.join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

export function fixed(value: number, digits = 1): string {
  return value.toFixed(digits);
}

/** Deterministic pseudo-random bytes (xorshift32), so both processes derive the same payloads. */
export function seededBytes(size: number, seed = 0x9e3779b9): Buffer {
  const buffer = Buffer.allocUnsafe(size);
  let state = seed >>> 0 || 1;
  for (let i = 0; i + 4 <= size; i += 4) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    buffer.writeUInt32LE(state >>> 0, i);
  }
  return buffer;
}

/** Writes `chunks` honouring backpressure, then ends the stream. */
export async function writeAll(stream: NodeJS.WritableStream, chunks: Iterable<Buffer>): Promise<void> {
  for (const chunk of chunks) {
    if (!stream.write(chunk)) await once(stream, 'drain');
  }
  stream.end();
}

/**
 * Sends `chunks` on a raw WebSocket as one message each, keeping at most `highWater` bytes unflushed
 * (the same limit the tunnel's writer uses).
 */
export async function sendRawMessages(
  ws: import('ws').WebSocket,
  chunks: Iterable<Buffer>,
  highWater = MiB,
): Promise<void> {
  let inflight = 0;
  let wake: (() => void) | undefined;
  for (const chunk of chunks) {
    if (inflight >= highWater) await new Promise<void>((resolve) => (wake = resolve));
    inflight += chunk.length;
    ws.send(chunk, { binary: true }, () => {
      inflight -= chunk.length;
      if (inflight < highWater / 2 && wake) {
        const resume = wake;
        wake = undefined;
        resume();
      }
    });
  }
}

/** `buffer` rotated left by `offset`, cut into `chunkSize` pieces (views, no copying). */
export function* rotatedChunks(buffer: Buffer, offset: number, chunkSize: number): Generator<Buffer> {
  const start = offset % buffer.length;
  for (const part of [buffer.subarray(start), buffer.subarray(0, start)]) {
    for (let i = 0; i < part.length; i += chunkSize)
      yield part.subarray(i, Math.min(i + chunkSize, part.length));
  }
}

/** `total` bytes made of `block` repeated, in `chunkSize` views: the sender allocates nothing per chunk. */
export function* repeated(block: Buffer, total: number, chunkSize = block.length): Generator<Buffer> {
  for (let sent = 0; sent < total; sent += chunkSize) {
    const offset = sent % block.length;
    yield block.subarray(offset, Math.min(offset + chunkSize, block.length, offset + total - sent));
  }
}
