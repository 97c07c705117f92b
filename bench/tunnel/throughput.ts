/**
 * One large stream through the tunnel vs raw `ws` between the same two processes, both directions.
 * Bar: the tunnel moves at least 70% of what raw ws moves. Raw ws sends 64 KiB messages with the same
 * 1 MiB limit on unflushed bytes as the tunnel's writer; both consume data the way pipe() does.
 *   npx tsx --conditions=source bench/tunnel/throughput.ts [MiB per run, default 1024] [rounds, default 5]
 */
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { WebSocket, WebSocketServer } from 'ws';
import { TunnelClient } from '@tether/tunnel';
import type { TunnelStream } from '@tether/tunnel';
import {
  Child,
  MiB,
  fixed,
  median,
  repeated,
  seededBytes,
  sendRawMessages,
  serveParent,
  startBroker,
  table,
  waitForSession,
  writeAll,
} from './support';

/** The payload: a 64 KiB block sent over and over, so producing data costs nothing. */
const block = seededBytes(64 * 1024);

/** Counts a stream's bytes the way pipe() consumes a stream: 'data' events, no copying. */
function countStream(stream: TunnelStream): Promise<number> {
  return new Promise((resolve, reject) => {
    let received = 0;
    stream.on('data', (chunk: Buffer) => (received += chunk.length));
    stream.once('end', () => resolve(received));
    stream.once('error', reject);
  });
}

async function readText(stream: TunnelStream): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += String(chunk);
  return text;
}

function countRaw(ws: WebSocket, bytes: number): Promise<void> {
  return new Promise((resolve) => {
    let received = 0;
    const onMessage = (data: Buffer) => {
      received += data.length;
      if (received >= bytes) {
        ws.off('message', onMessage);
        resolve();
      }
    };
    ws.on('message', onMessage);
  });
}

async function child(port: number): Promise<void> {
  const raw = new WebSocket(`ws://127.0.0.1:${port}/raw`, { perMessageDeflate: false, maxPayload: 64 * MiB });
  await once(raw, 'open');
  const client = new TunnelClient({
    url: `ws://127.0.0.1:${port}/tunnel/v1`,
    onStream: (stream) => {
      const { op, bytes } = stream.head as { op: string; bytes: number };
      if (op === 'upload') void writeAll(stream, repeated(block, bytes));
      else void countStream(stream).then((received) => stream.end(String(received)));
    },
  });
  client.start();
  await once(client, 'connected');
  serveParent({
    ready: () => true,
    rawUpload: ({ bytes }) => sendRawMessages(raw, repeated(block, bytes as number)),
    rawDownload: ({ bytes }) => countRaw(raw, bytes as number),
  });
}

async function main(): Promise<void> {
  const mib = Number(process.argv[2] ?? 1024);
  const rounds = Number(process.argv[3] ?? 5);
  const bytes = mib * MiB;
  let rawSocket: WebSocket | undefined;
  const rawServer = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 64 * MiB });
  const broker = await startBroker({}, (request, socket, head) =>
    rawServer.handleUpgrade(request, socket, head, (ws) => (rawSocket = ws)),
  );
  const sessionReady = waitForSession(broker.tunnel);
  const agent = await Child.start(__filename, [String(broker.port)]);
  const session = await sessionReady;
  const raw = rawSocket!;

  const results: Record<string, number[]> = { rawUp: [], tunnelUp: [], rawDown: [], tunnelDown: [] };
  const time = async (run: () => Promise<unknown>): Promise<number> => {
    const start = performance.now();
    await run();
    return bytes / MiB / ((performance.now() - start) / 1000);
  };
  for (let round = 0; round < rounds; round++) {
    // agent -> broker: what responses, logs and watches do; client frames are masked.
    results.rawUp.push(
      await time(() => Promise.all([countRaw(raw, bytes), agent.call('rawUpload', { bytes })])),
    );
    results.tunnelUp.push(await time(() => countStream(session.openStream({ op: 'upload', bytes }).end())));
    // broker -> agent: request bodies, kubectl cp uploads, exec stdin.
    results.rawDown.push(
      await time(async () => {
        const counted = agent.call('rawDownload', { bytes });
        await sendRawMessages(raw, repeated(block, bytes));
        await counted;
      }),
    );
    results.tunnelDown.push(
      await time(async () => {
        const stream = session.openStream({ op: 'download', bytes });
        const [reply] = await Promise.all([readText(stream), writeAll(stream, repeated(block, bytes))]);
        if (reply !== String(bytes)) throw new Error(`agent received ${reply} of ${bytes} bytes`);
      }),
    );
  }

  // Each round measures raw and tunnel back to back, so the per-round ratio cancels out load that
  // other processes put on the machine; the table shows the median of rounds.
  const rows = [
    ['agent → broker', results.rawUp, results.tunnelUp],
    ['broker → agent', results.rawDown, results.tunnelDown],
  ].map(([direction, rawRuns, tunnelRuns]) => {
    const ratios = (rawRuns as number[]).map((raw, i) => (tunnelRuns as number[])[i] / raw);
    const ratio = median(ratios);
    return [
      direction as string,
      fixed(median(rawRuns as number[])),
      fixed(median(tunnelRuns as number[])),
      `${fixed(ratio * 100, 0)}%`,
      `${fixed(Math.min(...ratios) * 100, 0)}–${fixed(Math.max(...ratios) * 100, 0)}%`,
      ratio >= 0.7 ? 'yes' : '**no**',
    ];
  });
  console.log(`\nOne stream of ${mib} MiB, median of ${rounds} rounds\n`);
  console.log(
    table(
      ['direction', 'raw ws (MiB/s)', 'tunnel (MiB/s)', 'tunnel / raw', 'range over rounds', '≥ 70%'],
      rows,
    ),
  );
  await agent.stop();
  await broker.close();
}

if (process.argv[2] === '--child') void child(Number(process.argv[3]));
else void main();
