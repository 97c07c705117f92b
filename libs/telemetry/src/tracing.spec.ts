import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { trace } from '@opentelemetry/api';
import { otlpTracesUrlOf, setupTracing, tracingEnabled } from './tracing.js';

describe('where traces go', () => {
  it.each([
    ['nothing set: off', undefined, {}, undefined],
    ['the Tether setting', 'http://collector:4318/', {}, 'http://collector:4318/v1/traces'],
    [
      'the Tether setting over the standard one',
      'http://a:4318',
      { EXPORTER_OTLP_ENDPOINT: 'http://b:4318' },
      'http://a:4318/v1/traces',
    ],
    [
      'the standard base endpoint',
      undefined,
      { EXPORTER_OTLP_ENDPOINT: 'http://b:4318' },
      'http://b:4318/v1/traces',
    ],
    [
      'the standard traces endpoint, as given',
      undefined,
      { EXPORTER_OTLP_ENDPOINT: 'http://b:4318', EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:9999/traces' },
      'http://c:9999/traces',
    ],
    [
      'otlp asked for without an endpoint',
      undefined,
      { TRACES_EXPORTER: 'otlp' as const },
      'http://localhost:4318/v1/traces',
    ],
    ['exporter none wins', 'http://a:4318', { TRACES_EXPORTER: 'none' as const }, undefined],
    ['the SDK disabled wins', 'http://a:4318', { SDK_DISABLED: true }, undefined],
  ])('%s', (_name, tether, otel, expected) => {
    expect(otlpTracesUrlOf(tether, otel)).toBe(expected);
  });
});

describe('OTLP export', () => {
  it('is off without a URL: nothing records', async () => {
    const tracing = setupTracing({ service: 'broker' });
    expect(tracing.enabled).toBe(false);
    expect(tracingEnabled()).toBe(false);
    expect(trace.getTracer('t').startSpan('x').isRecording()).toBe(false);
    await tracing.shutdown();
  });

  it('sends ended spans to an OTLP/HTTP receiver with the service name', async () => {
    const received: { path: string; body: string }[] = [];
    const receiver = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        received.push({ path: req.url ?? '', body: Buffer.concat(chunks).toString() });
        res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
      });
    });
    receiver.listen(0, '127.0.0.1');
    await once(receiver, 'listening');
    const { port } = receiver.address() as AddressInfo;
    const tracing = setupTracing({
      service: 'agent',
      version: '9.9.9',
      otlpTracesUrl: otlpTracesUrlOf(`http://127.0.0.1:${port}`, {}),
    });
    try {
      expect(tracingEnabled()).toBe(true);
      const span = trace.getTracer('t').startSpan('replay');
      span.end();
      await tracing.shutdown(); // flushes the batch
      expect(tracingEnabled()).toBe(false);
      expect(received).toHaveLength(1);
      expect(received[0].path).toBe('/v1/traces');
      expect(received[0].body).toContain(span.spanContext().traceId);
      expect(received[0].body).toContain('"agent"');
      expect(received[0].body).toContain('"replay"');
    } finally {
      receiver.close();
    }
  });
});
