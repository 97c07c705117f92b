import type { Logger } from 'pino';
import type { BrokerReplica, BrokerReplicaStore, LiveReplica } from './broker-replica-store';

export interface ReplicaRegistryOptions {
  store: BrokerReplicaStore;
  self: BrokerReplica;
  heartbeatMs: number;
  /** Clusters whose agents have a tunnel to this replica now, published with every heartbeat. */
  connectedClusters?: () => readonly string[];
  /** The live set changed (a replica joined, left, or its row expired). */
  onChange: (replicas: readonly BrokerReplica[]) => void;
  logger: Logger;
}

/**
 * This replica's place in the registry: renews its row every heartbeat, reads who else is live, and
 * reports changes, so the tunnel gateway can tell agents which replicas to keep a tunnel to. A database
 * outage keeps the last known set: agents keep the tunnels they have rather than drop them all.
 */
export class ReplicaRegistry {
  private replicas: readonly BrokerReplica[];
  private elsewhere: ReadonlySet<string> = new Set();
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private failing = false;
  private stopped = false;

  constructor(private readonly options: ReplicaRegistryOptions) {
    this.replicas = [options.self];
  }

  get self(): BrokerReplica {
    return this.options.self;
  }

  /** Rows silent this long are gone: three missed heartbeats. */
  get staleAfterMs(): number {
    return this.options.heartbeatMs * 3;
  }

  /** The replicas agents should be connected to; always includes this one. */
  current(): readonly BrokerReplica[] {
    return this.replicas;
  }

  /** Clusters with an agent connected to some other live replica, as of the last read. */
  clustersElsewhere(): ReadonlySet<string> {
    return this.elsewhere;
  }

  /** Registers this replica and reads the set once before returning, then keeps doing so. */
  async start(): Promise<void> {
    await this.tick();
    this.timer = setInterval(() => void this.tick(), this.options.heartbeatMs);
    this.timer.unref();
  }

  /** Leaves the registry now, so the other replicas tell agents before this row would have expired. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.ticking;
    try {
      await this.options.store.remove(this.options.self.id);
    } catch (error) {
      this.options.logger.warn(
        { err: (error as Error).message },
        'could not leave the replica registry; the row expires on its own',
      );
    }
  }

  /** One heartbeat and read; concurrent calls share the one underway. */
  tick(): Promise<void> {
    this.ticking ??= this.heartbeatAndRead().finally(() => (this.ticking = undefined));
    return this.ticking;
  }

  private async heartbeatAndRead(): Promise<void> {
    if (this.stopped) return;
    const { store, self, logger } = this.options;
    let live: LiveReplica[];
    try {
      await store.heartbeat(self, this.options.connectedClusters?.() ?? []);
      live = await store.live(this.staleAfterMs);
    } catch (error) {
      if (!this.failing)
        logger.error(
          { err: (error as Error).message },
          'could not renew this replica in the registry; agents keep the replicas they know',
        );
      this.failing = true;
      return;
    }
    if (this.failing) logger.info('replica registry reachable again');
    this.failing = false;
    this.elsewhere = new Set(
      live.filter((replica) => replica.id !== self.id).flatMap((replica) => replica.connectedClusters),
    );
    const replicas: BrokerReplica[] = live.map(({ id, url, instance }) => ({ id, url, instance }));
    if (!replicas.some((replica) => replica.id === self.id)) replicas.push(self);
    if (sameReplicas(replicas, this.replicas)) return;
    const before = new Set(this.replicas.map((replica) => replica.id));
    logger.info(
      {
        replicas: replicas.map((replica) => replica.url),
        joined: replicas.filter((replica) => !before.has(replica.id)).map((replica) => replica.instance),
      },
      'broker replica set changed',
    );
    this.replicas = replicas;
    if (!this.stopped) this.options.onChange(replicas);
  }
}

function sameReplicas(a: readonly BrokerReplica[], b: readonly BrokerReplica[]): boolean {
  if (a.length !== b.length) return false;
  const key = (replica: BrokerReplica) => `${replica.id} ${replica.url}`;
  const seen = new Set(b.map(key));
  return a.every((replica) => seen.has(key(replica)));
}
