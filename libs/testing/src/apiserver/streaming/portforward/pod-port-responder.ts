import type { Duplex } from 'node:stream';
import type { PodView } from '../pod-view.js';

/** A request head larger than this is not one our tiny server reads. */
const MAX_REQUEST_HEAD = 16 * 1024;

/**
 * What listens on a pod's declared container port: a minimal HTTP/1.1 server that answers any
 * request with `hello from pod <ns>/<name> port <port>` and closes the connection.
 */
export async function answerOnPodPort(pod: PodView, port: number, connection: Duplex): Promise<void> {
  const head = await readRequestHead(connection);
  if (head === null) {
    connection.end();
    return;
  }
  connection.end(respond(pod, port, head));
}

function respond(pod: PodView, port: number, head: string): Buffer {
  const requestLine = /^([A-Z]+) (\S+) HTTP\/1\.[01]$/.exec(head.split('\r\n')[0] ?? '');
  if (requestLine === null) return httpResponse('400 Bad Request', '400 Bad Request\n', true);
  const body = `hello from pod ${pod.namespace}/${pod.name} port ${port}\n`;
  return httpResponse('200 OK', body, requestLine[1] !== 'HEAD');
}

function httpResponse(status: string, body: string, includeBody: boolean): Buffer {
  const payload = Buffer.from(body, 'utf8');
  const head = [
    `HTTP/1.1 ${status}`,
    'Content-Type: text/plain; charset=utf-8',
    `Content-Length: ${payload.length}`,
    `Date: ${new Date().toUTCString()}`,
    'Connection: close',
    '',
    '',
  ].join('\r\n');
  return Buffer.concat([Buffer.from(head, 'latin1'), includeBody ? payload : Buffer.alloc(0)]);
}

/** The bytes up to the blank line ending the head; null if the client hung up first. */
function readRequestHead(connection: Duplex): Promise<string | null> {
  return new Promise((resolve) => {
    let received = Buffer.alloc(0);
    const finish = (head: string | null) => {
      connection.off('data', onData);
      connection.off('end', onEnd);
      connection.off('close', onEnd);
      // Keep draining whatever else the client sends so the connection never stalls on it.
      connection.resume();
      resolve(head);
    };
    const onData = (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const end = received.indexOf('\r\n\r\n');
      if (end >= 0) finish(received.subarray(0, end).toString('latin1'));
      else if (received.length > MAX_REQUEST_HEAD) finish('');
    };
    const onEnd = () => finish(received.length > 0 ? received.toString('latin1') : null);
    connection.on('data', onData);
    connection.on('end', onEnd);
    connection.on('close', onEnd);
  });
}
