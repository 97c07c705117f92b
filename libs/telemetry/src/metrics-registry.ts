import { collectDefaultMetrics, Registry } from 'prom-client';

export interface MetricsSettings {
  /** Which process: broker, agent, auditor. Stamped on every series as `service`. */
  service: string;
  version?: string;
  /** Node's process metrics (CPU, memory, event loop lag, GC). Default on; tests turn it off. */
  processMetrics?: boolean;
}

/**
 * One Prometheus registry per process, its series labelled with service and version. Everything an app
 * counts registers here; `/metrics` renders it.
 */
export function createMetricsRegistry(settings: MetricsSettings): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service: settings.service, version: settings.version ?? '0.0.0' });
  if (settings.processMetrics !== false) collectDefaultMetrics({ register: registry });
  return registry;
}
