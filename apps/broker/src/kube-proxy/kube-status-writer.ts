import type { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Status } from '@tether/kube';

/** Every error kubectl sees from the broker is a Status body it can decode (teleport#5320). */
export function writeStatus(res: ServerResponse, status: Status): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify(status);
  res.writeHead(status.code, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}

/** The same on a raw socket of an upgrade request; the connection is closed afterwards, never reused. */
export function writeStatusToSocket(socket: Duplex, status: Status): void {
  const body = JSON.stringify(status);
  const reason = status.reason ?? 'Error';
  socket.end(
    `HTTP/1.1 ${status.code} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
