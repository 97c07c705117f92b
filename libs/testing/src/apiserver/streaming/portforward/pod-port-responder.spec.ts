import { duplexPair } from 'node:stream';
import type { PodView } from '../pod-view.js';
import { answerOnPodPort } from './pod-port-responder.js';
import { connectionRefusedMessage, podListensOn } from './port-forward-target.js';

const pod: PodView = {
  namespace: 'web',
  name: 'api-1',
  uid: 'uid-1',
  creationTimestamp: '2026-01-02T03:04:05Z',
  containers: [
    { name: 'api', ports: [{ containerPort: 8080 }, { containerPort: 53, protocol: 'UDP' }] },
    { name: 'metrics', ports: [{ containerPort: 9090, protocol: 'TCP' }] },
  ],
};

async function exchange(request: string | null): Promise<string> {
  const [server, client] = duplexPair();
  const answered = answerOnPodPort(pod, 8080, server);
  let response = '';
  client.on('data', (chunk: Buffer) => (response += chunk.toString()));
  const ended = new Promise((resolve) => client.once('end', resolve));
  if (request === null) client.end();
  else client.write(request);
  await answered;
  await ended;
  return response;
}

describe('what listens on a pod port', () => {
  it('answers an HTTP request naming the pod and port, then closes', async () => {
    const response = await exchange('GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n');
    expect(response).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(response).toContain('Connection: close\r\n');
    expect(response.endsWith('\r\n\r\nhello from pod web/api-1 port 8080\n')).toBe(true);
    expect(response).toContain('Content-Length: 35\r\n');
  });

  it('answers HEAD without a body and garbage with 400', async () => {
    expect((await exchange('HEAD / HTTP/1.1\r\n\r\n')).endsWith('\r\n\r\n')).toBe(true);
    expect(await exchange('\x16\x03\x01 not http\r\n\r\n')).toMatch(/^HTTP\/1\.1 400 Bad Request/);
  });

  it('closes quietly when the client hangs up before sending anything', async () => {
    expect(await exchange(null)).toBe('');
  });

  it('listens on the TCP ports the pod declares, in any container', () => {
    expect(podListensOn(pod, 8080)).toBe(true);
    expect(podListensOn(pod, 9090)).toBe(true);
    expect(podListensOn(pod, 53)).toBe(false);
    expect(podListensOn(pod, 9999)).toBe(false);
  });

  it('refuses other ports with the CRI runtime message, stable per pod', () => {
    const message = connectionRefusedMessage(pod, 9999);
    expect(message).toMatch(
      /^error forwarding port 9999 to pod [0-9a-f]{64}, uid : failed to execute portforward/,
    );
    expect(message).toContain('dial tcp4 127.0.0.1:9999: connect: connection refused');
    expect(connectionRefusedMessage(pod, 9999)).toBe(message);
  });
});
