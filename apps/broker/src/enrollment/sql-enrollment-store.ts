import type { SqlClient } from '@tether/sql';
import type {
  AgentCredentialRecord,
  ClusterRecord,
  EnrollmentStore,
  JoinTokenRecord,
  NewSecret,
} from './enrollment-store';

// Any constant other than the access requests' one: brokers starting together take turns migrating.
const MIGRATION_LOCK = 7_405_113;

const MIGRATION = `
BEGIN;
SELECT pg_advisory_xact_lock(${MIGRATION_LOCK});
CREATE TABLE IF NOT EXISTS clusters (
  name text PRIMARY KEY,
  labels jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL,
  created_by text NOT NULL
);
CREATE TABLE IF NOT EXISTS cluster_join_tokens (
  id text PRIMARY KEY,
  cluster text NOT NULL REFERENCES clusters (name) ON DELETE CASCADE,
  token_sha256 text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL,
  created_by text NOT NULL,
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  revoked_at timestamptz
);
CREATE INDEX IF NOT EXISTS cluster_join_tokens_cluster ON cluster_join_tokens (cluster);
CREATE TABLE IF NOT EXISTS agent_credentials (
  id text PRIMARY KEY,
  cluster text NOT NULL REFERENCES clusters (name) ON DELETE CASCADE,
  token_sha256 text NOT NULL UNIQUE,
  issued_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz,
  replaced_by text,
  join_token_id text
);
CREATE INDEX IF NOT EXISTS agent_credentials_cluster ON agent_credentials (cluster);
COMMIT;
`;

type Time = Date | string;
const date = (value: Time): Date => (value instanceof Date ? value : new Date(value));
const maybeDate = (value: Time | null): Date | null => (value === null ? null : date(value));

interface ClusterRow {
  name: string;
  labels: Record<string, string> | string;
  created_at: Time;
  created_by: string;
}

interface JoinTokenRow {
  id: string;
  cluster: string;
  created_at: Time;
  created_by: string;
  expires_at: Time;
  used_at: Time | null;
  revoked_at: Time | null;
}

interface CredentialRow {
  id: string;
  cluster: string;
  issued_at: Time;
  expires_at: Time;
  revoked_at: Time | null;
  replaced_by: string | null;
}

const clusterOf = (row: ClusterRow): ClusterRecord => ({
  name: row.name,
  labels: typeof row.labels === 'string' ? (JSON.parse(row.labels) as Record<string, string>) : row.labels,
  createdAt: date(row.created_at),
  createdBy: row.created_by,
});

const joinTokenOf = (row: JoinTokenRow): JoinTokenRecord => ({
  id: row.id,
  cluster: row.cluster,
  createdAt: date(row.created_at),
  createdBy: row.created_by,
  expiresAt: date(row.expires_at),
  usedAt: maybeDate(row.used_at),
  revokedAt: maybeDate(row.revoked_at),
});

const credentialOf = (row: CredentialRow): AgentCredentialRecord => ({
  id: row.id,
  cluster: row.cluster,
  issuedAt: date(row.issued_at),
  expiresAt: date(row.expires_at),
  revokedAt: maybeDate(row.revoked_at),
  replacedBy: row.replaced_by,
});

const JOIN_TOKEN_COLUMNS = 'id, cluster, created_at, created_by, expires_at, used_at, revoked_at';
const CREDENTIAL_COLUMNS = 'id, cluster, issued_at, expires_at, revoked_at, replaced_by';

/**
 * Enrollment in tables `clusters`, `cluster_join_tokens` and `agent_credentials`, on PostgreSQL or
 * PGlite alike. Every change that must be atomic is one statement, so it holds across broker replicas.
 */
export class SqlEnrollmentStore implements EnrollmentStore {
  constructor(private readonly db: SqlClient) {}

  migrate(): Promise<void> {
    return this.db.exec(MIGRATION);
  }

  async addCluster(cluster: ClusterRecord, joinToken: NewSecret): Promise<JoinTokenRecord | undefined> {
    const rows = await this.db.query<JoinTokenRow>(
      `WITH added AS (
         INSERT INTO clusters (name, labels, created_at, created_by) VALUES ($1, $2::jsonb, $3, $4)
         ON CONFLICT (name) DO NOTHING RETURNING name
       )
       INSERT INTO cluster_join_tokens (id, cluster, token_sha256, created_at, created_by, expires_at)
       SELECT $5, name, $6, $3, $4, $7 FROM added RETURNING ${JOIN_TOKEN_COLUMNS}`,
      [
        cluster.name,
        JSON.stringify(cluster.labels),
        cluster.createdAt,
        cluster.createdBy,
        joinToken.id,
        joinToken.sha256,
        joinToken.expiresAt,
      ],
    );
    return rows[0] === undefined ? undefined : joinTokenOf(rows[0]);
  }

  async clusters(): Promise<ClusterRecord[]> {
    const rows = await this.db.query<ClusterRow>('SELECT * FROM clusters ORDER BY name');
    return rows.map(clusterOf);
  }

  async cluster(name: string): Promise<ClusterRecord | undefined> {
    const rows = await this.db.query<ClusterRow>('SELECT * FROM clusters WHERE name = $1', [name]);
    return rows[0] === undefined ? undefined : clusterOf(rows[0]);
  }

  async removeCluster(name: string): Promise<boolean> {
    const rows = await this.db.query('DELETE FROM clusters WHERE name = $1 RETURNING name', [name]);
    return rows.length > 0;
  }

