/**
 * Samples the CPU of a running Node process we did not start with flags: SIGUSR1 opens its inspector
 * on 127.0.0.1:9229, the Chrome DevTools protocol runs the profiler, and the inspector is closed
 * again so the next process can take the port. (The stack harness passes no NODE_OPTIONS on to
 * broker and agent, so `--cpu-prof` is not available for them.)
 */
import { once } from 'node:events';
import { get } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { WebSocket } from 'ws';

const inspectorPort = 9229;

export interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

export interface CpuProfile {
  nodes: CpuProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface RunningProfile {
  stop(): Promise<CpuProfile>;
}

function debuggerUrl(): Promise<string | undefined> {
  return new Promise((resolve) => {
    get(`http://127.0.0.1:${inspectorPort}/json/list`, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () =>
        resolve((JSON.parse(text) as Array<{ webSocketDebuggerUrl?: string }>)[0]?.webSocketDebuggerUrl),
      );
    }).on('error', () => resolve(undefined));
  });
}

class DevtoolsSession {
  private nextId = 1;
  private readonly pending = new Map<number, (message: { result?: unknown; error?: unknown }) => void>();

  constructor(private readonly socket: WebSocket) {
    socket.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString()) as { id?: number; result?: unknown; error?: unknown };
      if (message.id !== undefined) this.pending.get(message.id)?.(message);
    });
  }

  async send<T>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    const id = this.nextId++;
    const reply = new Promise<{ result?: unknown; error?: unknown }>((resolve) =>
      this.pending.set(id, resolve),
    );
    this.socket.send(JSON.stringify({ id, method, params }));
    const message = await reply;
    if (message.error) throw new Error(`${method}: ${JSON.stringify(message.error)}`);
    return message.result as T;
  }
}

export async function startProfiling(pid: number, samplingIntervalUs = 200): Promise<RunningProfile> {
  if (await debuggerUrl())
    throw new Error(`something already listens on the inspector port ${inspectorPort}`);
  process.kill(pid, 'SIGUSR1');
  let url: string | undefined;
  for (let attempt = 0; attempt < 50 && !url; attempt++) {
    await sleep(100);
    url = await debuggerUrl();
  }
  if (!url) throw new Error(`process ${pid} did not open its inspector`);
  const socket = new WebSocket(url, { perMessageDeflate: false, maxPayload: 1024 * 1024 * 1024 });
  await once(socket, 'open');
  const session = new DevtoolsSession(socket);
  const evaluated = await session.send<{ result: { value: unknown } }>('Runtime.evaluate', {
    expression: 'process.pid',
    returnByValue: true,
  });
  if (evaluated.result.value !== pid) {
    socket.close();
    throw new Error(
      `the inspector on ${inspectorPort} belongs to process ${evaluated.result.value}, not ${pid}`,
    );
  }
  await session.send('Profiler.enable');
  await session.send('Profiler.setSamplingInterval', { interval: samplingIntervalUs });
  await session.send('Profiler.start');
  return {
    stop: async () => {
      const { profile } = await session.send<{ profile: CpuProfile }>('Profiler.stop');
      // Frees the port for the next process; the evaluation never answers because the session ends.
      void session
        .send('Runtime.evaluate', { expression: "process.getBuiltinModule('node:inspector').close()" })
        .catch(() => undefined);
      await sleep(200);
      socket.terminate();
      return profile;
    },
  };
}
