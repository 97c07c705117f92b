import {
  type Context,
  defaultTextMapGetter,
  defaultTextMapSetter,
  ROOT_CONTEXT,
  type Span,
  trace,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

/** Where a W3C trace context travels outside HTTP headers, e.g. a tunnel stream's JSON head. */
export interface TraceCarrier {
  traceparent?: string;
  tracestate?: string;
}

const propagator = new W3CTraceContextPropagator();
// A traceparent is 55 characters; tracestate is capped at 512 by the spec. Anything longer is not one.
const maxHeaderLength = 512;

/** Writes the span's context into the carrier as `traceparent` (and `tracestate` when it has one). */
export function injectTraceContext(span: Span, carrier: TraceCarrier): void {
  propagator.inject(trace.setSpan(ROOT_CONTEXT, span), carrier, defaultTextMapSetter);
}

/**
 * The remote parent a carrier names, as a context to start spans in. A missing, malformed or oversized
 * `traceparent` yields the root context: the receiver then starts a trace of its own.
 */
export function extractTraceContext(carrier: unknown): Context {
  if (typeof carrier !== 'object' || carrier === null) return ROOT_CONTEXT;
  const { traceparent, tracestate } = carrier as Record<string, unknown>;
  if (typeof traceparent !== 'string' || traceparent.length > maxHeaderLength) return ROOT_CONTEXT;
  const clean: TraceCarrier = { traceparent };
  if (typeof tracestate === 'string' && tracestate.length <= maxHeaderLength) clean.tracestate = tracestate;
  return propagator.extract(ROOT_CONTEXT, clean, defaultTextMapGetter);
}

/** The trace id a log line or audit event should carry, or undefined when the span records nothing. */
export function traceIdOf(span: Span): string | undefined {
  const spanContext = span.spanContext();
  return trace.isSpanContextValid(spanContext) ? spanContext.traceId : undefined;
}
