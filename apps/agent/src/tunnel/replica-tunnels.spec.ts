import { once } from 'node:events';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { CertificateAuthority } from '@tether/pki';
import { TunnelServer } from '@tether/tunnel';
import pino from 'pino';
import { brokerTunnelClient } from './broker-tunnel-client';
import { ReplicaTunnels } from './replica-tunnels';

/**
 * The agent's replica set against real tunnel servers on HTTPS: every "replica" has the broker's
 * certificate, for the name `localhost` only, and is dialed at 127.0.0.1 as a pod IP would be.
 */

interface Replica {
  url: string;
  port: number;
  server: TunnelServer;
  /** Every Authorization header an agent presented here. */
  credentials: string[];
  restart(): Promise<void>;
  close(): Promise<void>;
}

let ca: CertificateAuthority;
let brokerTls: { cert: string; key: string };
const replicas: Replica[] = [];
const tunnelSets: ReplicaTunnels[] = [];
const logger = pino({ level: 'silent' });

beforeAll(async () => {
  ca = await CertificateAuthority.create('replica-tunnels test CA');
  const leaf = await ca.issueServerCertificate({ commonName: 'localhost', dnsNames: ['localhost'] });
  brokerTls = { cert: leaf.certPem, key: leaf.keyPem };
});

afterEach(async () => {
  await Promise.all(tunnelSets.splice(0).map((tunnels) => tunnels.close(0)));
  await Promise.all(replicas.splice(0).map((replica) => replica.close()));
});

async function startReplica(tls = brokerTls, port = 0): Promise<Replica> {
  const credentials: string[] = [];
  let http: Server;
  let server: TunnelServer;
  const listen = async (onPort: number) => {
    server = new TunnelServer({
      authenticate: (request) => {
        credentials.push(request.headers.authorization ?? '');
        return { clusterName: 'dev-east' };
      },
      session: { keepaliveIntervalMs: 200, keepaliveTimeoutMs: 1_000 },
    });
    http = createServer(tls, (_request, response) => response.writeHead(404).end());
    server.attach(http);
    http.listen(onPort, '127.0.0.1');
    await once(http, 'listening');
    return (http.address() as AddressInfo).port;
  };
  const close = async () => {
    server.close();
    http.closeAllConnections();
    await new Promise<void>((resolve) => http.close(() => resolve()));
  };
  const bound = await listen(port);
  const replica: Replica = {
    url: `https://127.0.0.1:${bound}`,
    port: bound,
    get server() {
      return server;
    },
    credentials,
    close,
    restart: async () => {
      await close();
      await listen(bound);
    },
  };
  replicas.push(replica);
  return replica;
}

function replicaTunnels(bootstrap: Replica, credential: () => string): ReplicaTunnels {
  // The agent is configured with the broker's name; the replicas announce bare addresses.
  const brokerUrl = `https://localhost:${bootstrap.port}`;
  const tunnels = new ReplicaTunnels(
    brokerUrl,
    (url) =>
      brokerTunnelClient(url, brokerUrl, {
        getHeaders: () => ({ Authorization: `Bearer ${credential()}` }),
        ca: ca.certPem,
        onStream: (stream) => {
          // Echo: proves a request opened on this replica reaches the agent and is answered.
          stream.pipe(stream);
        },
        reconnect: { baseMs: 20, maxMs: 200 },
        session: { keepaliveIntervalMs: 200, keepaliveTimeoutMs: 1_000 },
      }),
    logger,
  );
  tunnelSets.push(tunnels);
  return tunnels.start();
}

const sessions = (replica: Replica) => replica.server.sessionsFor('dev-east').length;

