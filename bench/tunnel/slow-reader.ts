/**
 * A 512 MiB stream from the agent to the broker whose reader stops for 10 s and then resumes: credit
 * flow control must hold both processes' memory flat (bar: RSS growth ≤ 64 MiB each side) and the
 * transfer must complete. Baselines in the same run: the same transfer with a reader that never stops,
 * and a raw WebSocket whose reader stops (ws.pause(), TCP backpressure) for the same 10 s.
 *   npx tsx --conditions=source bench/tunnel/slow-reader.ts [MiB, default 512] [pause seconds, default 10]
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { WebSocket, WebSocketServer } from 'ws';
import { TunnelClient } from '@tether/tunnel';
import type { TunnelStream } from '@tether/tunnel';
import {
  Child,
  MiB,
  RssSampler,
  repeated,
  fixed,
  seededBytes,
  sendRawMessages,
  serveParent,
  startBroker,
  table,
  waitForSession,
  writeAll,
} from './support';

const CHUNK = 64 * 1024;
const RSS_BAR_MIB = 64;

function expectedDigest(block: Buffer, total: number): string {
  const hash = createHash('sha256');
  for (const chunk of repeated(block, total, CHUNK)) hash.update(chunk);
  return hash.digest('hex');
}

async function child(port: number): Promise<void> {
  const block = seededBytes(MiB);
  const sampler = new RssSampler();
  let raw: WebSocket | undefined;
  const client = new TunnelClient({
    url: `ws://127.0.0.1:${port}/tunnel/v1`,
    onStream: (stream) => void writeAll(stream, repeated(block, stream.head.bytes as number, CHUNK)),
  });
  client.start();
  await once(client, 'connected');
  serveParent({
    ready: () => true,
    rssStart: () => sampler.start(),
    rssStop: () => sampler.stop(),
    rss: () => process.memoryUsage.rss(),
    rawSend: async ({ bytes }) => {
      raw = new WebSocket(`ws://127.0.0.1:${port}/raw`, { perMessageDeflate: false });
      await once(raw, 'open');
      await sendRawMessages(raw, repeated(block, bytes as number, CHUNK));
    },
  });
}

interface Run {
  name: string;
  seconds: number;
  broker: ReturnType<RssSampler['stop']>;
  agent: ReturnType<RssSampler['stop']>;
  intact: boolean;
  pause?: PauseFacts;
}

/** What the pause looked like: unread bytes at the broker, and how RSS moved while nobody read. */
interface PauseFacts {
  unreadAtBroker?: number;
  brokerDeltaMiB: number;
  agentDeltaMiB: number;
}

interface PauseProbe {
  /** Bytes received by the broker and not yet read, if the transport exposes it. */
  unread?: () => number;
  agentRss: () => Promise<number>;
}

/** Reads `source` with sha256, pausing once for `pauseMs` after `pauseAfter` bytes. */
function slowReader(
  source: { pause(): void; resume(): void; on(event: 'data', listener: (chunk: Buffer) => void): void },
  total: number,
  pauseAfter: number,
  pauseMs: number,
  probe: PauseProbe,
): Promise<{ digest: string; pause?: PauseFacts }> {
  return new Promise((resolve) => {
    const hash = createHash('sha256');
    let received = 0;
    let paused = false;
    let pause: PauseFacts | undefined;
    source.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      received += chunk.length;
      if (!paused && pauseMs > 0 && received >= pauseAfter) {
        paused = true;
        source.pause();
        const brokerBefore = process.memoryUsage.rss();
        const agentBefore = probe.agentRss();
        setTimeout(async () => {
          const unreadAtBroker = probe.unread?.();
          const brokerAfter = process.memoryUsage.rss();
          const agentAfter = await probe.agentRss();
          pause = {
            unreadAtBroker,
            brokerDeltaMiB: (brokerAfter - brokerBefore) / MiB,
            agentDeltaMiB: (agentAfter - (await agentBefore)) / MiB,
          };
          source.resume();
        }, pauseMs);
      }
      if (received === total) resolve({ digest: hash.digest('hex'), pause });
    });
  });
}

