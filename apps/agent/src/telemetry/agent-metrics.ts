import { type CounterCell, type HistogramCell, LabelledCounter, LabelledHistogram } from '@tether/telemetry';
import { Counter, Gauge, type Registry } from 'prom-client';

export interface TunnelState {
  url: string;
  connected: boolean;
  bootstrap: boolean;
}

const latencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The agent's series; labels are bounded (status codes, decision error codes). */
export class AgentMetrics {
  private readonly replays: LabelledCounter;
  private readonly replayCells = new Map<number, CounterCell>();
  private readonly latency: HistogramCell;
  private readonly failures: LabelledCounter;
  private readonly failureCells = new Map<string, CounterCell>();
  private readonly reconnects: Counter;
  private readonly stalls: Counter;
  private tunnels: () => readonly TunnelState[] = () => [];
  private knownReplicas: () => number = () => 0;

  constructor(registry: Registry) {
    this.replays = new LabelledCounter(
      {
        name: 'tether_agent_replays_total',
        help: 'Requests from the tunnel answered, by HTTP status (403: the agent refused the decision; 502: API server unreachable)',
        labelNames: ['code'],
      },
      registry,
    );
    this.latency = new LabelledHistogram(
      {
        name: 'tether_agent_replay_latency_seconds',
        help: 'From a request arriving on the tunnel to the API server’s response head (watch and exec: until they start)',
        labelNames: [],
        buckets: latencyBuckets,
      },
      registry,
    ).cell();
    this.failures = new LabelledCounter(
      {
        name: 'tether_agent_decision_verification_failures_total',
        help: 'Requests refused because their decision did not verify, by reason (replayed, expired, wrong_cluster, bad_signature, ...)',
        labelNames: ['reason'],
      },
      registry,
    );
    const tunnels = () => this.tunnels();
    const knownReplicas = () => this.knownReplicas();
    new Gauge({
      name: 'tether_agent_tunnel_connected',
      help: '1 while at least one tunnel to a broker replica is up, else 0',
      registers: [registry],
      collect() {
        this.set(tunnels().some((tunnel) => tunnel.connected) ? 1 : 0);
      },
    });
    new Gauge({
      name: 'tether_agent_broker_tunnel_up',
      help: 'Each tunnel the agent keeps, by broker replica URL: 1 connected, 0 connecting (bootstrap="true": through BROKER_URL while no replica tunnel is up)',
      labelNames: ['replica', 'bootstrap'],
      registers: [registry],
      collect() {
        this.reset();
        for (const tunnel of tunnels())
          this.set({ replica: tunnel.url, bootstrap: String(tunnel.bootstrap) }, tunnel.connected ? 1 : 0);
      },
    });
    new Gauge({
      name: 'tether_agent_broker_replicas',
      help: 'Broker replicas the agent was told of (or found in DNS) and keeps a tunnel to',
      registers: [registry],
      collect() {
        this.set(knownReplicas());
      },
    });
    this.reconnects = new Counter({
      name: 'tether_agent_tunnel_reconnects_total',
      help: 'Tunnel connections to a replica made after its first one (the broker restarted, the network broke, a drain)',
      registers: [registry],
    });
    this.stalls = new Counter({
      name: 'tether_agent_tunnel_flow_control_stalls_total',
      help: 'Times an agent-side tunnel stream had bytes to send and no credit: kubectl or the broker read slower than the API server answered',
      registers: [registry],
    });
  }

  replayed(code: number, seconds: number | undefined): void {
    let cell = this.replayCells.get(code);
    if (!cell) this.replayCells.set(code, (cell = this.replays.cell(String(code))));
    cell.inc();
    if (seconds !== undefined) this.latency.observe(seconds);
  }

  /** `code` is a DecisionError code, e.g. DECISION_REPLAYED → reason="replayed". */
  verificationFailed(code: string): void {
    let cell = this.failureCells.get(code);
    if (!cell) {
      cell = this.failures.cell(code.replace(/^DECISION_/, '').toLowerCase());
      this.failureCells.set(code, cell);
    }
    cell.inc();
  }

  /** The tunnels and the replica set, read whenever Prometheus scrapes. */
  observeTunnels(tunnels: () => readonly TunnelState[], knownReplicas: () => number): void {
    this.tunnels = tunnels;
    this.knownReplicas = knownReplicas;
  }

  tunnelConnected(reconnect: boolean): void {
    if (reconnect) this.reconnects.inc();
  }

  readonly flowControlStall = (): void => this.stalls.inc();
}
