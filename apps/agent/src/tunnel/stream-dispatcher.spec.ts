import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPairSync } from 'node:crypto';
import { DecisionKeySet, type DecisionPublicJwk } from '@tether/decision';
import { TunnelClient, TunnelServer, type TunnelSession } from '@tether/tunnel';
import pino from 'pino';
import type { KubeReplayer } from '../replay/kube-replayer';
import { StreamDispatcher } from './stream-dispatcher';

/**
 * What the broker announces over the tunnel, through a real tunnel: decision keys from several
 * replicas at once, and replica sets, including garbage a broker-side bug could send.
 */

const logger = pino({ level: 'silent' });

function publicJwk(kid: string): DecisionPublicJwk {
  const jwk = generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' }) as { x: string };
  return { kty: 'OKP', crv: 'Ed25519', x: jwk.x, kid, alg: 'EdDSA', use: 'sig' } as DecisionPublicJwk;
}

interface Replica {
  server: TunnelServer;
  http: Server;
  session: () => TunnelSession;
}

const opened: Array<{ replica: Replica; client: TunnelClient }> = [];

async function replicaWithAgent(dispatcher: StreamDispatcher): Promise<Replica> {
  const server = new TunnelServer({ authenticate: () => ({ clusterName: 'dev-east' }) });
  const http = createServer((_request, response) => response.writeHead(404).end());
  server.attach(http);
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  const client = new TunnelClient({
    url: `ws://127.0.0.1:${(http.address() as AddressInfo).port}/tunnel/v1`,
    onStream: (stream, session) => dispatcher.dispatch(stream, session),
    reconnect: { baseMs: 20, maxMs: 100 },
  });
  const connected = once(server, 'session');
  client.start();
  await connected;
  const replica = {
    server,
    http,
    session: () => server.sessionsFor('dev-east')[0] as TunnelSession,
  };
  opened.push({ replica, client });
  return replica;
}

async function announce(replica: Replica, head: object): Promise<void> {
  const stream = replica.session().openStream(head);
  stream.end();
  stream.resume();
  await once(stream, 'close');
}

async function stop(entry: { replica: Replica; client: TunnelClient }): Promise<void> {
  await entry.client.close(0);
  entry.replica.server.close();
  entry.replica.http.closeAllConnections();
  await new Promise<void>((resolve) => entry.replica.http.close(() => resolve()));
}

afterEach(async () => {
  await Promise.all(opened.splice(0).map(stop));
});

async function eventually(predicate: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('StreamDispatcher', () => {
  const replayer = {} as KubeReplayer; // no kube request is sent in these tests

  it('trusts the keys of every connected replica, and drops a replica’s keys when its tunnel closes', async () => {
    const keys = new DecisionKeySet();
    const dispatcher = new StreamDispatcher(keys, replayer, logger);
    const [a, b] = [await replicaWithAgent(dispatcher), await replicaWithAgent(dispatcher)];
    await announce(a, { kind: 'decision-keys', keys: [publicJwk('key-a')] });
    await announce(b, { kind: 'decision-keys', keys: [publicJwk('key-b')] });
    await eventually(() => keys.size === 2, 'both replicas’ keys');
    expect(keys.get('key-a')).toBeDefined();
    expect(keys.get('key-b')).toBeDefined();

    // A rotation on a replaces a's keys only.
    await announce(a, { kind: 'decision-keys', keys: [publicJwk('key-a2')] });
    await eventually(() => keys.get('key-a2') !== undefined, 'a’s new key');
    expect(keys.get('key-a')).toBeUndefined();
    expect(keys.get('key-b')).toBeDefined();

    await stop(opened.shift() as { replica: Replica; client: TunnelClient });
    await eventually(() => keys.size === 1, 'a’s key gone with its tunnel');
    expect(keys.get('key-b')).toBeDefined();
  });

  it('keeps a replica’s keys when it sends unusable ones', async () => {
    const keys = new DecisionKeySet();
    const dispatcher = new StreamDispatcher(keys, replayer, logger);
    const a = await replicaWithAgent(dispatcher);
    await announce(a, { kind: 'decision-keys', keys: [publicJwk('key-a')] });
    await eventually(() => keys.size === 1, 'a’s key');
    await announce(a, { kind: 'decision-keys', keys: [{ kty: 'RSA', kid: 'evil', n: 'x', e: 'AQAB' }] });
    await announce(a, { kind: 'decision-keys', keys: [publicJwk('key-a')] }); // a marker: handled in order
    expect(keys.get('evil')).toBeUndefined();
    expect(keys.get('key-a')).toBeDefined();
  });

  it('passes on a replica set of https URLs, and ignores garbage', async () => {
    const sets: string[][] = [];
    const dispatcher = new StreamDispatcher(new DecisionKeySet(), replayer, logger, (urls) =>
      sets.push(urls),
    );
    const a = await replicaWithAgent(dispatcher);
    const garbage = [
      { kind: 'broker-replicas' },
      { kind: 'broker-replicas', replicas: 'https://10.0.0.1:8443' },
      { kind: 'broker-replicas', replicas: [] },
      { kind: 'broker-replicas', replicas: [{ id: 'a', url: 'http://10.0.0.1:8443' }] },
      { kind: 'broker-replicas', replicas: [{ id: 'a', url: 'not a url' }] },
      { kind: 'broker-replicas', replicas: [null] },
      {
        kind: 'broker-replicas',
        replicas: Array.from({ length: 65 }, (_, i) => ({ id: `r${i}`, url: `https://10.0.0.${i}:8443` })),
      },
    ];
    for (const head of garbage) await announce(a, head);
    const good = {
      kind: 'broker-replicas',
      replicas: [
        { id: 'a', url: 'https://10.0.0.1:8443' },
        { id: 'b', url: 'https://10.0.0.2:8443' },
      ],
    };
    await announce(a, good);
    await eventually(() => sets.length > 0, 'the replica set');
    expect(sets).toEqual([['https://10.0.0.1:8443', 'https://10.0.0.2:8443']]);
    expect(a.session().state).toBe('open'); // garbage closed nothing
  });
});
