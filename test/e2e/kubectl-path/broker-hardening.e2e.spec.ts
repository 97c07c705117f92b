import { once } from 'node:events';
import { join } from 'node:path';
import { connect as netConnect } from 'node:net';
import { connect, type TLSSocket } from 'node:tls';
import { startNode, startTetherStack, type TetherStack, findRepoRoot } from '@tether/testing';

// Attacks on the broker that kubectl would never send, written on a raw TLS socket.
describe('broker hardening', () => {
  let stack: TetherStack;
  let token: string;

  beforeAll(async () => {
    stack = await startTetherStack();
    token = await stack.tokenFor('bob', ['developers']);
  });
  afterAll(async () => stack?.stop());

  function open(): Promise<TLSSocket> {
    const { port } = new URL(stack.brokerUrl);
    const socket = connect({
      host: '127.0.0.1',
      port: Number(port),
      ca: stack.brokerCaPem,
      servername: 'localhost',
    });
    return once(socket, 'secureConnect').then(() => socket);
  }

  /** Sends raw request text and collects everything until the broker closes the connection. */
  async function exchange(
    text: string,
    afterFirstResponse?: string,
  ): Promise<{ received: string; closed: boolean }> {
    const socket = await open();
    let received = '';
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString();
      if (afterFirstResponse && /\r\n\r\n/.test(received)) {
        socket.write(afterFirstResponse);
        afterFirstResponse = undefined;
      }
    });
    socket.write(text);
    const closed = await Promise.race([
      once(socket, 'end').then(() => true),
      new Promise<boolean>((r) => setTimeout(() => r(false), 1500)),
    ]);
    socket.destroy();
    return { received, closed };
  }

  const request = (path: string, extra: string[] = []) =>
    [`GET ${path} HTTP/1.1`, 'Host: localhost', `Authorization: Bearer ${token}`, ...extra, '', ''].join(
      '\r\n',
    );

  it('refuses a Connection header that names an identity header (CVE-2021-31999) instead of obeying it', async () => {
    const { received } = await exchange(
      request('/k8s/dev-west/api/v1/namespaces/web/pods', [
        'Connection: Impersonate-User',
        'Impersonate-User: bob',
      ]),
    );
    expect(received).toMatch(/^HTTP\/1\.1 400/);
    expect(received).toContain('Connection header may not name impersonate-user');
  });

  it.each([
    '/k8s/dev-west/../dev-east/api/v1/namespaces/payments/secrets',
    '/k8s/dev-west/api/v1/namespaces/web/..%2f..%2fpayments/secrets',
    '/k8s/dev-west/%2e%2e/dev-east/api',
  ])('refuses the path trick %s without reaching any cluster', async (path) => {
    const before = stack.clusters['dev-east'].requests.length + stack.clusters['dev-west'].requests.length;
    const { received } = await exchange(request(path));
    expect(received).toMatch(/^HTTP\/1\.1 400/);
    expect(received).toContain('"kind":"Status"');
    expect(stack.clusters['dev-east'].requests.length + stack.clusters['dev-west'].requests.length).toBe(
      before,
    );
  });

  it('closes a connection whose upgrade the API server refused, so it cannot carry another request (CVE-2018-1002105)', async () => {
    const admin = await stack.tokenFor('alice', ['platform-admins']);
    const upgrade = [
      'GET /k8s/dev-east/api/v1/namespaces/web/pods/no-such-pod/exec?command=sh&stdout=true HTTP/1.1',
      'Host: localhost',
      `Authorization: Bearer ${admin}`,
      'Connection: Upgrade',
      'Upgrade: websocket',
      'Sec-WebSocket-Version: 13',
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
      'Sec-WebSocket-Protocol: v5.channel.k8s.io',
      '',
      '',
    ].join('\r\n');
    const follow = request('/k8s/dev-east/api/v1/namespaces/payments/secrets');
    const before = stack.clusters['dev-east'].requests.filter((r) => r.path.includes('/secrets')).length;
    const { received, closed } = await exchange(upgrade, follow);
    expect(received).toMatch(/^HTTP\/1\.1 404/);
    expect(received.match(/HTTP\/1\.1 /g)).toHaveLength(1);
    expect(closed).toBe(true);
    expect(stack.clusters['dev-east'].requests.filter((r) => r.path.includes('/secrets')).length).toBe(
      before,
    );
  });

  it('survives clients that reset upgrade connections right after being refused', async () => {
    const { port } = new URL(stack.brokerUrl);
    for (let attempt = 0; attempt < 20; attempt++) {
      const tcp = netConnect(Number(port), '127.0.0.1');
      await once(tcp, 'connect');
      const socket = connect({ socket: tcp, ca: stack.brokerCaPem, servername: 'localhost' });
      await once(socket, 'secureConnect');
      socket.on('error', () => {});
      socket.write(
        'GET /k8s/dev-east/api/v1/namespaces/web/pods/x/exec?command=sh HTTP/1.1\r\nHost: localhost\r\n' +
          'Authorization: Bearer not-a-token\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n',
      );
      await once(socket, 'data');
      tcp.resetAndDestroy();
    }
    const { received } = await exchange(request('/k8s/dev-east/api/v1/namespaces/web/configmaps'));
    expect(received).toMatch(/^HTTP\/1\.1 200/);
  });

  it('an agent that claims another cluster cannot serve it: the broker binds the credential, the agent refuses foreign decisions', async () => {
    // dev-west's agent process is replaced by one that presents dev-west's credential but calls itself dev-east.
    await stack.agents['dev-west'].stop();
    const repoRoot = findRepoRoot(__dirname);
    const impostor = await startNode(join(repoRoot, 'apps', 'agent', 'dist', 'main.js'), {
      env: { ...stack.agentEnv('dev-west'), TETHER_AGENT_CLUSTER_NAME: 'dev-east' },
      readyPattern: /tunnel connected/,
    });
    try {
      const { received } = await exchange(request('/k8s/dev-west/api/v1/namespaces/web/configmaps'));
      expect(received).toMatch(/^HTTP\/1\.1 403/);
      expect(received).toContain('decision is for cluster \\"dev-west\\", this agent serves \\"dev-east\\"');
    } finally {
      await impostor.stop();
    }
  });
});
