// HTTP and kafkajs auto-instrumentation, switched on and off with tracing. Nothing here is constructed
// until tracing starts: building an instrumentation installs its require hook.
import type { IncomingMessage, RequestOptions } from 'node:http';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import type { TracerProvider } from '@opentelemetry/api';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { KafkaJsInstrumentation } from '@opentelemetry/instrumentation-kafkajs';

/** Probe and scrape paths: polled every few seconds, never worth a span. */
const probePaths = new Set(['/metrics', '/healthz', '/readyz']);

let instrumentations: { http: HttpInstrumentation; kafkajs: KafkaJsInstrumentation } | undefined;

/**
 * Patches `http`, `https` and `kafkajs` to record into `provider`. Incoming requests on a probe path or
 * under one of `untracedPaths` get no span (the app traces those itself).
 */
export function enableInstrumentations(provider: TracerProvider, untracedPaths: readonly string[]): void {
  // One instance of each per process, re-enabled on every install: require-in-the-middle remembers a
  // module it patched once, so a second instance would never see `http` or `kafkajs` again.
  instrumentations ??= {
    http: new HttpInstrumentation({ enabled: false }),
    kafkajs: new KafkaJsInstrumentation({ enabled: false }),
  };
  instrumentations.http.setConfig({
    ignoreIncomingRequestHook: (request) => isUntracedIncoming(request, untracedPaths),
    ignoreOutgoingRequestHook: (options) => hasRawHeaderList(options) || isWebSocketDial(options),
  });
  for (const instrumentation of Object.values(instrumentations)) {
    instrumentation.setTracerProvider(provider);
    instrumentation.enable();
  }
  patchModulesLoadedBefore();
}

/** Restores the original `http`, `https` and `kafkajs` functions. */
export function disableInstrumentations(): void {
  if (!instrumentations) return;
  for (const instrumentation of Object.values(instrumentations)) instrumentation.disable();
  syncBuiltinESMExports();
}

function isUntracedIncoming(request: IncomingMessage, untracedPaths: readonly string[]): boolean {
  const path = (request.url ?? '/').split('?', 1)[0];
  return probePaths.has(path) || untracedPaths.some((prefix) => path.startsWith(prefix));
}

// Headers given as a raw list (the agent's replay, which has a span of its own): the instrumentation
// would copy the list into an object to add a traceparent, turning it into numbered junk headers.
function hasRawHeaderList(options: RequestOptions): boolean {
  return Array.isArray(options.headers);
}

// The agent's tunnel to the broker: one connection for hours, whose streams are traced one by one.
function isWebSocketDial(options: RequestOptions): boolean {
  const headers = options.headers;
  if (!headers || Array.isArray(headers)) return false;
  return Object.entries(headers).some(
    ([name, value]) => name.toLowerCase() === 'upgrade' && String(value).toLowerCase() === 'websocket',
  );
}

/**
 * The hooks patch a module when it is next required, and the apps load `http` and `kafkajs` before
 * their telemetry starts. Requiring them again here patches them now; both are patched in place (the
 * module's exports, Server.prototype, Kafka.prototype), so code holding them already sees the patch.
 * ES-module importers of `http` read a copy of its exports, refreshed by syncBuiltinESMExports.
 */
function patchModulesLoadedBefore(): void {
  const load = createRequire(__filename);
  load('node:http');
  load('node:https');
  try {
    if (load.cache[load.resolve('kafkajs')]) load('kafkajs');
  } catch {
    // kafkajs is not installed beside this lib: nothing to patch.
  }
  syncBuiltinESMExports();
}
