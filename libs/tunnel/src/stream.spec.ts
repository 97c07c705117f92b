import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { pipeline } from 'node:stream/promises';
import { TunnelStreamHeadTooLargeError, TunnelStreamResetError } from './errors.js';
import type { TunnelStream } from './stream.js';
import { connectAgent, eventually, readAll, startBroker } from './testing/tunnel-harness.js';
import type { Agent, Broker } from './testing/tunnel-harness.js';

const WINDOW = 64 * 1024;
/** Windows may auto-tune up to four times the initial size. */
const MAX_WINDOW = 4 * WINDOW;
const settings = { initialWindow: WINDOW, maxWindow: MAX_WINDOW, windowGrowthBudget: 16 * WINDOW };

let broker: Broker;
let agent: Agent;

beforeEach(async () => {
  broker = await startBroker({ session: settings });
  agent = await connectAgent(broker, 'dev-east', { session: settings });
});

afterEach(async () => {
  await agent.client.close(0);
  await broker.close();
});

async function openPair(
  head: object = { method: 'GET', path: '/api' },
): Promise<[TunnelStream, TunnelStream]> {
  const local = broker.server.openStream('dev-east', head);
  return [local, await agent.inbox.next()];
}

/** Writes `chunks` honouring backpressure, then ends. */
async function writeAll(stream: TunnelStream, chunks: Buffer[]): Promise<void> {
  for (const chunk of chunks) {
    if (!stream.write(chunk)) await once(stream, 'drain');
  }
  stream.end();
}

function digest(data: Buffer | Buffer[]): string {
  const hash = createHash('sha256');
  for (const chunk of Array.isArray(data) ? data : [data]) hash.update(chunk);
  return hash.digest('hex');
}

describe('TunnelStream', () => {
  it('delivers the head and the bytes of each direction intact and in order', async () => {
    const [local, remote] = await openPair({
      method: 'POST',
      path: '/api/v1/namespaces',
      headers: { a: ['1', '2'] },
    });
    expect(remote.head).toEqual({ method: 'POST', path: '/api/v1/namespaces', headers: { a: ['1', '2'] } });
    // Odd sizes straddle frame and window boundaries.
    const request = Array.from({ length: 300 }, (_, i) => randomBytes(1 + ((i * 7919) % 20_000)));
    const response = Array.from({ length: 300 }, (_, i) => randomBytes(1 + ((i * 104_729) % 50_000)));
    const [gotRequest, gotResponse] = await Promise.all([
      readAll(remote),
      readAll(local),
      writeAll(local, request),
      writeAll(remote, response),
    ]);
    expect(digest(gotRequest)).toBe(digest(request));
    expect(digest(gotResponse)).toBe(digest(response));
  });

  it('keeps many concurrent streams apart', async () => {
    const pairs = await Promise.all(Array.from({ length: 50 }, (_, i) => openPair({ index: i })));
    const payloads = pairs.map(() => randomBytes(200_000));
    const received = await Promise.all(
      pairs.map(async ([local, remote]) => {
        const payload = payloads[remote.head.index as number];
        const [data] = await Promise.all([readAll(local), writeAll(remote, [payload]), remote.resume()]);
        return data;
      }),
    );
    received.forEach((data, i) => expect(data.equals(payloads[i])).toBe(true));
  });

  it('half-closes: the side that ended can still read, the other can still write', async () => {
    const [local, remote] = await openPair();
    local.end('request body');
    expect((await readAll(remote)).toString()).toBe('request body');
    // The agent has seen the end of the request and only now answers.
    remote.write('response ');
    remote.end('after the request ended');
    expect((await readAll(local)).toString()).toBe('response after the request ended');
    await eventually(
      () => broker.server.sessionFor('dev-east')!.streamCount === 0,
      'the stream to be forgotten',
    );
  });

  it('pipes like a socket: an echo service on the agent', async () => {
    const [local, remote] = await openPair();
    void pipeline(remote, remote);
    const payload = randomBytes(3 * 1024 * 1024);
    const [echoed] = await Promise.all([readAll(local), writeAll(local, [payload])]);
    expect(echoed.equals(payload)).toBe(true);
  });

  it('reset: the peer sees an error with the reason, and the stream is gone on both sides', async () => {
    const [local, remote] = await openPair();
    const failed = once(remote, 'error') as Promise<[TunnelStreamResetError]>;
    local.reset('kubectl went away');
    const [error] = await failed;
    expect(error).toBeInstanceOf(TunnelStreamResetError);
    expect(error.code).toBe('STREAM_RESET');
    expect(error.resetCode).toBe('CANCEL');
    expect(error.reason).toBe('kubectl went away');
    expect(error.remote).toBe(true);
    expect(local.destroyed).toBe(true);
    await eventually(() => agent.session.streamCount === 0, 'the agent to forget the stream');
    expect(broker.server.sessionFor('dev-east')!.streamCount).toBe(0);
  });

  it('destroy(error) on the agent reaches the broker as a stream error with that message', async () => {
    const [local, remote] = await openPair();
    const failed = once(local, 'error') as Promise<[TunnelStreamResetError]>;
    remote.destroy(new Error('dial tcp 10.96.0.1:443: connect: connection refused'));
    const [error] = await failed;
    expect(error.resetCode).toBe('STREAM_ERROR');
    expect(error.reason).toBe('dial tcp 10.96.0.1:443: connect: connection refused');
    expect(local.write('more', () => {})).toBe(false);
  });

  it('refuses a head that does not fit one frame, before anything is sent', () => {
    expect(() => broker.server.openStream('dev-east', { headers: 'x'.repeat(40_000) })).toThrow(
      TunnelStreamHeadTooLargeError,
    );
    expect(broker.server.sessionFor('dev-east')!.streamCount).toBe(0);
  });

  it('refuses streams beyond the peer limit with REFUSED, leaving the open ones working', async () => {
    await agent.client.close(0);
    agent = await connectAgent(broker, 'dev-east', { session: { maxConcurrentStreams: 2 } });
    const session = agent.brokerSession;
    const first = session.openStream({ n: 1 });
    session.openStream({ n: 2 });
    const third = session.openStream({ n: 3 });
    const [error] = (await once(third, 'error')) as [TunnelStreamResetError];
    expect(error.resetCode).toBe('REFUSED');
    expect(error.reason).toMatch(/too many concurrent streams/);
    first.end('still fine');
    expect((await readAll(await agent.inbox.next())).toString()).toBe('still fine');
  });
});

