import { get } from 'node:http';
import { waitForOutput } from '@tether/testing';
import { SPDY_PORT_FORWARD, startStreamCluster, type StreamCluster } from './stream-cluster.js';

function httpGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = get({ host: '127.0.0.1', port, path, agent: false }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('error', reject);
  });
}

async function forward(cluster: StreamCluster, env: Record<string, string>, remotePort: number) {
  const child = cluster.kubectl.spawn(['port-forward', 'pod/api-1', `:${remotePort}`], env);
  const output = await waitForOutput(
    child,
    new RegExp(`Forwarding from 127\\.0\\.0\\.1:(\\d+) -> ${remotePort}`),
  );
  const localPort = Number(new RegExp(`127\\.0\\.0\\.1:(\\d+) -> ${remotePort}`).exec(output)?.[1]);
  return { child, localPort };
}

describe.each([
  ['SPDY tunnelled in WebSocket', {}, 'GET'],
  ['plain SPDY/3.1', SPDY_PORT_FORWARD, 'POST'],
])('kubectl port-forward over %s', (_transport, env: Record<string, string>, method) => {
  let cluster: StreamCluster;

  beforeAll(async () => {
    cluster = await startStreamCluster();
  });
  afterAll(() => cluster.stop());

  it('reaches the HTTP server on a declared container port, connection after connection', async () => {
    const { child, localPort } = await forward(cluster, env, 8080);
    for (const path of ['/', '/healthz', '/again']) {
      expect(await httpGet(localPort, path)).toEqual({
        status: 200,
        body: 'hello from pod web/api-1 port 8080\n',
      });
    }
    child.kill();
    // One upgraded session carried every connection, over the transport under test (no fallback).
    const upgrades = cluster.sim.requests.filter((request) =>
      request.path.endsWith('/pods/api-1/portforward'),
    );
    expect(upgrades.map((request) => [request.method, request.statusCode])).toEqual([[method, 101]]);
  });

  it('reports connection refused, as the runtime does, for a port nothing listens on', async () => {
    const { child, localPort } = await forward(cluster, env, 9999);
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    await expect(httpGet(localPort, '/')).rejects.toThrow();
    // kubectl prints the runtime's error and, since 1.29, gives up on the whole forward.
    expect(await exited).toBe(1);
    expect(stderr).toMatch(
      new RegExp(
        `an error occurred forwarding ${localPort} -> 9999: error forwarding port 9999 to pod [0-9a-f]{64}, uid : .*dial tcp4 127\\.0\\.0\\.1:9999: connect: connection refused`,
      ),
    );
    expect(stderr).toContain('error: lost connection to pod');
  });
});
