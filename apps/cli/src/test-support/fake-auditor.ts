/** A plain node:http stand-in for the audit log API (search pages and an SSE tail), for the CLI's tests. */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AuditEventView } from '../broker/audit-api.js';

export interface AuditorRequest {
  path: string;
  query: URLSearchParams;
  authorization: string | undefined;
}

export function auditEvent(i: number, overrides: Partial<AuditEventView> = {}): AuditEventView {
  return {
    auditID: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    stage: 'ResponseComplete',
    verb: 'get',
    requestURI: `/api/v1/namespaces/web/pods/pod-${i}`,
    user: { username: 'bob@example.com', groups: ['developers'] },
    objectRef: { resource: 'pods', namespace: 'web', name: `pod-${i}` },
    responseStatus: { code: 200 },
    requestReceivedTimestamp: new Date(Date.UTC(2026, 11, 7, 6, 0, 0) - i * 1000).toISOString(),
    annotations: {
      'tether.dev/cluster': 'dev-west',
      'tether.dev/decision': 'allow',
      'tether.dev/rule': 'developers-read-dev-west',
    },
    ...overrides,
  };
}

export class FakeAuditor {
  url = '';
  readonly requests: AuditorRequest[] = [];
  /** Newest first, as the API pages them. */
  events: AuditEventView[] = [];
  /** The most a page holds whatever limit is asked for (the real API caps at 1000). */
  pageCap = 1000;
  /** Tails open (200, first comment) and then break at once, as behind a misbehaving proxy. */
  dropTailsOnOpen = false;
  /** When set, every request gets this answer. */
  refusal: { status: number; body: unknown } | undefined;
  private readonly tails = new Set<ServerResponse>();
  private readonly server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://auditor');
    this.requests.push({
      path: url.pathname,
      query: url.searchParams,
      authorization: req.headers.authorization,
    });
    if (this.refusal) {
      res.writeHead(this.refusal.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(this.refusal.body));
      return;
    }
    if (url.pathname === '/api/audit/events') return this.page(url.searchParams, res);
    if (url.pathname === '/api/audit/tail') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
      res.write(': tailing the audit log\n\n');
      if (this.dropTailsOnOpen) {
        setTimeout(() => res.socket?.destroy(), 20);
        return;
      }
      this.tails.add(res);
      res.on('close', () => this.tails.delete(res));
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not_found"}');
  });

  static async start(): Promise<FakeAuditor> {
    const auditor = new FakeAuditor();
    await new Promise<void>((resolve) => auditor.server.listen(0, '127.0.0.1', resolve));
    auditor.url = `http://127.0.0.1:${(auditor.server.address() as AddressInfo).port}`;
    return auditor;
  }

  get openTails(): number {
    return this.tails.size;
  }

  /** Sends an event to every open tail, cut into small writes with a heartbeat before it. */
  publish(event: AuditEventView): void {
    const text = `: keep-alive\n\nevent: audit\ndata: ${JSON.stringify(event)}\n\n`;
    for (const res of this.tails) for (let i = 0; i < text.length; i += 7) res.write(text.slice(i, i + 7));
  }

  /** Breaks every open tail connection, as a crashed auditor or a lost network would. */
  dropTails(): void {
    for (const res of this.tails) res.socket?.destroy();
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private page(query: URLSearchParams, res: ServerResponse): void {
    const start = Number(query.get('cursor') ?? 0);
    const limit = Math.min(Number(query.get('limit') ?? 100), this.pageCap);
    const items = this.events.slice(start, start + limit);
    const next = start + items.length;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ items, ...(next < this.events.length ? { nextCursor: String(next) } : {}) }));
  }
}