async function eventually(predicate: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function echoThrough(replica: Replica, text: string): Promise<string> {
  const stream = replica.server.openStream('dev-east', { kind: 'echo' });
  stream.end(text);
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}

describe('ReplicaTunnels', () => {
  it('connects through BROKER_URL until it learns the replicas, then keeps one tunnel per replica', async () => {
    const [lb, a, b] = [await startReplica(), await startReplica(), await startReplica()];
    const tunnels = replicaTunnels(lb, () => 'credential-1');
    await eventually(() => sessions(lb) === 1, 'the bootstrap tunnel');

    tunnels.setReplicas([a.url, b.url]);
    await eventually(() => sessions(a) === 1 && sessions(b) === 1, 'a tunnel to each replica');
    // The bootstrap is not a replica: once a replica tunnel is up it is closed.
    await eventually(() => sessions(lb) === 0, 'the bootstrap tunnel to close');
    expect(
      tunnels
        .states()
        .map((state) => state.url)
        .sort(),
    ).toEqual([a.url, b.url].sort());
    expect(await echoThrough(a, 'via a')).toBe('via a');
    expect(await echoThrough(b, 'via b')).toBe('via b');
  });

  it('keeps its one tunnel when the only replica announced is BROKER_URL itself (one replica)', async () => {
    const lb = await startReplica();
    const tunnels = replicaTunnels(lb, () => 'credential-1');
    await eventually(() => sessions(lb) === 1, 'the tunnel');
    tunnels.setReplicas([`https://LOCALHOST:${lb.port}/`]); // the same URL, spelled otherwise
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(sessions(lb)).toBe(1);
    expect(lb.credentials).toHaveLength(1); // never redialed
    expect(tunnels.states()).toEqual([
      { url: `https://localhost:${lb.port}`, connected: true, bootstrap: false },
    ]);
  });

  it('adds a replica that joins, drops one that left, and serves requests on every tunnel', async () => {
    const [lb, a, b, c] = [
      await startReplica(),
      await startReplica(),
      await startReplica(),
      await startReplica(),
    ];
    const tunnels = replicaTunnels(lb, () => 'credential-1');
    tunnels.setReplicas([a.url, b.url]);
    await eventually(
      () => sessions(a) === 1 && sessions(b) === 1 && sessions(lb) === 0,
      'tunnels to a and b',
    );

    tunnels.setReplicas([a.url, b.url, c.url]);
    await eventually(() => sessions(c) === 1, 'a tunnel to the replica that joined');
    expect(await echoThrough(c, 'via c')).toBe('via c');

    tunnels.setReplicas([b.url, c.url]);
    await eventually(() => sessions(a) === 0, 'the tunnel to the replica that left to close');
    // It stays closed: the agent does not reconnect to a replica that left.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(sessions(a)).toBe(0);
    expect(sessions(b)).toBe(1);
    expect(sessions(c)).toBe(1);
    expect(tunnels.connectedCount).toBe(2);
  });

  it('reconnects to a replica that restarts, and to the others with a credential rotated meanwhile', async () => {
    const [lb, a, b] = [await startReplica(), await startReplica(), await startReplica()];
    let credential = 'credential-1';
    const tunnels = replicaTunnels(lb, () => credential);
    tunnels.setReplicas([a.url, b.url]);
    await eventually(
      () => sessions(a) === 1 && sessions(b) === 1 && sessions(lb) === 0,
      'tunnels to a and b',
    );

    credential = 'credential-2'; // rotated once, for all tunnels
    await b.restart();
    await eventually(() => sessions(b) === 1, 'the tunnel to the restarted replica');
    expect(b.credentials.at(-1)).toBe('Bearer credential-2');
    expect(await echoThrough(b, 'after restart')).toBe('after restart');

    await a.restart();
    await eventually(() => sessions(a) === 1, 'the tunnel to the other replica after its restart');
    expect(a.credentials).toEqual(['Bearer credential-1', 'Bearer credential-2']);
    expect(tunnels.connectedCount).toBe(2);
  });

  it('never sends the credential to a replica whose certificate is not the broker name', async () => {
    const lb = await startReplica();
    const other = await ca.issueServerCertificate({ commonName: 'impostor', dnsNames: ['impostor.example'] });
    // Same CA, but not the broker's name: an entry in the registry must not make it the broker.
    const impostor = await startReplica({ cert: other.certPem, key: other.keyPem });
    const tunnels = replicaTunnels(lb, () => 'secret-credential');
    const refused = new Promise<Error>((resolve) =>
      tunnels.on('connectFailed', ({ url, error }) => {
        if (url === impostor.url) resolve(error);
      }),
    );
    await eventually(() => sessions(lb) === 1, 'the bootstrap tunnel');

    tunnels.setReplicas([impostor.url]);
    expect((await refused).message).toMatch(/localhost/);
    expect(impostor.credentials).toEqual([]);
    // With no replica reachable the agent keeps its way in through BROKER_URL.
    expect(sessions(lb)).toBe(1);
    expect(tunnels.states().find((state) => state.url === `https://localhost:${lb.port}`)?.bootstrap).toBe(
      true,
    );
  });

  it('falls back to BROKER_URL when every replica tunnel is down', async () => {
    const [lb, a] = [await startReplica(), await startReplica()];
    const tunnels = replicaTunnels(lb, () => 'credential-1');
    tunnels.setReplicas([a.url]);
    await eventually(() => sessions(a) === 1 && sessions(lb) === 0, 'the replica tunnel alone');

    await a.close();
    await eventually(() => sessions(lb) === 1, 'the bootstrap tunnel again');
    expect(tunnels.connectedCount).toBe(1);
  });
});
