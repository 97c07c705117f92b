// Live tail over server-sent events, the same for the auditor and the embedded broker: comment lines
// as heartbeats, one `audit` event per stored event, and a slow reader holding the tail back instead
// of growing the response buffer.
import type { ServerResponse } from 'node:http';
import type { AuditEvent } from './audit-event';

export interface AuditEventStreamOptions {
  heartbeatMs?: number;
  /** Called once the stream ended with an error (the client sees the stream end). */
  onError?: (error: unknown) => void;
}

export async function streamAuditEvents(
  res: ServerResponse,
  events: AsyncIterator<AuditEvent>,
  options: AuditEventStreamOptions = {},
): Promise<void> {
  res.writeHead(200, {
    'Content-Type': 'text/event-stream',
    'Cache-Control': 'no-store',
    Connection: 'keep-alive',
  });
  res.write(': tailing the audit log\n\n');
  const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), options.heartbeatMs ?? 15_000);
  try {
    let next = await events.next();
    while (!next.done) {
      if (!res.write(`event: audit\ndata: ${JSON.stringify(next.value)}\n\n`)) await drained(res);
      next = await events.next();
    }
  } catch (error) {
    options.onError?.(error);
  } finally {
    clearInterval(heartbeat);
    res.end();
  }
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
