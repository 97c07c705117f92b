import { once } from 'node:events';
import { request } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { type AddressInfo, connect } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { CertificateAuthority } from '@tether/pki';
import pino from 'pino';
import { TunnelAuthError, TunnelRejectedError, TunnelUnavailableError } from './errors.js';
import { SUBPROTOCOL } from './frame.js';
import { TunnelClient } from './client.js';
import { TunnelServer } from './server.js';
import { connectAgent, eventually, readAll, recordingLogger, startBroker } from './testing/tunnel-harness.js';
import type { Agent, Broker } from './testing/tunnel-harness.js';

/** The broker's answer to a raw upgrade request. */
async function upgradeResponse(
  broker: Broker,
  headers: Record<string, string>,
): Promise<{ status: number | undefined; body: string }> {
  const req = request(`http://127.0.0.1:${broker.port}${broker.server.path}`, {
    headers: {
      connection: 'Upgrade',
      upgrade: 'websocket',
      'sec-websocket-version': '13',
      'sec-websocket-key': Buffer.from('0123456789abcdef').toString('base64'),
      ...headers,
    },
  });
  // The broker closes a refused connection; a reset after its answer is expected, not a failure.
  req.on('error', () => {});
  req.end();
  const [response] = await Promise.race([
    once(req, 'response'),
    once(req, 'upgrade').then(() => {
      throw new Error('the upgrade was accepted');
    }),
  ]);
  return { status: response.statusCode, body: (await readAll(response)).toString() };
}

