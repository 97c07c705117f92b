import type { AuditSinkStats } from '@tether/audit';
import { createMetricsRegistry } from '@tether/telemetry';
import { BrokerMetrics } from './broker-metrics';

describe('broker metrics read at scrape time', () => {
  it('shows every served cluster’s tunnels and open streams, 0 for one without an agent', async () => {
    const registry = createMetricsRegistry({ service: 'broker', processMetrics: false });
    const sessions: Record<string, number[]> = { 'dev-east': [2, 1], 'dev-west': [] };
    new BrokerMetrics(registry).registerTunnelGauges({
      clusters: () => Object.keys(sessions),
      sessions: (cluster) => sessions[cluster].length,
      openStreams: (cluster) => sessions[cluster].reduce((a, b) => a + b, 0),
    });
    let text = await registry.metrics();
    expect(text).toMatch(/tether_broker_tunnels_connected\{cluster="dev-east"[^}]*\} 2\n/);
    expect(text).toMatch(/tether_broker_tunnels_connected\{cluster="dev-west"[^}]*\} 0\n/);
    expect(text).toMatch(/tether_broker_tunnel_streams_open\{cluster="dev-east"[^}]*\} 3\n/);
    delete sessions['dev-east'];
    text = await registry.metrics();
    expect(text).not.toContain('cluster="dev-east"');
  });

  it('reports the audit spool and Kafka delivery lag through the seam', async () => {
    const registry = createMetricsRegistry({ service: 'broker', processMetrics: false });
    const stats: AuditSinkStats = {
      pendingEvents: 12,
      pendingBytes: 3400,
      deliveryLagMs: 2500,
      droppedEvents: 0,
      delivered: 90,
    };
    new BrokerMetrics(registry).registerAuditGauges(() => stats);
    let text = await registry.metrics();
    expect(text).toMatch(/tether_audit_spool_depth\{[^}]*\} 12\n/);
    expect(text).toMatch(/tether_audit_delivery_lag_seconds\{[^}]*\} 2\.5\n/);
    expect(text).toMatch(/tether_audit_events_delivered_total\{[^}]*\} 90\n/);
    stats.pendingEvents = 0;
    stats.deliveryLagMs = 0;
    stats.delivered = 102;
    text = await registry.metrics();
    expect(text).toMatch(/tether_audit_spool_depth\{[^}]*\} 0\n/);
    expect(text).toMatch(/tether_audit_events_delivered_total\{[^}]*\} 102\n/);
  });
});
