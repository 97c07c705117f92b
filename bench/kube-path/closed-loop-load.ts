/**
 * A closed-loop HTTPS load generator: `concurrency` workers, each sending its next GET as soon as the
 * previous answer ended, over one keep-alive agent. Every answer is checked; failures are collected,
 * never timed as successes.
 */
import { Agent, request } from 'node:https';
import { performance } from 'node:perf_hooks';
import type { Endpoint } from './stack-endpoints';

/** Returns a problem description, or undefined when the answer is what the scenario expects. */
export type AnswerCheck = (status: number, body: Buffer) => string | undefined;

export interface LoadRun {
  path: string;
  concurrency: number;
  /** Stop after this many requests... */
  requests?: number;
  /** ...or once this much time has passed (requests in flight still finish). */
  durationMs?: number;
  check: AnswerCheck;
}

export interface LoadResult {
  latenciesMs: number[];
  elapsedMs: number;
  bytes: number;
  errors: string[];
}

/** One endpoint at one concurrency: its own keep-alive connections, reused across runs. */
export class LoadClient {
  private readonly agent: Agent;
  private readonly base: URL;

  constructor(
    private readonly endpoint: Endpoint,
    concurrency: number,
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets: concurrency, ca: endpoint.caPem });
    this.base = new URL(endpoint.baseUrl);
  }

  async run(load: LoadRun): Promise<LoadResult> {
    const result: LoadResult = { latenciesMs: [], elapsedMs: 0, bytes: 0, errors: [] };
    const start = performance.now();
    const deadline = load.durationMs === undefined ? Infinity : start + load.durationMs;
    const limit = load.requests ?? Infinity;
    let issued = 0;
    const worker = async () => {
      while (issued < limit && performance.now() < deadline) {
        issued++;
        const sent = performance.now();
        try {
          const { status, body } = await this.get(load.path);
          result.latenciesMs.push(performance.now() - sent);
          result.bytes += body.length;
          const problem = load.check(status, body);
          if (problem) result.errors.push(problem);
        } catch (error) {
          result.errors.push((error as Error).message);
        }
      }
    };
    await Promise.all(Array.from({ length: load.concurrency }, worker));
    result.elapsedMs = performance.now() - start;
    return result;
  }

  close(): void {
    this.agent.destroy();
  }

  private get(path: string): Promise<{ status: number; body: Buffer }> {
    return new Promise((resolve, reject) => {
      const req = request(
        {
          agent: this.agent,
          hostname: this.base.hostname,
          port: this.base.port,
          path: `${this.base.pathname.replace(/\/$/, '')}${path}`,
          // Raw header lines: Node then adds no Host of its own.
          headers: [
            ['Host', this.base.host],
            ['Authorization', `Bearer ${this.endpoint.token}`],
            ['Accept', 'application/json'],
            ...(this.endpoint.headers ?? []),
          ].flat(),
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end();
    });
  }
}
