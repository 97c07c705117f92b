/**
 * A replica that just started has no tunnels yet: the agents learn of it from the other replicas and
 * dial within a heartbeat or two. Until every cluster that has an agent on another replica has one here
 * too, this replica would answer "agent not connected" for it, so it reports itself not ready; past the
 * deadline it is ready regardless (an agent that cannot reach this replica must not keep it out forever).
 * Once ready it stays ready: an agent going away later is the cluster's trouble, not the replica's.
 */
export class TunnelWarmup {
  private warm = false;

  constructor(
    private readonly clustersElsewhere: () => ReadonlySet<string>,
    private readonly clustersHere: () => readonly string[],
    private readonly deadlineAt: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Clusters connected to another replica and not yet to this one. */
  waitingFor(): string[] {
    if (this.warm) return [];
    const here = new Set(this.clustersHere());
    return [...this.clustersElsewhere()].filter((cluster) => !here.has(cluster)).sort();
  }

  get ready(): boolean {
    if (!this.warm && (this.waitingFor().length === 0 || this.now() >= this.deadlineAt)) this.warm = true;
    return this.warm;
  }
}