describe('TunnelServer authentication', () => {
  let broker: Broker;
  const authenticate = vi.fn();

  beforeEach(async () => {
    authenticate.mockReset();
    broker = await startBroker({ authenticate });
  });

  afterEach(async () => {
    await broker.close();
  });

  it('survives an agent that resets the connection right after being refused', async () => {
    for (let attempt = 0; attempt < 20; attempt++) {
      const socket = connect(broker.port, '127.0.0.1');
      await once(socket, 'connect');
      socket.on('error', () => {});
      socket.write(
        `GET ${broker.server.path} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
          'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: MDEyMzQ1Njc4OWFiY2RlZg==\r\n\r\n',
      );
      await once(socket, 'data');
      socket.resetAndDestroy();
    }
    authenticate.mockResolvedValue({ clusterName: 'dev-east' });
    const east = await connectAgent(broker, 'dev-east');
    expect(broker.server.sessionsFor('dev-east')).toHaveLength(1);
    await east.client.close(0);
  });

  it('refuses an agent the authenticate hook rejects, with its status and reason, before any session', async () => {
    authenticate.mockRejectedValue(new TunnelAuthError('cluster dev-west is disabled', 403));
    const sessions = vi.fn();
    broker.server.on('session', sessions);
    const response = await upgradeResponse(broker, {
      'sec-websocket-protocol': SUBPROTOCOL,
      authorization: 'Bearer x',
    });
    expect(response).toEqual({ status: 403, body: 'cluster dev-west is disabled\n' });
    expect(authenticate).toHaveBeenCalledTimes(1);
    expect(authenticate.mock.calls[0][0].headers.authorization).toBe('Bearer x');
    expect(sessions).not.toHaveBeenCalled();
  });

  it('answers 401 without leaking the internals of an unexpected authentication failure', async () => {
    authenticate.mockRejectedValue(new Error('connect ECONNREFUSED 10.0.0.5:5432'));
    const response = await upgradeResponse(broker, { 'sec-websocket-protocol': SUBPROTOCOL });
    expect(response).toEqual({ status: 401, body: 'agent authentication failed\n' });
  });

  it('tells an agent speaking another protocol version which one the broker speaks', async () => {
    const response = await upgradeResponse(broker, { 'sec-websocket-protocol': 'tether-tunnel.v2' });
    expect(response.status).toBe(400);
    expect(response.body).toMatch(/offered: tether-tunnel\.v2.*speaks tether-tunnel\.v1/);
    expect(authenticate).not.toHaveBeenCalled();
  });

  it('the agent sees the refusal as TunnelRejectedError and keeps retrying with backoff until let in', async () => {
    let allowed = false;
    authenticate.mockImplementation(() => {
      if (!allowed) throw new TunnelAuthError('join token expired');
      return { clusterName: 'dev-east' };
    });
    const client = new TunnelClient({
      url: broker.url,
      onStream: () => {},
      reconnect: { baseMs: 10, maxMs: 50 },
    });
    const failures: Error[] = [];
    client.on('connectFailed', ({ error }) => failures.push(error));
    client.start();
    await eventually(() => failures.length >= 3, 'three refused attempts');
    expect(failures[0]).toBeInstanceOf(TunnelRejectedError);
    expect(failures[0]).toMatchObject({ status: 401, reason: 'join token expired', code: 'TUNNEL_REJECTED' });
    allowed = true;
    await once(client, 'connected');
    expect(client.session!.clusterName).toBe('dev-east');
    await client.close(0);
  });
});

describe('TunnelServer sessions', () => {
  let broker: Broker;
  const agents: Agent[] = [];

  beforeEach(async () => {
    broker = await startBroker({
      authenticate: (request) => {
        const [, clusterName, agentId] = /^Bearer (.+)-token(?:-(.+))?$/.exec(
          request.headers.authorization ?? '',
        )!;
        return { clusterName, agentId };
      },
    });
  });

  afterEach(async () => {
    await Promise.all(agents.splice(0).map((agent) => agent.client.close(0)));
    await broker.close();
  });

  async function agent(clusterName: string, agentId?: string): Promise<Agent> {
    const connected = await connectAgent(broker, clusterName, {
      headers: { authorization: `Bearer ${clusterName}-token${agentId ? `-${agentId}` : ''}` },
    });
    agents.push(connected);
    return connected;
  }

  it('binds each connection to the cluster its credential names, and tells the agent', async () => {
    const east = await agent('dev-east', 'a1');
    const west = await agent('dev-west');
    expect(east.brokerSession.clusterName).toBe('dev-east');
    expect(east.brokerSession.identity).toEqual({ clusterName: 'dev-east', agentId: 'a1' });
    expect(east.session.clusterName).toBe('dev-east');
    expect(broker.server.clusterNames().sort()).toEqual(['dev-east', 'dev-west']);

    broker.server.openStream('dev-west', { to: 'west' }).end();
    expect((await west.inbox.next()).head).toEqual({ to: 'west' });
    broker.server.openStream('dev-east', { to: 'east' }).end();
    expect((await east.inbox.next()).head).toEqual({ to: 'east' });
  });

  it('a cluster with no agent is a typed TUNNEL_UNAVAILABLE error naming it', () => {
    expect(() => broker.server.openStream('prod', {})).toThrow(TunnelUnavailableError);
    expect(() => broker.server.openStream('prod', {})).toThrow(/cluster "prod"/);
  });

  it('keeps a second agent of the same cluster and spreads streams over both', async () => {
    const first = await agent('dev-east', 'one');
    const second = await agent('dev-east', 'two');
    expect(broker.server.sessionsFor('dev-east')).toHaveLength(2);
    const picked = new Set(Array.from({ length: 4 }, () => broker.server.sessionFor('dev-east')));
    expect(picked).toEqual(new Set([first.brokerSession, second.brokerSession]));

    const closed = once(broker.server, 'sessionClosed');
    await first.client.close(0);
    await closed;
    for (let i = 0; i < 3; i++) expect(broker.server.sessionFor('dev-east')).toBe(second.brokerSession);
  });

  it('drain refuses new agents with 503 while the connected one finishes', async () => {
    const east = await agent('dev-east');
    const stream = broker.server.openStream('dev-east', {});
    const remote = await east.inbox.next();
    const drained = broker.server.drain(10_000);
    const response = await upgradeResponse(broker, {
      'sec-websocket-protocol': SUBPROTOCOL,
      authorization: 'Bearer dev-west-token',
    });
    expect(response.status).toBe(503);
    expect(response.body).toMatch(/shutting down/);
    remote.end('ok');
    stream.end();
    expect((await readAll(stream)).toString()).toBe('ok');
    await drained;
    expect(broker.server.sessionsFor('dev-east')).toHaveLength(0);
  });

  it("takes the apps' pino logger as it is", async () => {
    const logged = await startBroker({ logger: pino({ level: 'silent' }) });
    try {
      const east = await connectAgent(logged, 'dev-east', { logger: pino({ level: 'silent' }) });
      await east.client.close(0);
    } finally {
      await logged.close();
    }
  });

  it('logs who connected and who left', async () => {
    const logger = recordingLogger();
    const logged = await startBroker({ logger });
    try {
      const east = await connectAgent(logged);
      await east.client.close(0);
      await eventually(() => logger.lines.some((line) => line.message === 'agent disconnected'), 'the log');
      expect(logger.lines.find((line) => line.message === 'agent connected')!.fields.cluster).toBe(
        'dev-east',
      );
    } finally {
      await logged.close();
    }
  });
});

describe('TunnelServer over TLS', () => {
  it('authenticates agents by client certificate and binds the cluster named in it', async () => {
    const ca = await CertificateAuthority.create('tether test CA');
    const serverPair = await ca.issueServerCertificate({ commonName: 'broker', ipAddresses: ['127.0.0.1'] });
    const agentPair = await ca.issueClientCertificate({ commonName: 'dev-east' });
    const https = createHttpsServer({
      cert: serverPair.certPem,
      key: serverPair.keyPem,
      ca: ca.certPem,
      requestCert: true,
      rejectUnauthorized: false,
    });
    const server = new TunnelServer({
      authenticate: (request) => {
        const socket = request.socket as TLSSocket;
        if (!socket.authorized)
          throw new TunnelAuthError('a client certificate from the agent CA is required');
        return { clusterName: socket.getPeerCertificate().subject.CN as string };
      },
    });
    server.attach(https);
    https.listen(0, '127.0.0.1');
    await once(https, 'listening');
    const url = `wss://127.0.0.1:${(https.address() as AddressInfo).port}/tunnel/v1`;
    const clients: TunnelClient[] = [];
    try {
      const anonymous = new TunnelClient({ url, ca: ca.certPem, onStream: () => {} });
      clients.push(anonymous);
      const [{ error }] = (await once(anonymous.start(), 'connectFailed')) as [
        { error: TunnelRejectedError },
      ];
      expect(error).toMatchObject({
        status: 401,
        reason: 'a client certificate from the agent CA is required',
      });

      const agent = new TunnelClient({
        url,
        ca: ca.certPem,
        cert: agentPair.certPem,
        key: agentPair.keyPem,
        onStream: (stream) => stream.end(`hello from ${String(stream.head.to)}`),
      });
      clients.push(agent);
      const registered = once(server, 'session');
      agent.start();
      await registered;
      expect(server.clusterNames()).toEqual(['dev-east']);
      const stream = server.openStream('dev-east', { to: 'dev-east' }).end();
      expect((await readAll(stream)).toString()).toBe('hello from dev-east');
    } finally {
      await Promise.all(clients.map((client) => client.close(0)));
      server.close();
      https.closeAllConnections();
      await new Promise((resolve) => https.close(resolve));
    }
  });
});
