import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

/** A probe's answer: ok → 200, otherwise 503 with the reason. */
export interface ProbeResult {
  ok: boolean;
  reason?: string;
}

export interface TelemetryServerOptions {
  host: string;
  /** 0: any free port (tests). */
  port: number;
  registry: Registry;
  /** GET routes answered by a probe, e.g. `{ '/healthz': ..., '/readyz': ... }`. */
  probes?: Record<string, () => ProbeResult>;
}

export interface TelemetryServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Plain HTTP for Prometheus and the kubelet: `/metrics` plus the probes, nothing else. It carries no
 * credentials and serves no request data, so it listens apart from the authenticated API and is
 * fenced by network policy rather than TLS.
 */
export async function startTelemetryServer(options: TelemetryServerOptions): Promise<TelemetryServer> {
  const probes = new Map(Object.entries(options.probes ?? {}));
  const server = createServer((req, res) => void answer(req, res, options.registry, probes));
  server.listen(options.port, options.host);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return { url: `http://${host}:${port}`, port, close: () => closeServer(server) };
}

async function answer(
  req: IncomingMessage,
  res: ServerResponse,
  registry: Registry,
  probes: Map<string, () => ProbeResult>,
): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    return send(res, 405, 'text/plain; charset=utf-8', 'only GET and HEAD are served here\n', {
      Allow: 'GET, HEAD',
    });
  }
  if (path === '/metrics') {
    try {
      return send(res, 200, registry.contentType, await registry.metrics());
    } catch (error) {
      return send(res, 500, 'text/plain; charset=utf-8', `metrics failed: ${(error as Error).message}\n`);
    }
  }
  const probe = probes.get(path);
  if (probe) {
    let result: ProbeResult;
    try {
      result = probe();
    } catch (error) {
      result = { ok: false, reason: (error as Error).message };
    }
    const body = result.ok
      ? { status: 'ok' }
      : { status: 'unavailable', reason: result.reason ?? 'not ready' };
    return send(res, result.ok ? 200 : 503, 'application/json', `${JSON.stringify(body)}\n`);
  }
  const known = ['/metrics', ...probes.keys()].join(', ');
  send(res, 404, 'text/plain; charset=utf-8', `not found; this port serves ${known}\n`);
}

function send(
  res: ServerResponse,
  status: number,
  contentType: string,
  body: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    'Content-Type': contentType,
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    ...headers,
  });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

async function closeServer(server: Server): Promise<void> {
  if (!server.listening) return;
  const closed = once(server, 'close');
  server.close();
  server.closeAllConnections();
  await closed;
}
