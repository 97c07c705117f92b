import { randomUUID } from 'node:crypto';
import type { ActiveGrant } from '@tether/policy';
import type {
  AccessRequest,
  AccessRequestDecision,
  AccessRequestState,
  NewAccessRequest,
} from './access-request';
import type { AccessRequestStore } from './access-request-store';
import type { SqlClient } from '@tether/sql';

// Any constant: brokers starting together take turns creating the table.
const MIGRATION_LOCK = 7_405_112;

const MIGRATION = `
BEGIN;
SELECT pg_advisory_xact_lock(${MIGRATION_LOCK});
CREATE TABLE IF NOT EXISTS access_requests (
  id text PRIMARY KEY,
  requester text NOT NULL,
  cluster text NOT NULL,
  role text NOT NULL,
  reason text NOT NULL,
  duration_seconds integer NOT NULL CHECK (duration_seconds > 0),
  state text NOT NULL CHECK (state IN ('pending', 'approved', 'denied', 'expired', 'revoked')),
  created_at timestamptz NOT NULL,
  decided_by text,
  decided_at timestamptz,
  expires_at timestamptz
);
CREATE INDEX IF NOT EXISTS access_requests_requester_state ON access_requests (requester, state);
CREATE INDEX IF NOT EXISTS access_requests_state_expires ON access_requests (state, expires_at);
COMMIT;
`;

interface Row {
  id: string;
  requester: string;
  cluster: string;
  role: string;
  reason: string;
  duration_seconds: number;
  state: AccessRequestState;
  created_at: Date | string;
  decided_by: string | null;
  decided_at: Date | string | null;
  expires_at: Date | string | null;
}

const date = (value: Date | string): Date => (value instanceof Date ? value : new Date(value));
const maybeDate = (value: Date | string | null): Date | null => (value === null ? null : date(value));

function fromRow(row: Row): AccessRequest {
  return {
    id: row.id,
    requester: row.requester,
    cluster: row.cluster,
    role: row.role,
    reason: row.reason,
    durationSeconds: Number(row.duration_seconds),
    state: row.state,
    createdAt: date(row.created_at),
    decidedBy: row.decided_by,
    decidedAt: maybeDate(row.decided_at),
    expiresAt: maybeDate(row.expires_at),
  };
}

/** Access requests in table `access_requests`, on PostgreSQL or PGlite alike. */
export class SqlAccessRequestStore implements AccessRequestStore {
  constructor(private readonly db: SqlClient) {}

  migrate(): Promise<void> {
    return this.db.exec(MIGRATION);
  }

  async create(request: NewAccessRequest): Promise<AccessRequest> {
    const rows = await this.db.query<Row>(
      `INSERT INTO access_requests (id, requester, cluster, role, reason, duration_seconds, state, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7) RETURNING *`,
      [
        randomUUID(),
        request.requester,
        request.cluster,
        request.role,
        request.reason,
        request.durationSeconds,
        request.createdAt,
      ],
    );
    return fromRow(rows[0]);
  }

  async get(id: string): Promise<AccessRequest | undefined> {
    const rows = await this.db.query<Row>('SELECT * FROM access_requests WHERE id = $1', [id]);
    return rows.length === 0 ? undefined : fromRow(rows[0]);
  }

  async listFor(username: string, limit = 200): Promise<AccessRequest[]> {
    const rows = await this.db.query<Row>(
      `SELECT * FROM access_requests WHERE requester = $1 OR state IN ('pending', 'approved')
       ORDER BY created_at DESC, id LIMIT $2`,
      [username, limit],
    );
    return rows.map(fromRow);
  }

  async decide(
    id: string,
    from: readonly AccessRequestState[],
    decision: AccessRequestDecision,
  ): Promise<AccessRequest | undefined> {
    const rows = await this.db.query<Row>(
      `UPDATE access_requests SET state = $3, decided_by = $4, decided_at = $5, expires_at = COALESCE($6, expires_at)
       WHERE id = $1 AND state = ANY($2::text[]) RETURNING *`,
      [id, [...from], decision.state, decision.decidedBy, decision.decidedAt, decision.expiresAt ?? null],
    );
    return rows.length === 0 ? undefined : fromRow(rows[0]);
  }

  async expireDue(now: Date): Promise<AccessRequest[]> {
    const rows = await this.db.query<Row>(
      `UPDATE access_requests SET state = 'expired'
       WHERE state = 'approved' AND expires_at <= $1 RETURNING *`,
      [now],
    );
    return rows.map(fromRow);
  }

  async activeGrants(requester: string, now: Date): Promise<ActiveGrant[]> {
    const rows = await this.db.query<Row>(
      `SELECT * FROM access_requests WHERE requester = $1 AND state = 'approved' AND expires_at > $2`,
      [requester, now],
    );
    return rows
      .map(fromRow)
      .map((r) => ({ role: r.role, cluster: r.cluster, expiresAt: r.expiresAt as Date, requestId: r.id }));
  }

  close(): Promise<void> {
    return this.db.close();
  }
}
