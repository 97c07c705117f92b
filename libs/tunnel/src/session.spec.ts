import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { WebSocket } from 'ws';
import type { TunnelStreamResetError } from './errors.js';
import { TunnelClosedError, TunnelDrainingError } from './errors.js';
import {
  CloseCode,
  FLAG_DEFERRED,
  FrameType,
  SUBPROTOCOL,
  decodeMessage,
  encodeFrame,
  encodeHello,
  encodeOpen,
  encodeWindowUpdate,
} from './frame.js';
import type { Frame } from './frame.js';
import type { TunnelSession } from './session.js';
import type { TunnelStream } from './stream.js';
import { connectAgent, eventually, readAll, recordingLogger, startBroker } from './testing/tunnel-harness.js';
import type { Agent, Broker } from './testing/tunnel-harness.js';

const helloFrame = encodeHello({
  initialWindow: 256 * 1024,
  maxFramePayload: 32 * 1024,
  maxConcurrentStreams: 100,
  info: {},
});

interface RawPeer {
  ws: WebSocket;
  frames: Frame[];
  closed: Promise<{ code: number; reason: string }>;
  /** The broker's end of this connection, once the handshake is done. */
  session?: TunnelSession;
}

/** Speaks the wire protocol by hand, to do what a well-behaved agent never would. */
async function rawPeer(broker: Broker, options: { hello?: boolean } = {}): Promise<RawPeer> {
  const registered = once(broker.server, 'session') as Promise<[TunnelSession]>;
  const ws = new WebSocket(broker.url, [SUBPROTOCOL], { headers: { authorization: 'Bearer raw-token' } });
  const frames: Frame[] = [];
  ws.on('message', (data: Buffer) => frames.push(...decodeMessage(data, 1 << 20).frames));
  ws.on('error', () => {});
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  await once(ws, 'open');
  const peer: RawPeer = { ws, frames, closed };
  if (options.hello !== false) {
    ws.send(helloFrame);
    [peer.session] = await registered;
  }
  return peer;
}

async function echoWorks(agent: Agent, broker: Broker): Promise<void> {
  const stream = broker.server.openStream('dev-east', {});
  const remote = await agent.inbox.next();
  remote.pipe(remote);
  stream.end('still here');
  expect((await readAll(stream)).toString()).toBe('still here');
}

describe('bad input on the tunnel', () => {
  let broker: Broker;
  let agent: Agent;
  const logger = recordingLogger();

  beforeAll(async () => {
    broker = await startBroker({ logger });
    agent = await connectAgent(broker);
  });

  afterAll(async () => {
    await agent.client.close(0);
    await broker.close();
  });

  const dataFrame = (id: number, size: number) => encodeFrame(FrameType.Data, id, Buffer.alloc(size, 1));
  const httpGarbage = Buffer.concat([Buffer.from('GET / HTTP/1.1\r\n\r\n'), randomBytes(500)]);
  // [what, act, close code the peer gets, close reason, reason in the broker's log]
  const cases: Array<[string, (peer: RawPeer) => void | Promise<void>, number, RegExp, RegExp?]> = [
    ['binary garbage', (peer) => peer.ws.send(httpGarbage), CloseCode.VersionMismatch, /version 71/],
    ['a text message', (peer) => peer.ws.send('GET / HTTP/1.1'), CloseCode.ProtocolError, /text message/],
    [
      'a frame from another protocol version',
      (peer) => {
        const frame = dataFrame(1, 10);
        frame[0] = 2;
        peer.ws.send(frame);
      },
      CloseCode.VersionMismatch,
      /unsupported protocol version 2/,
    ],
    ['an oversized frame', (peer) => peer.ws.send(dataFrame(1, 40_000)), CloseCode.MessageTooBig, /exceeds/],
    [
      'an oversized message',
      (peer) => peer.ws.send(Buffer.alloc(2 * 1024 * 1024)),
      CloseCode.MessageTooBig,
      /^$/,
      /Max payload size exceeded/,
    ],
    ['DATA for a stream never opened', (peer) => peer.ws.send(dataFrame(99, 10)), 1002, /unknown stream 99/],
    [
      'credit for a stream never opened',
      (peer) => peer.ws.send(encodeWindowUpdate(8, 10)),
      1002,
      /unknown stream 8/,
    ],
    [
      'OPEN with an id reserved for the broker',
      (peer) => peer.ws.send(encodeOpen(2, Buffer.from('{}'))),
      1002,
      /reserved for this side/,
    ],
    [
      'an OPEN head that is not JSON',
      (peer) => peer.ws.send(encodeOpen(1, Buffer.from('{nope'))),
      1002,
      /not valid JSON/,
    ],
    ['a second HELLO', (peer) => peer.ws.send(helloFrame), 1002, /HELLO sent twice/],
    [
      'a deferred payload of the wrong size',
      (peer) => {
        const header = encodeFrame(FrameType.Data, 1, Buffer.alloc(0), FLAG_DEFERRED);
        header.writeUInt32BE(100, 8);
        peer.ws.send(header);
        peer.ws.send(Buffer.alloc(50));
      },
      1002,
      /deferred DATA payload is 50 bytes, its header said 100/,
    ],
  ];

  it.each(cases)(
    '%s closes that connection with a logged reason, nobody else notices',
    async (_name, act, code, reason, logged = reason) => {
      const peer = await rawPeer(broker);
      const sessionClosed = once(peer.session!, 'close') as Promise<[TunnelClosedError]>;
      await act(peer);
      const closed = await peer.closed;
      expect(closed.code).toBe(code);
      expect(closed.reason).toMatch(reason);
      const [error] = await sessionClosed;
      expect(error).toBeInstanceOf(TunnelClosedError);
      expect(
        logger.lines.some((line) => line.level === 'warn' && logged.test(String(line.fields.reason))),
      ).toBe(true);
      expect(broker.server.sessionsFor('raw')).toHaveLength(0);
      await echoWorks(agent, broker);
    },
  );

  it('a frame before HELLO closes the connection', async () => {
    const peer = await rawPeer(broker, { hello: false });
    peer.ws.send(dataFrame(1, 10));
    expect(await peer.closed).toEqual({ code: 1002, reason: expect.stringMatching(/expected HELLO/) });
  });

  it('a peer that never sends HELLO is dropped after the handshake timeout', async () => {
    const quick = await startBroker({ session: { handshakeTimeoutMs: 200 } });
    try {
      const peer = await rawPeer(quick, { hello: false });
      expect(await peer.closed).toEqual({
        code: CloseCode.HandshakeTimeout,
        reason: expect.stringMatching(/HELLO/),
      });
    } finally {
      await quick.close();
    }
  });

  it('sending beyond the granted window is a protocol error that fails the stream', async () => {
    const peer = await rawPeer(broker);
    const stream = peer.session!.openStream({ method: 'GET' });
    const failed = once(stream, 'error') as Promise<[TunnelClosedError]>;
    await eventually(() => peer.frames.some((frame) => frame.type === FrameType.Open), 'the OPEN frame');
    // The broker granted 256 KiB; send one byte more without waiting for credit.
    for (let sent = 0; sent < 256 * 1024; sent += 32 * 1024) peer.ws.send(dataFrame(2, 32 * 1024));
    peer.ws.send(dataFrame(2, 1));
    const closed = await peer.closed;
    expect(closed.code).toBe(1002);
    expect(closed.reason).toMatch(/flow-control window/);
    const [error] = await failed;
    expect(error.code).toBe('TUNNEL_CLOSED');
  });

  it('a stream handler that throws resets that stream only', async () => {
    const peer = await rawPeer(broker);
    peer.session!.on('stream', () => {
      throw new Error('handler bug');
    });
    peer.ws.send(encodeOpen(1, Buffer.from('{}')));
    await eventually(() => peer.frames.some((frame) => frame.type === FrameType.Reset), 'the RST');
    expect(peer.session!.state).toBe('open');
    peer.ws.close();
  });
});