  async issueJoinToken(
    cluster: string,
    joinToken: NewSecret,
    createdBy: string,
    now: Date,
  ): Promise<JoinTokenRecord | undefined> {
    const rows = await this.db.query<JoinTokenRow>(
      `WITH superseded AS (
         UPDATE cluster_join_tokens SET revoked_at = $5
         WHERE cluster = $1 AND used_at IS NULL AND revoked_at IS NULL RETURNING id
       )
       INSERT INTO cluster_join_tokens (id, cluster, token_sha256, created_at, created_by, expires_at)
       SELECT $2, name, $3, $5, $4, $6 FROM clusters WHERE name = $1
       RETURNING ${JOIN_TOKEN_COLUMNS}`,
      [cluster, joinToken.id, joinToken.sha256, createdBy, now, joinToken.expiresAt],
    );
    return rows[0] === undefined ? undefined : joinTokenOf(rows[0]);
  }

  async revokeCredentials(cluster: string, now: Date): Promise<string[]> {
    const rows = await this.db.query<{ id: string }>(
      `UPDATE agent_credentials SET revoked_at = $2
       WHERE cluster = $1 AND expires_at > $2 AND (revoked_at IS NULL OR revoked_at > $2) RETURNING id`,
      [cluster, now],
    );
    return rows.map((row) => row.id);
  }

  async joinTokens(cluster?: string): Promise<JoinTokenRecord[]> {
    const rows = await this.db.query<JoinTokenRow>(
      `SELECT ${JOIN_TOKEN_COLUMNS} FROM cluster_join_tokens WHERE $1::text IS NULL OR cluster = $1
       ORDER BY created_at, id`,
      [cluster ?? null],
    );
    return rows.map(joinTokenOf);
  }

  async credentials(cluster?: string): Promise<AgentCredentialRecord[]> {
    const rows = await this.db.query<CredentialRow>(
      `SELECT ${CREDENTIAL_COLUMNS} FROM agent_credentials WHERE $1::text IS NULL OR cluster = $1
       ORDER BY issued_at, id`,
      [cluster ?? null],
    );
    return rows.map(credentialOf);
  }

  async credentialsById(ids: readonly string[]): Promise<AgentCredentialRecord[]> {
    if (ids.length === 0) return [];
    const rows = await this.db.query<CredentialRow>(
      `SELECT ${CREDENTIAL_COLUMNS} FROM agent_credentials WHERE id = ANY($1::text[])`,
      [[...ids]],
    );
    return rows.map(credentialOf);
  }

  async joinTokenByHash(sha256: string): Promise<JoinTokenRecord | undefined> {
    const rows = await this.db.query<JoinTokenRow>(
      `SELECT ${JOIN_TOKEN_COLUMNS} FROM cluster_join_tokens WHERE token_sha256 = $1`,
      [sha256],
    );
    return rows[0] === undefined ? undefined : joinTokenOf(rows[0]);
  }

  async redeemJoinToken(
    sha256: string,
    cluster: string | undefined,
    credential: NewSecret,
    now: Date,
  ): Promise<AgentCredentialRecord | undefined> {
    // The UPDATE's row lock makes a second redeemer wait and then find used_at set: one winner.
    const rows = await this.db.query<CredentialRow>(
      `WITH used AS (
         UPDATE cluster_join_tokens SET used_at = $3
         WHERE token_sha256 = $1 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > $3
           AND ($2::text IS NULL OR cluster = $2)
         RETURNING id, cluster
       )
       INSERT INTO agent_credentials (id, cluster, token_sha256, issued_at, expires_at, join_token_id)
       SELECT $4, cluster, $5, $3, $6, id FROM used RETURNING ${CREDENTIAL_COLUMNS}`,
      [sha256, cluster ?? null, now, credential.id, credential.sha256, credential.expiresAt],
    );
    return rows[0] === undefined ? undefined : credentialOf(rows[0]);
  }

  async credentialByHash(sha256: string): Promise<AgentCredentialRecord | undefined> {
    const rows = await this.db.query<CredentialRow>(
      `SELECT ${CREDENTIAL_COLUMNS} FROM agent_credentials a
       WHERE token_sha256 = $1 AND EXISTS (SELECT 1 FROM clusters c WHERE c.name = a.cluster)`,
      [sha256],
    );
    return rows[0] === undefined ? undefined : credentialOf(rows[0]);
  }

  async rotateCredential(
    sha256: string,
    next: NewSecret,
    graceUntil: Date,
    now: Date,
  ): Promise<AgentCredentialRecord | undefined> {
    const rows = await this.db.query<CredentialRow>(
      `WITH old AS (
         UPDATE agent_credentials SET replaced_by = $2, revoked_at = LEAST(expires_at, $5)
         WHERE token_sha256 = $1 AND replaced_by IS NULL AND expires_at > $6
           AND (revoked_at IS NULL OR revoked_at > $6)
         RETURNING cluster, join_token_id
       )
       INSERT INTO agent_credentials (id, cluster, token_sha256, issued_at, expires_at, join_token_id)
       SELECT $2, cluster, $3, $6, $4, join_token_id FROM old RETURNING ${CREDENTIAL_COLUMNS}`,
      [sha256, next.id, next.sha256, next.expiresAt, graceUntil, now],
    );
    return rows[0] === undefined ? undefined : credentialOf(rows[0]);
  }

  close(): Promise<void> {
    return this.db.close();
  }
}
