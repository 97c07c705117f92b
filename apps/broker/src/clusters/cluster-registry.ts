import { createHash, timingSafeEqual } from 'node:crypto';
import type { RegisteredCluster } from '@tether/config';

/** A cluster the broker serves: from TETHER_BROKER_CLUSTERS (`static`) or enrolled through the API. */
export interface KnownCluster {
  name: string;
  labels: Record<string, string>;
  source: 'static' | 'enrolled';
}

/**
 * The clusters the broker serves, read on every kube request, so lookups are in memory: the static
 * clusters of the configuration, and a copy of the enrolled ones that EnrolledClusterSync keeps current
 * (after every change here, periodically for changes made by other replicas).
 */
export class ClusterRegistry {
  private readonly staticByName: Map<string, RegisteredCluster>;
  private enrolled = new Map<string, KnownCluster>();

  constructor(clusters: readonly RegisteredCluster[]) {
    this.staticByName = new Map(clusters.map((cluster) => [cluster.name, cluster]));
  }

  has(name: string): boolean {
    return this.staticByName.has(name) || this.enrolled.has(name);
  }

  get(name: string): KnownCluster | undefined {
    const fixed = this.staticByName.get(name);
    if (fixed) return { name: fixed.name, labels: fixed.labels, source: 'static' };
    return this.enrolled.get(name);
  }

  isStatic(name: string): boolean {
    return this.staticByName.has(name);
  }

  names(): string[] {
    return this.list().map((cluster) => cluster.name);
  }

  /** Every cluster, static ones first, each group in name order. */
  list(): KnownCluster[] {
    const fixed = [...this.staticByName.values()]
      .map((c): KnownCluster => ({ name: c.name, labels: c.labels, source: 'static' }))
      .sort((a, b) => a.name.localeCompare(b.name));
    const enrolled = [...this.enrolled.values()]
      .filter((c) => !this.staticByName.has(c.name))
      .sort((a, b) => a.name.localeCompare(b.name));
    return [...fixed, ...enrolled];
  }

  /** Replaces the enrolled clusters; returns the names that are gone (their tunnels must close). */
  setEnrolled(clusters: ReadonlyArray<{ name: string; labels: Record<string, string> }>): string[] {
    const next = new Map(
      clusters.map((c): [string, KnownCluster] => [
        c.name,
        { name: c.name, labels: c.labels, source: 'enrolled' },
      ]),
    );
    const gone = [...this.enrolled.keys()].filter((name) => !next.has(name) && !this.staticByName.has(name));
    this.enrolled = next;
    return gone;
  }

  /** The static cluster whose agent credential this is; enrolled credentials are checked in the database. */
  staticClusterForAgentToken(token: string): KnownCluster | undefined {
    const digest = createHash('sha256').update(token, 'utf8').digest();
    for (const cluster of this.staticByName.values()) {
      if (timingSafeEqual(digest, Buffer.from(cluster.agentTokenSha256, 'hex')))
        return { name: cluster.name, labels: cluster.labels, source: 'static' };
    }
    return undefined;
  }
}