describe('drain', () => {
  let broker: Broker;
  let agent: Agent;

  beforeEach(async () => {
    broker = await startBroker();
    agent = await connectAgent(broker);
  });

  afterEach(async () => {
    await agent.client.close(0);
    await broker.close();
  });

  it('refuses new streams on both sides, lets in-flight ones finish, then closes', async () => {
    const session = agent.brokerSession;
    const inFlight = session.openStream({ path: '/watch' });
    const remote = await agent.inbox.next();
    const goaway = once(agent.session, 'goaway');
    const drained = session.drain(10_000);

    expect(() => session.openStream({})).toThrow(TunnelDrainingError);
    await goaway;
    try {
      agent.session.openStream({});
      expect.unreachable();
    } catch (error) {
      expect((error as TunnelDrainingError).code).toBe('TUNNEL_DRAINING');
    }

    // The in-flight stream still carries data both ways after the drain began.
    const payload = randomBytes(512 * 1024);
    inFlight.end(payload);
    const echoed = readAll(inFlight);
    remote.pipe(remote);
    expect((await echoed).equals(payload)).toBe(true);
    await drained;
    expect(session.state).toBe('closed');
  });

  it('resets the streams still open at the deadline, with a reason both ends see', async () => {
    const session = agent.brokerSession;
    const stuck = session.openStream({ path: '/logs', follow: true });
    const remote = await agent.inbox.next();
    const remoteFailed = once(remote, 'error') as Promise<[TunnelStreamResetError]>;
    const localFailed = once(stuck, 'error') as Promise<[TunnelStreamResetError]>;
    await session.drain(200);
    const [[remoteError], [localError]] = await Promise.all([remoteFailed, localFailed]);
    expect(remoteError.resetCode).toBe('DRAIN_TIMEOUT');
    expect(remoteError.reason).toMatch(/drain deadline of 200 ms/);
    expect(localError.resetCode).toBe('DRAIN_TIMEOUT');
  });

  it('the agent dials a fresh session while the draining one finishes', async () => {
    const old = agent.brokerSession;
    const stream = old.openStream({});
    const remote = await agent.inbox.next();
    const reconnected = once(agent.client, 'connected') as Promise<[TunnelSession]>;
    const drained = old.drain(10_000);
    const [fresh] = await reconnected;
    expect(fresh).not.toBe(agent.session);
    await eventually(
      () => broker.server.sessionFor('dev-east') !== undefined,
      'the new session at the broker',
    );
    expect(broker.server.sessionFor('dev-east')).not.toBe(old);
    remote.end('done');
    stream.end();
    expect((await readAll(stream)).toString()).toBe('done');
    await drained;
  });

  it('the agent can drain too: client.close() finishes its streams and stops reconnecting', async () => {
    const stream = agent.brokerSession.openStream({});
    const remote: TunnelStream = await agent.inbox.next();
    const closing = agent.client.close(10_000);
    remote.end('last words');
    stream.end();
    expect((await readAll(stream)).toString()).toBe('last words');
    await closing;
    await eventually(
      () => broker.server.sessionsFor('dev-east').length === 0,
      'the broker to drop the session',
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(agent.client.connected).toBe(false);
    expect(broker.server.sessionsFor('dev-east')).toHaveLength(0);
  });
});
