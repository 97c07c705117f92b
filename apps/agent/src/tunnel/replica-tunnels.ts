/**
 * One tunnel per broker replica. The agent starts with a tunnel to BROKER_URL (the load balancer, the
 * bootstrap); once it learns the replica set it dials each replica, drops replicas that left, and lets
 * each tunnel reconnect on its own backoff. The bootstrap tunnel stays up only while no replica tunnel
 * is, so the agent is never without a way in while it learns or while every replica is unreachable.
 */
import { EventEmitter } from 'node:events';
import type { TunnelClient, TunnelClosedError } from '@tether/tunnel';
import type { Logger } from 'pino';

export interface ReplicaTunnelsEvents {
  /** A tunnel finished its handshake; `reconnect` when this tunnel had been up before. */
  up: [event: { url: string; reconnect: boolean }];
  down: [event: { url: string; error: TunnelClosedError; retryInMs: number | undefined }];
  connectFailed: [event: { url: string; error: Error; retryInMs: number }];
}

export interface ReplicaTunnelState {
  /** The replica's https:// URL (the bootstrap's for the bootstrap tunnel). */
  url: string;
  connected: boolean;
  bootstrap: boolean;
}

interface Entry {
  url: string;
  client: TunnelClient;
  connected: boolean;
  everConnected: boolean;
}

/** Drains in-flight streams of a departed replica's tunnel for this long. */
const DEPARTED_DRAIN_MS = 30_000;

export class ReplicaTunnels extends EventEmitter<ReplicaTunnelsEvents> {
  private readonly entries = new Map<string, Entry>();
  private readonly bootstrapUrl: string;
  private desired: Set<string> | undefined;
  private started = false;
  private closed = false;

  /** `connect` builds a (not yet started) tunnel client to one broker's https:// URL. */
  constructor(
    bootstrapUrl: string,
    private readonly connect: (url: string) => TunnelClient,
    private readonly logger: Logger,
  ) {
    super();
    this.bootstrapUrl = normalize(bootstrapUrl);
  }

  start(): this {
    if (!this.started) {
      this.started = true;
      this.reconcile();
    }
    return this;
  }

  /** The replicas to keep a tunnel to (https:// URLs), from the broker or from DNS. */
  setReplicas(urls: readonly string[]): void {
    if (this.closed) return;
    const next = new Set(urls.map(normalize));
    if (this.desired && sameSet(next, this.desired)) return;
    this.logger.info({ replicas: [...next] }, 'broker replica set');
    this.desired = next.size > 0 ? next : undefined;
    this.reconcile();
  }

  /** Tunnels up right now. */
  get connectedCount(): number {
    return [...this.entries.values()].filter((entry) => entry.connected).length;
  }

  /** Every tunnel the agent keeps, for metrics and tests. */
  states(): ReplicaTunnelState[] {
    return [...this.entries.values()].map((entry) => ({
      url: entry.url,
      connected: entry.connected,
      bootstrap: !this.isDesired(entry.url),
    }));
  }

  /** The replica set as last learned; empty before the first. */
  replicas(): string[] {
    return [...(this.desired ?? [])];
  }

  /** Stops every tunnel: in-flight streams get until `deadlineMs`. */
  async close(deadlineMs: number): Promise<void> {
    this.closed = true;
    const clients = [...this.entries.values()].map((entry) => entry.client);
    this.entries.clear();
    await Promise.all(clients.map((client) => client.close(deadlineMs)));
  }

  private isDesired(url: string): boolean {
    return this.desired === undefined ? url === this.bootstrapUrl : this.desired.has(url);
  }

  private reconcile(): void {
    if (this.closed || !this.started) return;
    const wanted = this.desired ?? new Set([this.bootstrapUrl]);
    for (const url of wanted) if (!this.entries.has(url)) this.add(url);
    const replicaUp = [...this.entries.values()].some((entry) => entry.connected && wanted.has(entry.url));
    for (const entry of [...this.entries.values()]) {
      if (wanted.has(entry.url)) continue;
      // The bootstrap outlives the replica set until a replica tunnel is up.
      if (entry.url === this.bootstrapUrl && !replicaUp) continue;
      this.drop(entry, entry.url === this.bootstrapUrl ? 'a replica tunnel is up' : 'replica left');
    }
    if (!replicaUp && !this.entries.has(this.bootstrapUrl)) {
      this.logger.warn('no tunnel to any broker replica is up; connecting through BROKER_URL as well');
      this.add(this.bootstrapUrl);
    }
  }

  private add(url: string): void {
    const entry: Entry = { url, client: this.connect(url), connected: false, everConnected: false };
    this.entries.set(url, entry);
    const current = () => this.entries.get(url) === entry;
    entry.client.on('connected', () => {
      if (!current()) return;
      const reconnect = entry.everConnected;
      entry.connected = true;
      entry.everConnected = true;
      this.emit('up', { url, reconnect });
      this.reconcile();
    });
    entry.client.on('disconnected', ({ error, retryInMs }) => {
      if (!current()) return;
      entry.connected = false;
      this.emit('down', { url, error, retryInMs });
      this.reconcile();
    });
    entry.client.on('connectFailed', ({ error, retryInMs }) => {
      if (current()) this.emit('connectFailed', { url, error, retryInMs });
    });
    entry.client.start();
  }

  private drop(entry: Entry, reason: string): void {
    this.entries.delete(entry.url);
    this.logger.info({ url: entry.url, reason }, 'closing the tunnel to a broker');
    // In-flight streams finish; nothing new arrives once the client stops reconnecting.
    void entry.client.close(DEPARTED_DRAIN_MS);
  }
}

/** One spelling per replica: scheme, lower-case host, port and path without a trailing slash. */
export function normalize(url: string): string {
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}`;
}

function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  return a.size === b.size && [...a].every((item) => b.has(item));
}
