import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, request, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { WebSocket, WebSocketServer } from 'ws';
import { installInMemoryTracing, type InMemoryTracing } from './tracing.js';

const cjsHttp = createRequire(__filename)('node:http') as typeof import('node:http');
const wrapped = (fn: unknown) => (fn as { __wrapped?: boolean }).__wrapped === true;

describe('HTTP instrumentation while tracing is on', () => {
  let tracing: InMemoryTracing;
  let server: Server;
  let port: number;
  const seen: { path: string; headers: IncomingHttpHeaders; handMadeRecording?: boolean }[] = [];

  beforeAll(async () => {
    tracing = installInMemoryTracing('broker', { instrument: true, untracedPaths: ['/k8s/'] });
    server = createServer((req, res) => {
      const entry: (typeof seen)[number] = { path: req.url ?? '', headers: req.headers };
      if (req.url?.startsWith('/k8s/')) {
        // What the broker's kube span does: a root of its own, inside the request the hook ignored.
        const span = trace.getTracer('tether-broker').startSpan('kube get', {}, ROOT_CONTEXT);
        entry.handMadeRecording = span.isRecording();
        span.end();
      }
      seen.push(entry);
      res.writeHead(200).end('ok');
    });
    new WebSocketServer({ server });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });

  beforeEach(() => {
    tracing.reset();
    seen.length = 0;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await tracing.shutdown();
  });

  function get(path: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end();
    });
  }

  // The server span ends on the response's 'close', which may come after the client has read it all.
  async function spansSettled(count: number) {
    const deadline = Date.now() + 5_000;
    while (tracing.spans().length < count && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 10));
    return tracing.spans();
  }

  it('patches http while on', () => {
    expect(wrapped(cjsHttp.request)).toBe(true);
    expect(wrapped(cjsHttp.Server.prototype.emit)).toBe(true);
  });

  it('gives an API request a SERVER span, child of the caller’s CLIENT span in one trace', async () => {
    expect(await get('/api/clusters?limit=5')).toBe(200);
    const spans = await spansSettled(2);
    const serverSpan = spans.find((span) => span.kind === SpanKind.SERVER);
    const clientSpan = spans.find((span) => span.kind === SpanKind.CLIENT);
    expect(serverSpan?.instrumentationScope.name).toBe('@opentelemetry/instrumentation-http');
    expect(serverSpan?.attributes).toMatchObject({
      'http.request.method': 'GET',
      'url.path': '/api/clusters',
      'http.response.status_code': 200,
    });
    expect(serverSpan?.parentSpanContext?.spanId).toBe(clientSpan?.spanContext().spanId);
    expect(serverSpan?.spanContext().traceId).toBe(clientSpan?.spanContext().traceId);
    expect(seen[0].headers.traceparent).toContain(clientSpan!.spanContext().traceId);
  });

  it.each(['/metrics', '/healthz', '/readyz', '/k8s/dev-east/api/v1/pods'])(
    'records no HTTP server span for %s',
    async (path) => {
      expect(await get(path)).toBe(200);
      // A traced request after it: once its server span is in, the one before would be too.
      expect(await get('/api/marker')).toBe(200);
      const spans = await spansSettled(3);
      const serverPaths = spans
        .filter((span) => span.kind === SpanKind.SERVER && span.name === 'GET')
        .map((span) => span.attributes['url.path']);
      expect(serverPaths).toEqual(['/api/marker']);
    },
  );

  it('keeps the app’s own span of an untraced path recording', async () => {
    expect(await get('/k8s/dev-east/api')).toBe(200);
    expect(seen[0].handMadeRecording).toBe(true);
    const spans = await spansSettled(2);
    expect(spans.map((span) => span.name)).toContain('kube get');
  });

  it('passes a request with a raw header list through untouched, and records no span for it', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path: '/api/raw',
          headers: ['Host', `127.0.0.1:${port}`, 'Authorization', 'Bearer t', 'X-Twice', 'a', 'X-Twice', 'b'],
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(200);
    expect(seen[0].headers).toMatchObject({ authorization: 'Bearer t', 'x-twice': 'a, b' });
    expect(seen[0].headers.traceparent).toBeUndefined();
    const spans = await spansSettled(1);
    expect(spans.map((span) => span.kind)).toEqual([SpanKind.SERVER]);
  });

  it('records no span for a WebSocket dial (the agent’s tunnel)', async () => {
    const socket = new WebSocket(`ws://127.0.0.1:${port}/tunnel`);
    await once(socket, 'open');
    socket.close();
    await once(socket, 'close');
    // Control: a plain request after it does record, so the empty result is not a dead exporter.
    expect(await get('/api/after')).toBe(200);
    const spans = await spansSettled(2);
    expect(spans.map((span) => span.attributes['url.path'] ?? span.attributes['url.full'])).not.toEqual(
      expect.arrayContaining([expect.stringContaining('/tunnel')]),
    );
    expect(spans.some((span) => span.kind === SpanKind.SERVER)).toBe(true);
  });
});

describe('HTTP instrumentation after tracing stops', () => {
  it('unpatches http', async () => {
    const tracing = installInMemoryTracing('broker', { instrument: true });
    expect(wrapped(cjsHttp.request)).toBe(true);
    await tracing.shutdown();
    expect(wrapped(cjsHttp.request)).toBe(false);
    expect(wrapped(cjsHttp.get)).toBe(false);
    expect(wrapped(cjsHttp.Server.prototype.emit)).toBe(false);
  });

  it('leaves http alone for in-memory tracing that does not ask for instrumentation', async () => {
    const tracing = installInMemoryTracing('broker');
    try {
      expect(wrapped(cjsHttp.request)).toBe(false);
    } finally {
      await tracing.shutdown();
    }
  });
});
