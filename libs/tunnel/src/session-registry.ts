/**
 * The broker's table of live agent sessions by cluster. Several agents per cluster are normal (replicas,
 * or a reconnect racing the old connection's death); new streams rotate over the ones that accept
 * streams, preferring those heard from recently so a silently dead connection gets no new work.
 */
import type { TunnelSession } from './session.js';

export class SessionRegistry {
  private readonly byCluster = new Map<string, TunnelSession[]>();
  private readonly turn = new Map<string, number>();

  add(clusterName: string, session: TunnelSession): void {
    const sessions = this.byCluster.get(clusterName) ?? [];
    sessions.push(session);
    this.byCluster.set(clusterName, sessions);
  }

  /** Returns false if the session was not registered. */
  remove(clusterName: string, session: TunnelSession): boolean {
    const sessions = this.byCluster.get(clusterName);
    const index = sessions?.indexOf(session) ?? -1;
    if (!sessions || index < 0) return false;
    sessions.splice(index, 1);
    if (sessions.length === 0) {
      this.byCluster.delete(clusterName);
      this.turn.delete(clusterName);
    }
    return true;
  }

  list(clusterName: string): readonly TunnelSession[] {
    return this.byCluster.get(clusterName) ?? [];
  }

  clusterNames(): string[] {
    return [...this.byCluster.keys()];
  }

  /** Round robin over sessions accepting streams; those silent for `healthyWithinMs` only as a fallback. */
  pick(clusterName: string, healthyWithinMs: number): TunnelSession | undefined {
    const accepting = this.list(clusterName).filter((session) => session.acceptingStreams);
    const healthy = accepting.filter((session) => session.silentMs < healthyWithinMs);
    const pool = healthy.length > 0 ? healthy : accepting;
    if (pool.length === 0) return undefined;
    const turn = this.turn.get(clusterName) ?? 0;
    this.turn.set(clusterName, (turn + 1) % 1_000_000);
    return pool[turn % pool.length];
  }
}