async function main(): Promise<void> {
  const total = Number(process.argv[2] ?? 512) * MiB;
  const pauseMs = Number(process.argv[3] ?? 10) * 1000;
  const pauseAfter = Math.min(128 * MiB, total / 4);
  const expected = expectedDigest(seededBytes(MiB), total);

  const rawServer = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  let onRawSocket: (ws: WebSocket) => void = () => {};
  const broker = await startBroker({}, (request, socket, head) =>
    rawServer.handleUpgrade(request, socket, head, (ws) => onRawSocket(ws)),
  );
  const sessionReady = waitForSession(broker.tunnel);
  const agent = await Child.start(__filename, [String(broker.port)]);
  const session = await sessionReady;
  const sampler = new RssSampler();
  const agentRss = () => agent.call<number>('rss');

  const tunnelRun = async (name: string, bytes: number, pause: number): Promise<Run> => {
    sampler.start();
    await agent.call('rssStart');
    const start = performance.now();
    const stream: TunnelStream = session.openStream({ bytes });
    stream.end();
    const { digest, pause: facts } = await slowReader(stream, bytes, pauseAfter, pause, {
      unread: () => stream.receiveBuffered + stream.readableLength,
      agentRss,
    });
    const seconds = (performance.now() - start) / 1000;
    return {
      name,
      seconds,
      broker: sampler.stop(),
      agent: await agent.call('rssStop'),
      intact: bytes !== total || digest === expected,
      pause: facts,
    };
  };

  // Warm-up, so pools and compiled code exist before the baselines are taken.
  await tunnelRun('warm-up', 64 * MiB, 0);
  const runs: Run[] = [];
  runs.push(await tunnelRun(`tunnel, reader stops ${pauseMs / 1000} s`, total, pauseMs));
  runs.push(await tunnelRun('tunnel, reader never stops', total, 0));
  {
    sampler.start();
    await agent.call('rssStart');
    const start = performance.now();
    const connected = new Promise<WebSocket>((resolve) => (onRawSocket = resolve));
    const sent = agent.call('rawSend', { bytes: total });
    const ws = await connected;
    const { digest, pause: facts } = await slowReader(
      {
        pause: () => ws.pause(),
        resume: () => ws.resume(),
        on: (_event, listener) => ws.on('message', listener),
      },
      total,
      pauseAfter,
      pauseMs,
      { agentRss },
    );
    await sent;
    runs.push({
      name: `raw ws, reader stops ${pauseMs / 1000} s (TCP backpressure)`,
      seconds: (performance.now() - start) / 1000,
      broker: sampler.stop(),
      agent: await agent.call('rssStop'),
      intact: digest === expected,
      pause: facts,
    });
  }

  console.log(
    `\n${total / MiB} MiB agent → broker, reader stopped after ${pauseAfter / MiB} MiB; RSS in MiB, ` +
      'growth = peak − RSS at the start of the run (after a full GC)\n',
  );
  console.log(
    table(
      [
        'run',
        'time (s)',
        'broker RSS start',
        'broker peak',
        'broker growth',
        'agent RSS start',
        'agent peak',
        'agent growth',
        'unread at broker after pause',
        'RSS change during pause, broker / agent',
        'intact',
        `growth ≤ ${RSS_BAR_MIB} MiB`,
      ],
      runs.map((run) => [
        run.name,
        fixed(run.seconds, 2),
        fixed(run.broker.baselineMiB, 0),
        fixed(run.broker.peakMiB, 0),
        fixed(run.broker.growthMiB, 1),
        fixed(run.agent.baselineMiB, 0),
        fixed(run.agent.peakMiB, 0),
        fixed(run.agent.growthMiB, 1),
        run.pause?.unreadAtBroker === undefined ? '–' : `${fixed(run.pause.unreadAtBroker / MiB, 1)} MiB`,
        run.pause ? `${fixed(run.pause.brokerDeltaMiB, 1)} / ${fixed(run.pause.agentDeltaMiB, 1)}` : '–',
        run.intact ? 'yes' : '**NO**',
        Math.max(run.broker.growthMiB, run.agent.growthMiB) <= RSS_BAR_MIB ? 'yes' : '**no**',
      ]),
    ),
  );
  await agent.stop();
  rawServer.close();
  await broker.close();
}

if (process.argv[2] === '--child') void child(Number(process.argv[3]));
else void main();
