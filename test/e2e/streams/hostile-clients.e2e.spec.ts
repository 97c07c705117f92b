import { randomBytes } from 'node:crypto';
import { connect, type TLSSocket } from 'node:tls';
import { WebSocket } from 'ws';
import { startStreamCluster, type StreamCluster } from './stream-cluster.js';

const EXEC_PATH = '/api/v1/namespaces/web/pods/api-1/exec?command=cat&stdin=true&stdout=true&container=api';
const AUTH = 'Authorization: Bearer admin-token';

/** Opens TLS to the simulator, sends a raw request head and resolves with the response head. */
async function rawUpgrade(
  cluster: StreamCluster,
  head: string[],
): Promise<{ socket: TLSSocket; response: string }> {
  const url = new URL(cluster.sim.url);
  const socket = connect({
    host: url.hostname,
    port: Number(url.port),
    ca: cluster.sim.caPem,
    servername: 'localhost',
  });
  socket.on('error', () => undefined);
  await new Promise((resolve) => socket.once('secureConnect', resolve));
  socket.write([...head, `Host: ${url.host}`, AUTH, '', ''].join('\r\n'));
  let received = '';
  const response = await new Promise<string>((resolve) => {
    const onData = (chunk: Buffer) => {
      received += chunk.toString('latin1');
      if (received.includes('\r\n\r\n')) {
        socket.off('data', onData);
        resolve(received);
      }
    };
    socket.on('data', onData);
    socket.once('close', () => resolve(received));
  });
  return { socket, response };
}

/** One client-to-server WebSocket binary frame (clients must mask). */
function maskedBinaryFrame(payload: Buffer): Buffer {
  const mask = randomBytes(4);
  const masked = Buffer.from(payload.map((byte, index) => byte ^ mask[index % 4]));
  return Buffer.concat([Buffer.from([0x82, 0x80 | payload.length]), mask, masked]);
}

function closed(socket: TLSSocket): Promise<void> {
  return new Promise((resolve) => (socket.closed ? resolve() : socket.once('close', () => resolve())));
}

function openWebSocket(cluster: StreamCluster, path: string, protocols: string[]): WebSocket {
  const url = cluster.sim.url.replace('https:', 'wss:') + path;
  return new WebSocket(url, protocols, {
    ca: cluster.sim.caPem,
    headers: { Authorization: 'Bearer admin-token' },
  });
}

function closeCode(ws: WebSocket): Promise<number> {
  return new Promise((resolve) => ws.once('close', (code) => resolve(code)));
}

// Clients that break the stream protocols lose their connection; the server keeps serving everyone else.
describe('stream endpoints facing broken or hostile clients', () => {
  let cluster: StreamCluster;

  beforeAll(async () => {
    cluster = await startStreamCluster();
  });
  afterAll(() => cluster.stop());

  afterEach(async () => {
    const healthy = await cluster.kubectl.run(['exec', 'api-1', '-c', 'api', '--', 'echo', 'still here']);
    expect(healthy).toMatchObject({ code: 0, stdout: 'still here\n' });
  });

  it('drops a SPDY session that sends garbage after the upgrade', async () => {
    const { socket, response } = await rawUpgrade(cluster, [
      `POST ${EXEC_PATH} HTTP/1.1`,
      'Connection: Upgrade',
      'Upgrade: SPDY/3.1',
      'X-Stream-Protocol-Version: v4.channel.k8s.io',
    ]);
    expect(response).toMatch(/^HTTP\/1\.1 101 Switching Protocols\r\n/);
    expect(response).toContain('X-Stream-Protocol-Version: v4.channel.k8s.io\r\n');
    socket.write(
      Buffer.from([
        0x80, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x0c, 0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 0, 0, 0, 1, 2,
      ]),
    );
    await closed(socket);
  });

  it('drops a SPDY session announcing a frame bigger than it will buffer', async () => {
    const { socket } = await rawUpgrade(cluster, [
      `POST ${EXEC_PATH} HTTP/1.1`,
      'Connection: Upgrade',
      'Upgrade: SPDY/3.1',
      'X-Stream-Protocol-Version: v4.channel.k8s.io',
    ]);
    socket.write(Buffer.from([0x00, 0x00, 0x00, 0x01, 0x00, 0xff, 0xff, 0xff]));
    await closed(socket);
  });

  it('refuses a SPDY upgrade without a stream protocol it speaks, listing the ones it accepts', async () => {
    const { response } = await rawUpgrade(cluster, [
      `POST ${EXEC_PATH} HTTP/1.1`,
      'Connection: Upgrade',
      'Upgrade: SPDY/3.1',
      'X-Stream-Protocol-Version: v9.channel.example',
    ]);
    expect(response).toMatch(/^HTTP\/1\.1 403 Forbidden\r\n/);
    expect(response).toContain('X-Accepted-Stream-Protocol-Versions: v4.channel.k8s.io\r\n');
  });

  it('refuses a WebSocket offering no channel protocol it speaks (kubectl would fall back to SPDY)', async () => {
    const ws = openWebSocket(cluster, EXEC_PATH, ['v9.channel.example']);
    const status = await new Promise<number>((resolve) => {
      ws.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
      ws.on('error', () => resolve(-1));
    });
    expect(status).toBe(400);
  });

  it('closes an exec WebSocket that writes to an unknown channel or sends text', async () => {
    const unknownChannel = openWebSocket(cluster, EXEC_PATH, ['v5.channel.k8s.io']);
    await new Promise((resolve) => unknownChannel.once('open', resolve));
    expect(unknownChannel.protocol).toBe('v5.channel.k8s.io');
    unknownChannel.send(Buffer.from([9, 1, 2, 3]));
    expect(await closeCode(unknownChannel)).toBe(1003);

    const text = openWebSocket(cluster, EXEC_PATH, ['v4.channel.k8s.io']);
    await new Promise((resolve) => text.once('open', resolve));
    text.send('hello');
    expect(await closeCode(text)).toBe(1003);
  });

  it('drops a port-forward tunnel carrying garbage instead of SPDY frames', async () => {
    // Raw handshake: the `ws` client refuses the '/' in kubectl's subprotocol name.
    const { socket, response } = await rawUpgrade(cluster, [
      'GET /api/v1/namespaces/web/pods/api-1/portforward HTTP/1.1',
      'Connection: Upgrade',
      'Upgrade: websocket',
      'Sec-WebSocket-Version: 13',
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
      'Sec-WebSocket-Protocol: SPDY/3.1+portforward.k8s.io',
    ]);
    expect(response).toMatch(/^HTTP\/1\.1 101 Switching Protocols\r\n/);
    expect(response).toContain('Sec-WebSocket-Protocol: SPDY/3.1+portforward.k8s.io\r\n');
    socket.write(maskedBinaryFrame(Buffer.from([0x80, 0x09, 0x00, 0x01, 0, 0, 0, 4, 1, 2, 3, 4])));
    await closed(socket);
  });
});