describe('flow control', () => {
  it('a reader that stops holds at most one window, and its writer is stopped by backpressure', async () => {
    const [local, remote] = await openPair();
    // Nobody reads `local`. The agent writes whenever write() lets it, until no 'drain' comes for a while.
    const chunk = Buffer.alloc(16 * 1024, 1);
    let written = 0;
    for (;;) {
      while (remote.write(chunk)) written += chunk.length;
      written += chunk.length;
      const drained = await Promise.race([
        once(remote, 'drain').then(() => true),
        new Promise((resolve) => setTimeout(resolve, 300, false)),
      ]);
      if (!drained) break;
    }
    // Received-but-unread bytes are bounded by the window (no reader, so it never grew)...
    await eventually(() => local.receiveBuffered > 0, 'data to arrive');
    expect(local.receiveWindowSize).toBe(WINDOW);
    expect(local.receiveBuffered).toBeLessThanOrEqual(WINDOW);
    // ...and the writer holds at most one more window before write() refuses.
    expect(remote.writableLength).toBeLessThanOrEqual(WINDOW + chunk.length);
    expect(written).toBeLessThanOrEqual(2 * WINDOW + chunk.length);
    expect(remote.writableNeedDrain).toBe(true);
  });

  it('a stalled stream does not stall its neighbours', async () => {
    const [stalledLocal, stalledRemote] = await openPair({ name: 'stalled' });
    const [busyLocal, busyRemote] = await openPair({ name: 'busy' });
    // The stalled stream's writer has filled its window; nobody reads it.
    while (stalledRemote.write(Buffer.alloc(32 * 1024))) {
      /* fill */
    }
    const payload = randomBytes(8 * 1024 * 1024);
    const [received] = await Promise.all([readAll(busyLocal), writeAll(busyRemote, [payload])]);
    expect(received.equals(payload)).toBe(true);
    expect(stalledLocal.receiveBuffered).toBeLessThanOrEqual(WINDOW);
    expect(busyLocal.receiveWindowSize).toBeLessThanOrEqual(MAX_WINDOW);
    // And the stalled one resumes when its reader does.
    stalledRemote.end();
    const rest = await readAll(stalledLocal);
    expect(rest.length).toBeGreaterThan(0);
  });

  it('a slow reader gets every byte, with buffering bounded all along', async () => {
    const [local, remote] = await openPair();
    const payload = randomBytes(2 * 1024 * 1024);
    const done = writeAll(remote, [payload]);
    const chunks: Buffer[] = [];
    let maxBuffered = 0;
    for await (const chunk of local) {
      chunks.push(chunk as Buffer);
      maxBuffered = Math.max(maxBuffered, local.receiveBuffered);
      if (chunks.length % 16 === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await done;
    expect(Buffer.concat(chunks).equals(payload)).toBe(true);
    expect(maxBuffered).toBeLessThanOrEqual(MAX_WINDOW);
  });
});
