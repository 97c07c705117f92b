/**
 * 1,000 concurrent streams on one tunnel, each moving 1 MiB from the agent to the broker, every stream
 * checked with sha256. Baselines in the same run: the same bytes over one raw WebSocket, and over 1,000
 * raw WebSocket connections (what the agent would need without a multiplexer).
 *   npx tsx --conditions=source bench/tunnel/many-streams.ts [streams, default 1000] [MiB each, default 1]
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { performance } from 'node:perf_hooks';
import { WebSocket, WebSocketServer } from 'ws';
import { TunnelClient } from '@tether/tunnel';
import type { TunnelStream } from '@tether/tunnel';
import {
  Child,
  MiB,
  fixed,
  median,
  rotatedChunks,
  seededBytes,
  sendRawMessages,
  serveParent,
  startBroker,
  table,
  waitForSession,
  writeAll,
} from './support';

const CHUNK = 64 * 1024;
/** Stream i carries the shared block rotated by i * ROTATION bytes: every stream's bytes differ. */
const ROTATION = 4099;

interface Outcome {
  name: string;
  totalSeconds: number;
  /** Completion time of each stream, in seconds from the start. */
  perStream: number[];
  intact: boolean;
}

async function child(port: number, size: number): Promise<void> {
  const block = seededBytes(size);
  const client = new TunnelClient({
    url: `ws://127.0.0.1:${port}/tunnel/v1`,
    onStream: (stream) =>
      void writeAll(stream, rotatedChunks(block, (stream.head.index as number) * ROTATION, CHUNK)),
  });
  client.start();
  await once(client, 'connected');
  let sockets: WebSocket[] = [];
  serveParent({
    ready: () => true,
    connectRaw: async ({ count }) => {
      sockets = Array.from(
        { length: count as number },
        (_, i) => new WebSocket(`ws://127.0.0.1:${port}/raw?index=${i}`, { perMessageDeflate: false }),
      );
      await Promise.all(sockets.map((ws) => once(ws, 'open')));
    },
    sendRawParallel: () =>
      Promise.all(sockets.map((ws, i) => sendRawMessages(ws, rotatedChunks(block, i * ROTATION, CHUNK)))),
    sendRawSingle: async ({ count }) => {
      const all = function* () {
        for (let i = 0; i < (count as number); i++) yield* rotatedChunks(block, i * ROTATION, CHUNK);
      };
      await sendRawMessages(sockets[0], all());
    },
    closeRaw: () => sockets.forEach((ws) => ws.close()),
  });
}

/** Hashes what arrives for stream `index` and checks it against the expected digest once `size` bytes are in. */
class Receiver {
  private readonly hash = createHash('sha256');
  private received = 0;

  constructor(
    private readonly expected: string,
    private readonly size: number,
  ) {}

  /** Returns true when this chunk completed the stream. */
  add(chunk: Buffer): boolean {
    this.hash.update(chunk);
    this.received += chunk.length;
    return this.received === this.size;
  }

