import { once } from 'node:events';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { TunnelClient } from './client.js';
import { TunnelClosedError } from './errors.js';
import type { TunnelSession } from './session.js';
import { startTcpProxy } from './testing/tcp-proxy.js';
import type { TcpProxy } from './testing/tcp-proxy.js';
import { connectAgent, eventually, fastKeepalive, readAll, startBroker } from './testing/tunnel-harness.js';
import type { Agent, Broker } from './testing/tunnel-harness.js';

describe('TunnelClient', () => {
  let broker: Broker;
  let agent: Agent | undefined;
  let proxy: TcpProxy | undefined;

  beforeEach(async () => {
    broker = await startBroker({ session: fastKeepalive });
  });

  afterEach(async () => {
    await agent?.client.close(0);
    await proxy?.close();
    await broker.close();
    agent = proxy = undefined;
  });

  it('fails in-flight streams on both ends with TUNNEL_CLOSED naming the cluster when the link drops', async () => {
    agent = await connectAgent(broker);
    const local = broker.server.openStream('dev-east', { path: '/api/v1/pods?watch=1' });
    const remote = await agent.inbox.next();
    remote.write('{"type":"ADDED"}\n');
    const localFailed = once(local, 'error') as Promise<[TunnelClosedError]>;
    const remoteFailed = once(remote, 'error') as Promise<[TunnelClosedError]>;
    // The agent's TCP connection dies abruptly (RST, no close handshake).
    agent.brokerSession.terminate('test: connection reset');
    const [[localError], [remoteError]] = await Promise.all([localFailed, remoteFailed]);
    expect(localError).toBeInstanceOf(TunnelClosedError);
    expect(localError.code).toBe('TUNNEL_CLOSED');
    expect(localError.message).toMatch(/tunnel to cluster "dev-east" closed/);
    expect(remoteError).toBeInstanceOf(TunnelClosedError);
    expect(remoteError.message).toMatch(/cluster "dev-east"/);
    expect(() => agent!.brokerSession.openStream({})).toThrow(TunnelClosedError);
  });

  it('notices a half-open connection within the keepalive bound and reconnects', async () => {
    proxy = await startTcpProxy(broker.port);
    agent = await connectAgent(broker, 'dev-east', {
      url: `ws://127.0.0.1:${proxy.port}${broker.server.path}`,
      session: fastKeepalive,
    });
    const inFlight = agent.brokerSession.openStream({});
    await agent.inbox.next();
    const inFlightFailed = once(inFlight, 'error') as Promise<[TunnelClosedError]>;
    const disconnected = once(agent.client, 'disconnected') as Promise<[{ error: TunnelClosedError }]>;
    const reconnected = new Promise<TunnelSession>((resolve) =>
      agent!.client.on('connected', (session) => resolve(session)),
    );

    const start = Date.now();
    proxy.blackhole();
    const [{ error }] = await disconnected;
    const noticedAfter = Date.now() - start;
    expect(error.message).toMatch(/keepalive timeout/);
    // Not before the timeout (counted from the last pong, up to one ping interval before the link died),
    // and well within a generous bound even on a loaded machine.
    const { keepaliveTimeoutMs, keepaliveIntervalMs } = fastKeepalive;
    expect(noticedAfter).toBeGreaterThanOrEqual(keepaliveTimeoutMs! - keepaliveIntervalMs! - 50);
    expect(noticedAfter).toBeLessThan(5_000);
    // The broker's end noticed too and failed the stream it had opened.
    const [brokerError] = await inFlightFailed;
    expect(brokerError.message).toMatch(/keepalive timeout/);

    const session = await reconnected;
    await eventually(
      () => broker.server.sessionFor('dev-east') !== undefined,
      'the broker to see the agent again',
    );
    const stream = broker.server.openStream('dev-east', {});
    const remote = await agent.inbox.next();
    remote.end('back');
    stream.end();
    expect((await readAll(stream)).toString()).toBe('back');
    expect(session.state).toBe('open');
  });

  it('reconnects when the broker restarts on the same port', async () => {
    agent = await connectAgent(broker);
    const port = broker.port;
    const disconnected = once(agent.client, 'disconnected');
    await broker.close();
    await disconnected;
    expect(agent.client.connected).toBe(false);

    broker = await startBroker({ port, session: fastKeepalive });
    const registered = once(broker.server, 'session');
    await once(agent.client, 'connected');
    await registered;
    const stream = broker.server.openStream('dev-east', { after: 'restart' });
    const remote = await agent.inbox.next();
    expect(remote.head).toEqual({ after: 'restart' });
    remote.end('hello again');
    stream.end();
    expect((await readAll(stream)).toString()).toBe('hello again');
  });

  it('backs off between failed attempts and stops for good on close()', async () => {
    const unused = createServer().listen(0, '127.0.0.1');
    await once(unused, 'listening');
    const { port } = unused.address() as AddressInfo;
    await new Promise((resolve) => unused.close(resolve));
    const client = new TunnelClient({
      url: `ws://127.0.0.1:${port}/tunnel/v1`,
      onStream: () => {},
      reconnect: { baseMs: 40, maxMs: 320, random: () => 0.99 },
    });
    const delays: number[] = [];
    client.on('connectFailed', ({ retryInMs }) => delays.push(retryInMs));
    client.start();
    await eventually(() => delays.length >= 5, 'five failed attempts');
    await client.close();
    expect(delays.slice(0, 5)).toEqual([39, 79, 158, 316, 316]);
    const attempts = delays.length;
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(delays.length).toBe(attempts);
  });
});
