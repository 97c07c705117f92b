import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import {
  AlwaysOnSampler,
  BatchSpanProcessor,
  InMemorySpanExporter,
  ParentBasedSampler,
  type ReadableSpan,
  SimpleSpanProcessor,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { disableInstrumentations, enableInstrumentations } from './instrumentations.js';

/** The standard OTEL_* variables Tether honours, as libs/config validated them (prefix stripped). */
export interface OtelEnvironment {
  SDK_DISABLED?: boolean;
  SERVICE_NAME?: string;
  TRACES_EXPORTER?: 'otlp' | 'none';
  EXPORTER_OTLP_ENDPOINT?: string;
  EXPORTER_OTLP_TRACES_ENDPOINT?: string;
}

/**
 * Where traces go, or undefined for off. Off unless an endpoint is named (TETHER_*_OTLP_ENDPOINT, or the
 * standard OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT) or OTEL_TRACES_EXPORTER=otlp asks for the OTLP default
 * (localhost:4318). OTEL_TRACES_EXPORTER=none and OTEL_SDK_DISABLED=true turn it off whatever is set.
 */
export function otlpTracesUrlOf(
  tetherEndpoint: string | undefined,
  otel: OtelEnvironment,
): string | undefined {
  if (otel.SDK_DISABLED || otel.TRACES_EXPORTER === 'none') return undefined;
  if (tetherEndpoint) return withTracesPath(tetherEndpoint);
  if (otel.EXPORTER_OTLP_TRACES_ENDPOINT) return otel.EXPORTER_OTLP_TRACES_ENDPOINT;
  if (otel.EXPORTER_OTLP_ENDPOINT) return withTracesPath(otel.EXPORTER_OTLP_ENDPOINT);
  if (otel.TRACES_EXPORTER === 'otlp') return 'http://localhost:4318/v1/traces';
  return undefined;
}

function withTracesPath(base: string): string {
  return `${base.replace(/\/+$/, '')}/v1/traces`;
}

export interface TracingSettings {
  service: string;
  version?: string;
  /** OTLP/HTTP (JSON) traces URL; tracing stays off without one. */
  otlpTracesUrl?: string;
  /**
   * Path prefixes of incoming HTTP requests the app traces by hand (the broker's `/k8s/`): the HTTP
   * instrumentation records no span for them and leaves the app's own spans as the trace.
   */
  untracedPaths?: readonly string[];
}

export interface Tracing {
  readonly enabled: boolean;
  /** Flushes the spans still queued and stops tracing. */
  shutdown(): Promise<void>;
}

let enabled = false;

/**
 * Whether spans are being recorded. The request paths ask this first, so with tracing off a request
 * pays one boolean read and creates no span objects at all.
 */
export function tracingEnabled(): boolean {
  return enabled;
}

/**
 * Tracing for a process: OTLP export in batches, with HTTP and kafkajs instrumented, when a URL is
 * given; otherwise nothing at all (no provider, no require hooks, no patched modules).
 */
export function setupTracing(settings: TracingSettings): Tracing {
  if (!settings.otlpTracesUrl) return { enabled: false, shutdown: async () => {} };
  return install(
    settings,
    [new BatchSpanProcessor(new OTLPTraceExporter({ url: settings.otlpTracesUrl }))],
    true,
  );
}

export interface InMemoryTracing extends Tracing {
  /** Every span ended since installation or the last reset. */
  spans(): ReadableSpan[];
  reset(): void;
}

export interface InMemoryTracingOptions {
  /**
   * Also instrument HTTP and kafkajs, as an exporting process does. Off by default: a test that runs
   * client, broker, agent and API server in one process would record spans no single process does.
   */
  instrument?: boolean;
  untracedPaths?: readonly string[];
}

/** For tests: records every ended span in memory, synchronously. Replaces any tracing installed before. */
export function installInMemoryTracing(
  service = 'test',
  options: InMemoryTracingOptions = {},
): InMemoryTracing {
  const exporter = new InMemorySpanExporter();
  const tracing = install(
    { service, ...(options.untracedPaths ? { untracedPaths: options.untracedPaths } : {}) },
    [new SimpleSpanProcessor(exporter)],
    options.instrument ?? false,
  );
  return {
    ...tracing,
    spans: () => exporter.getFinishedSpans(),
    reset: () => exporter.reset(),
  };
}

let installed = false;

function install(settings: TracingSettings, spanProcessors: SpanProcessor[], instrument: boolean): Tracing {
  // Only undo our own earlier install: disabling resets the API's proxy provider for everyone.
  if (installed) uninstallGlobals();
  installed = true;
  // Every part is given, so NodeSDK reads no exporter, sampler, propagator or detector from OTEL_*:
  // those were validated in libs/config, and Tether exports traces only (no metrics or logs over OTLP).
  const sdk = new NodeSDK({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: settings.service,
      ...(settings.version ? { [ATTR_SERVICE_VERSION]: settings.version } : {}),
    }),
    autoDetectResources: false,
    spanProcessors,
    sampler: new ParentBasedSampler({ root: new AlwaysOnSampler() }),
    contextManager: new AsyncLocalStorageContextManager(),
    textMapPropagator: new W3CTraceContextPropagator(),
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  // Enabled here rather than through NodeSDK's `instrumentations`: they must record into this install's
  // provider, and be switched off again at shutdown, which NodeSDK does neither of.
  if (instrument) enableInstrumentations(trace.getTracerProvider(), settings.untracedPaths ?? []);
  enabled = true;
  return {
    enabled: true,
    shutdown: async () => {
      enabled = false;
      try {
        await sdk.shutdown();
      } finally {
        uninstallGlobals();
      }
    },
  };
}

function uninstallGlobals(): void {
  enabled = false;
  installed = false;
  disableInstrumentations();
  trace.disable();
  context.disable();
  propagation.disable();
}