  intact(): boolean {
    return this.received === this.size && this.hash.digest('hex') === this.expected;
  }
}

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 1000);
  const size = Number(process.argv[3] ?? 1) * MiB;
  const block = seededBytes(size);
  const expected = Array.from({ length: count }, (_, i) => {
    const hash = createHash('sha256');
    for (const chunk of rotatedChunks(block, i * ROTATION, CHUNK)) hash.update(chunk);
    return hash.digest('hex');
  });

  const rawSockets = new Map<number, WebSocket>();
  const rawServer = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  const broker = await startBroker({}, (request: IncomingMessage, socket, head) => {
    const index = Number(new URL(request.url!, 'http://x').searchParams.get('index'));
    rawServer.handleUpgrade(request, socket, head, (ws) => rawSockets.set(index, ws));
  });
  const sessionReady = waitForSession(broker.tunnel);
  const agent = await Child.start(__filename, [String(broker.port), String(size / MiB)]);
  const session = await sessionReady;
  await agent.call('connectRaw', { count });

  const outcomes: Outcome[] = [];

  // Baseline 1: every stream's bytes back to back on one raw WebSocket.
  {
    const perStream: number[] = [];
    let intact = true;
    let index = 0;
    let receiver = new Receiver(expected[0], size);
    const start = performance.now();
    const done = new Promise<void>((resolve) => {
      rawSockets.get(0)!.on('message', (data: Buffer) => {
        if (!receiver.add(data)) return;
        intact &&= receiver.intact();
        perStream.push((performance.now() - start) / 1000);
        if (++index === count) resolve();
        else receiver = new Receiver(expected[index], size);
      });
    });
    await Promise.all([agent.call('sendRawSingle', { count }), done]);
    rawSockets.get(0)!.removeAllListeners('message');
    outcomes.push({
      name: 'raw ws, 1 connection, streams back to back',
      totalSeconds: perStream.at(-1)!,
      perStream,
      intact,
    });
  }

  // Baseline 2: one raw WebSocket connection per stream, all at once.
  {
    const perStream: number[] = [];
    let intact = true;
    const start = performance.now();
    const done = Promise.all(
      [...rawSockets].map(
        ([index, ws]) =>
          new Promise<void>((resolve) => {
            const receiver = new Receiver(expected[index], size);
            ws.on('message', (data: Buffer) => {
              if (!receiver.add(data)) return;
              intact &&= receiver.intact();
              perStream.push((performance.now() - start) / 1000);
              resolve();
            });
          }),
      ),
    );
    await Promise.all([agent.call('sendRawParallel'), done]);
    outcomes.push({
      name: `raw ws, ${count} connections`,
      totalSeconds: Math.max(...perStream),
      perStream,
      intact,
    });
  }
  await agent.call('closeRaw');

  // The tunnel: all streams at once on one connection.
  {
    const perStream: number[] = [];
    let intact = true;
    const start = performance.now();
    await Promise.all(
      expected.map(
        (digest, index) =>
          new Promise<void>((resolve, reject) => {
            const stream: TunnelStream = session.openStream({ index });
            const receiver = new Receiver(digest, size);
            stream.on('data', (chunk: Buffer) => receiver.add(chunk));
            stream.once('error', reject);
            stream.once('end', () => {
              intact &&= receiver.intact();
              perStream.push((performance.now() - start) / 1000);
              resolve();
            });
            stream.end();
          }),
      ),
    );
    outcomes.push({
      name: `tunnel, ${count} streams on 1 connection`,
      totalSeconds: Math.max(...perStream),
      perStream,
      intact,
    });
  }

  const totalMiB = (count * size) / MiB;
  console.log(`\n${count} streams × ${size / MiB} MiB, agent → broker, sha256 per stream\n`);
  console.log(
    table(
      [
        'transport',
        'total (s)',
        'MiB/s',
        'fastest stream (s)',
        'median (s)',
        'slowest (s)',
        'slowest / fastest',
        'all intact',
      ],
      outcomes.map((outcome) => {
        const fastest = Math.min(...outcome.perStream);
        const slowest = Math.max(...outcome.perStream);
        return [
          outcome.name,
          fixed(outcome.totalSeconds, 2),
          fixed(totalMiB / outcome.totalSeconds, 0),
          fixed(fastest, 2),
          fixed(median(outcome.perStream), 2),
          fixed(slowest, 2),
          fixed(slowest / fastest, 2),
          outcome.intact ? 'yes' : '**NO**',
        ];
      }),
    ),
  );
  console.log(
    '\n(back to back, the first stream finishes after 1/1000 of the run by design: its ratio is not a fairness figure)',
  );
  await agent.stop();
  await broker.close();
  if (outcomes.some((outcome) => !outcome.intact)) process.exitCode = 1;
}

if (process.argv[2] === '--child') void child(Number(process.argv[3]), Number(process.argv[4]) * MiB);
else void main();
