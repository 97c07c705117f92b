import type { SqlClient } from '@tether/sql';

// Any constant other than the other stores' ones: brokers starting together take turns migrating.
const MIGRATION_LOCK = 7_405_127;

const MIGRATION = `
BEGIN;
SELECT pg_advisory_xact_lock(${MIGRATION_LOCK});
CREATE TABLE IF NOT EXISTS broker_replicas (
  id text PRIMARY KEY,
  advertise_url text NOT NULL,
  instance text NOT NULL,
  started_at timestamptz NOT NULL,
  heartbeat_at timestamptz NOT NULL
);
ALTER TABLE broker_replicas ADD COLUMN IF NOT EXISTS connected_clusters text[] NOT NULL DEFAULT '{}';
COMMIT;
`;

export interface BrokerReplica {
  /** Unique per broker process: a restarted replica is a new one. */
  id: string;
  /** Where agents dial this replica. */
  url: string;
  /** The replica's instance name (TETHER_BROKER_INSTANCE or the host name), for people. */
  instance: string;
}

/** A replica as the registry last heard from it: with the clusters whose agents had a tunnel to it. */
export interface LiveReplica extends BrokerReplica {
  connectedClusters: string[];
}

interface ReplicaRow {
  id: string;
  advertise_url: string;
  instance: string;
  connected_clusters: string[];
}

/**
 * The replica registry in table `broker_replicas`: every broker renews its own row; a row not renewed
 * within the staleness bound is not listed and is deleted by whichever replica looks next. The database
 * clock decides both, so replicas with skewed clocks agree.
 */
export class BrokerReplicaStore {
  constructor(private readonly db: SqlClient) {}

  migrate(): Promise<void> {
    return this.db.exec(MIGRATION);
  }

  async heartbeat(replica: BrokerReplica, connectedClusters: readonly string[] = []): Promise<void> {
    await this.db.query(
      `INSERT INTO broker_replicas (id, advertise_url, instance, started_at, heartbeat_at, connected_clusters)
       VALUES ($1, $2, $3, now(), now(), $4)
       ON CONFLICT (id) DO UPDATE SET advertise_url = $2, instance = $3, heartbeat_at = now(), connected_clusters = $4`,
      [replica.id, replica.url, replica.instance, [...connectedClusters]],
    );
  }

  /** Replicas heard from within `staleAfterMs`, oldest first; expired rows are removed on the way. */
  async live(staleAfterMs: number): Promise<LiveReplica[]> {
    const seconds = staleAfterMs / 1000;
    await this.db.query(
      `DELETE FROM broker_replicas WHERE heartbeat_at < now() - make_interval(secs => $1)`,
      [seconds],
    );
    const rows = await this.db.query<ReplicaRow>(
      `SELECT id, advertise_url, instance, connected_clusters FROM broker_replicas
       WHERE heartbeat_at >= now() - make_interval(secs => $1)
       ORDER BY started_at, id`,
      [seconds],
    );
    return rows.map((row) => ({
      id: row.id,
      url: row.advertise_url,
      instance: row.instance,
      connectedClusters: row.connected_clusters,
    }));
  }

  /** A replica shutting down leaves at once rather than when its row expires. */
  async remove(id: string): Promise<void> {
    await this.db.query('DELETE FROM broker_replicas WHERE id = $1', [id]);
  }
}
