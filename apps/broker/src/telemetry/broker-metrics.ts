import { type CounterCell, type HistogramCell, LabelledCounter, LabelledHistogram } from '@tether/telemetry';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { AuditSinkStats } from '@tether/audit';

/** What the tunnel side reports at scrape time: live sessions and their open streams per cluster. */
export interface TunnelCensus {
  /** Every cluster the broker serves, so a cluster without a tunnel shows 0 rather than nothing. */
  clusters(): Iterable<string>;
  sessions(cluster: string): number;
  openStreams(cluster: string): number;
}

// Up to a minute: watch, exec and port-forward last as long as the client keeps them and land in +Inf.
const durationBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/**
 * The broker's series. Labels stay bounded: cluster (registered ones only), verb and status code;
 * never user, path or request id. A request reaches its series through cached cells, so counting it
 * is a few map lookups and number increments, with no allocation.
 */
export class BrokerMetrics {
  private readonly requests: LabelledCounter;
  private readonly duration: LabelledHistogram;
  private readonly decisions: LabelledCounter;
  private readonly stalls: Counter;
  // cluster → verb → code: a request finds its series without building a key.
  private readonly requestCells = new Map<string, Map<string, Map<number, CounterCell>>>();
  private readonly durationCells = new Map<string, Map<string, HistogramCell>>();
  private readonly decisionCells = new Map<string, [allowed: CounterCell, denied: CounterCell]>();

  constructor(private readonly registry: Registry) {
    this.requests = new LabelledCounter(
      {
        name: 'tether_broker_requests_total',
        help: 'Kube requests answered, by cluster, Kubernetes verb and HTTP status (0: the connection failed before a status)',
        labelNames: ['cluster', 'verb', 'code'],
      },
      registry,
    );
    this.duration = new LabelledHistogram(
      {
        name: 'tether_broker_request_duration_seconds',
        help: 'Kube request duration at the broker, from arrival to the last byte (watch and exec: the whole session)',
        labelNames: ['cluster', 'verb'],
        buckets: durationBuckets,
      },
      registry,
    );
    this.decisions = new LabelledCounter(
      {
        name: 'tether_broker_decisions_total',
        help: 'Policy decisions on kube requests, by cluster and outcome',
        labelNames: ['cluster', 'decision'],
      },
      registry,
    );
    this.stalls = new Counter({
      name: 'tether_broker_tunnel_flow_control_stalls_total',
      help: 'Times a broker-side tunnel stream had bytes to send and no credit: its reader at the agent fell behind',
      registers: [registry],
    });
  }

  /** One finished kube request; `cluster` and `verb` are '' when the request never got that far. */
  request(cluster: string, verb: string, code: number, seconds: number): void {
    let byVerb = this.requestCells.get(cluster);
    if (!byVerb) this.requestCells.set(cluster, (byVerb = new Map()));
    let byCode = byVerb.get(verb);
    if (!byCode) byVerb.set(verb, (byCode = new Map()));
    let counter = byCode.get(code);
    if (!counter) byCode.set(code, (counter = this.requests.cell(cluster, verb, String(code))));
    counter.inc();

    let histograms = this.durationCells.get(cluster);
    if (!histograms) this.durationCells.set(cluster, (histograms = new Map()));
    let histogram = histograms.get(verb);
    if (!histogram) histograms.set(verb, (histogram = this.duration.cell(cluster, verb)));
    histogram.observe(seconds);
  }

  decision(cluster: string, allowed: boolean): void {
    let pair = this.decisionCells.get(cluster);
    if (!pair) {
      pair = [this.decisions.cell(cluster, 'allowed'), this.decisions.cell(cluster, 'denied')];
      this.decisionCells.set(cluster, pair);
    }
    pair[allowed ? 0 : 1].inc();
  }

  readonly flowControlStall = (): void => this.stalls.inc();

  /** Tunnels and open streams, read from the tunnel server whenever Prometheus scrapes. */
  registerTunnelGauges(census: TunnelCensus): void {
    new Gauge({
      name: 'tether_broker_tunnels_connected',
      help: 'Agent tunnels connected to this broker, by cluster',
      labelNames: ['cluster'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const cluster of census.clusters()) this.labels(cluster).set(census.sessions(cluster));
      },
    });
    new Gauge({
      name: 'tether_broker_tunnel_streams_open',
      help: 'Streams open on the agent tunnels of this broker (one per request in flight), by cluster',
      labelNames: ['cluster'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const cluster of census.clusters()) this.labels(cluster).set(census.openStreams(cluster));
      },
    });
  }

  /**
   * The seam for the audit producer: series that ask `stats` (AuditSink.stats) at scrape time. Call
   * once, when the audit sink starts; a `stats` that throws fails that scrape with its message.
   */
  registerAuditGauges(stats: () => AuditSinkStats): void {
    const registers = [this.registry];
    new Gauge({
      name: 'tether_audit_spool_depth',
      help: 'Audit events accepted and not yet delivered to Kafka (spooled or in flight)',
      registers,
      collect() {
        this.set(stats().pendingEvents);
      },
    });
    new Gauge({
      name: 'tether_audit_spool_bytes',
      help: 'Bytes of the audit events not yet delivered',
      registers,
      collect() {
        this.set(stats().pendingBytes);
      },
    });
    new Gauge({
      name: 'tether_audit_delivery_lag_seconds',
      help: 'Age of the oldest audit event Kafka has not acknowledged yet (0: none waiting)',
      registers,
      collect() {
        this.set(stats().deliveryLagMs / 1000);
      },
    });
    new Counter({
      name: 'tether_audit_events_delivered_total',
      help: 'Audit events Kafka acknowledged',
      registers,
      collect() {
        this.reset();
        this.inc(stats().delivered);
      },
    });
    new Counter({
      name: 'tether_audit_events_dropped_total',
      help: 'Audit events dropped because the spool was full (fail-open policy only)',
      registers,
      collect() {
        this.reset();
        this.inc(stats().droppedEvents);
      },
    });
  }
}
