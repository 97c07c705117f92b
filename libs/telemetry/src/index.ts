export { CounterCell, HistogramCell, LabelledCounter, LabelledHistogram } from './labelled-metrics.js';
export { createMetricsRegistry } from './metrics-registry.js';
export type { MetricsSettings } from './metrics-registry.js';
export { startTelemetryServer } from './telemetry-server.js';
export type { ProbeResult, TelemetryServer, TelemetryServerOptions } from './telemetry-server.js';
export { extractTraceContext, injectTraceContext, traceIdOf } from './trace-context.js';
export type { TraceCarrier } from './trace-context.js';
export { installInMemoryTracing, otlpTracesUrlOf, setupTracing, tracingEnabled } from './tracing.js';
export type {
  InMemoryTracing,
  InMemoryTracingOptions,
  OtelEnvironment,
  Tracing,
  TracingSettings,
} from './tracing.js';
