import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { extractTraceContext, injectTraceContext, traceIdOf, type TraceCarrier } from './trace-context.js';
import { installInMemoryTracing, type InMemoryTracing } from './tracing.js';

describe('trace context in a plain carrier', () => {
  let tracing: InMemoryTracing;
  beforeAll(() => {
    tracing = installInMemoryTracing();
  });
  afterAll(() => tracing.shutdown());

  it('carries a span across as the parent of the receiver’s span', () => {
    const tracer = trace.getTracer('test');
    const sender = tracer.startSpan('send');
    const carrier: TraceCarrier = {};
    injectTraceContext(sender, carrier);
    expect(carrier.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);

    const received = tracer.startSpan(
      'receive',
      {},
      extractTraceContext(JSON.parse(JSON.stringify(carrier))),
    );
    received.end();
    sender.end();
    const child = tracing.spans().find((span) => span.name === 'receive');
    expect(child?.spanContext().traceId).toBe(sender.spanContext().traceId);
    expect(child?.parentSpanContext?.spanId).toBe(sender.spanContext().spanId);
    expect(child?.parentSpanContext?.isRemote).toBe(true);
    expect(traceIdOf(sender)).toBe(sender.spanContext().traceId);
  });

  it.each([
    ['no carrier', undefined],
    ['a string carrier', 'traceparent'],
    ['no traceparent', {}],
    ['a number', { traceparent: 42 }],
    ['garbage', { traceparent: 'not-a-traceparent' }],
    ['an all-zero trace id', { traceparent: `00-${'0'.repeat(32)}-${'1'.repeat(16)}-01` }],
    ['an unknown version ff', { traceparent: `ff-${'a'.repeat(32)}-${'1'.repeat(16)}-01` }],
    ['an oversized value', { traceparent: `00-${'a'.repeat(32)}-${'1'.repeat(16)}-01${'x'.repeat(600)}` }],
  ])('ignores %s: the receiver starts a trace of its own', (_name, carrier) => {
    const extracted = extractTraceContext(carrier);
    expect(extracted).toBe(ROOT_CONTEXT);
    expect(trace.getSpanContext(extracted)).toBeUndefined();
  });

  it('reports no trace id for a span that records nothing', () => {
    expect(
      traceIdOf(trace.wrapSpanContext({ traceId: '0'.repeat(32), spanId: '0'.repeat(16), traceFlags: 0 })),
    ).toBeUndefined();
  });
});
