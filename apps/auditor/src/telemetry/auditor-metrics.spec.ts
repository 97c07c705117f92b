import { auditorMetrics, type IngestCounts } from './auditor-metrics';

describe('auditor metrics', () => {
  it('reads the ingest counters and the consumer lag at scrape time', async () => {
    const counts: IngestCounts = { stored: 10, duplicates: 2, invalid: 1, batches: 3 };
    let lag: number | undefined = 40;
    const registry = auditorMetrics({ ingest: () => counts, consumerLag: () => Promise.resolve(lag) });
    let text = await registry.metrics();
    expect(text).toMatch(/tether_auditor_rows_written_total\{service="auditor"[^}]*\} 10\n/);
    expect(text).toMatch(/tether_auditor_ingest_batches_total\{[^}]*\} 3\n/);
    expect(text).toMatch(/tether_auditor_consumer_lag_messages\{[^}]*\} 40\n/);
    counts.stored = 25;
    lag = 0;
    text = await registry.metrics();
    expect(text).toMatch(/tether_auditor_rows_written_total\{[^}]*\} 25\n/);
    expect(text).toMatch(/tether_auditor_consumer_lag_messages\{[^}]*\} 0\n/);
    lag = undefined;
    // prom-client writes "Nan"; Prometheus parses special values ignoring case.
    expect(await registry.metrics()).toMatch(/tether_auditor_consumer_lag_messages\{[^}]*\} NaN\n/i);
  });

  it('leaves the lag out when it is not known', async () => {
    const registry = auditorMetrics({ ingest: () => ({ stored: 0, duplicates: 0, invalid: 0, batches: 0 }) });
    expect(await registry.metrics()).not.toContain('consumer_lag');
  });
});
