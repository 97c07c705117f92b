import { createMetricsRegistry } from '@tether/telemetry';
import { Counter, Gauge, type Registry } from 'prom-client';
import { auditorVersion } from './auditor-tracing';

/** What the ingest side counts (IngestBatcher.stats has this shape). */
export interface IngestCounts {
  stored: number;
  duplicates: number;
  invalid: number;
  batches: number;
}

export interface AuditorMetricSources {
  ingest: () => IngestCounts;
  /** Messages behind the newest offset, summed over partitions; undefined while not known. */
  consumerLag?: () => Promise<number | undefined>;
}

/**
 * The auditor's /metrics: a registry (service="auditor") whose series read the ingest counters at
 * scrape time, so ingesting costs nothing extra. Serve `registry.metrics()` on the auditor's HTTP
 * port, or pass the registry to startTelemetryServer from @tether/telemetry.
 */
export function auditorMetrics(sources: AuditorMetricSources, version = auditorVersion): Registry {
  const registry = createMetricsRegistry({ service: 'auditor', version });
  const registers = [registry];
  const counter = (name: string, help: string, read: (counts: IngestCounts) => number) =>
    new Counter({
      name,
      help,
      registers,
      collect() {
        this.reset();
        this.inc(read(sources.ingest()));
      },
    });
  counter('tether_auditor_ingest_batches_total', 'Batches written to the audit store', (c) => c.batches);
  counter('tether_auditor_rows_written_total', 'Audit events stored (new rows)', (c) => c.stored);
  counter(
    'tether_auditor_duplicates_total',
    'Redelivered audit events the store already had (idempotent insert)',
    (c) => c.duplicates,
  );
  counter(
    'tether_auditor_invalid_events_total',
    'Messages skipped because they were no audit event',
    (c) => c.invalid,
  );
  const lag = sources.consumerLag;
  if (lag) {
    new Gauge({
      name: 'tether_auditor_consumer_lag_messages',
      help: 'Audit topic messages not consumed yet, over all partitions',
      registers,
      // NaN, not 0, while Kafka never answered: no lag is not the same as an unknown one.
      async collect() {
        this.set((await lag()) ?? Number.NaN);
      },
    });
  }
  return registry;
}
