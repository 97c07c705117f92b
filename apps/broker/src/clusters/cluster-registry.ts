import { createHash, timingSafeEqual } from 'node:crypto';
import type { RegisteredCluster } from '@tether/config';

/** The clusters the broker serves and the credential each cluster's agent proves itself with. */
export class ClusterRegistry {
  private readonly byName: Map<string, RegisteredCluster>;

  constructor(clusters: readonly RegisteredCluster[]) {
    this.byName = new Map(clusters.map((cluster) => [cluster.name, cluster]));
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  get(name: string): RegisteredCluster | undefined {
    return this.byName.get(name);
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  /** The cluster whose agent credential this is; the identity is bound to the connection from here on. */
  clusterForAgentToken(token: string): RegisteredCluster | undefined {
    const digest = createHash('sha256').update(token, 'utf8').digest();
    for (const cluster of this.byName.values()) {
      if (timingSafeEqual(digest, Buffer.from(cluster.agentTokenSha256, 'hex'))) return cluster;
    }
    return undefined;
  }
}
