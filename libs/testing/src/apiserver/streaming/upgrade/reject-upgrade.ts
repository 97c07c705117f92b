import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';

/** Answers an upgrade request that cannot be honoured with a plain HTTP error, then closes the socket. */
export function rejectUpgrade(
  socket: Duplex,
  statusCode: number,
  body: string,
  extraHeaders: Array<[string, string]> = [],
): void {
  if (socket.destroyed) return;
  const payload = Buffer.from(body.endsWith('\n') ? body : `${body}\n`, 'utf8');
  const head = [
    `HTTP/1.1 ${statusCode} ${STATUS_CODES[statusCode] ?? 'Error'}`,
    'Content-Type: text/plain; charset=utf-8',
    'X-Content-Type-Options: nosniff',
    ...extraHeaders.map(([name, value]) => `${name}: ${value}`),
    `Content-Length: ${payload.length}`,
    'Connection: close',
    '',
    '',
  ].join('\r\n');
  socket.end(Buffer.concat([Buffer.from(head, 'latin1'), payload]));
}
