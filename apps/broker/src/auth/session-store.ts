import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { SqlClient } from '@tether/sql';
import { AuthError } from './auth.errors';
import type { MappedIdentity } from './identity-mapper';

export interface BrokerSession {
  id: string;
  identity: MappedIdentity;
  createdAtMs: number;
  /** Never later than the IdP session allows; refreshes cannot extend it. */
  expiresAtMs: number;
  /** Kept to re-check the IdP session on every refresh. */
  idpRefreshToken?: string;
}

export interface SessionStoreOptions {
  refreshTtlMs: number;
  /** Told after this store revoked a session, so every replica stops its access tokens at once. */
  onRevoked?: (sessionId: string) => void;
  now?: () => number;
}

// Same mechanism as the other broker stores; its own constant: replicas starting together take turns.
const MIGRATION_LOCK = 7_405_114;

const MIGRATION = `
BEGIN;
SELECT pg_advisory_xact_lock(${MIGRATION_LOCK});
CREATE TABLE IF NOT EXISTS broker_sessions (
  id text PRIMARY KEY,
  identity jsonb NOT NULL,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  idp_refresh_token text,
  refresh_sha256 text,
  revoked_at timestamptz
);
CREATE INDEX IF NOT EXISTS broker_sessions_expires ON broker_sessions (expires_at);
CREATE TABLE IF NOT EXISTS broker_retired_refresh_tokens (
  sha256 text PRIMARY KEY,
  session_id text NOT NULL REFERENCES broker_sessions (id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS broker_retired_refresh_tokens_session ON broker_retired_refresh_tokens (session_id);
COMMIT;
`;

interface SessionRow {
  id: string;
  identity: MappedIdentity | string;
  created_at: Date | string;
  expires_at: Date | string;
  idp_refresh_token: string | null;
}

interface DiagnosisRow {
  revoked: boolean;
  expired: boolean;
  current: boolean;
  reused: boolean;
}

const SESSION_COLUMNS = 'id, identity, created_at, expires_at, idp_refresh_token';
const PRUNE_EVERY_MS = 60_000;

const sha256 = (secret: string) => createHash('sha256').update(secret).digest('hex');
const ms = (value: Date | string) => (value instanceof Date ? value : new Date(value)).getTime();

const invalid = () => new AuthError('invalid_grant', 'refresh token is not valid; run `tether login`');

/**
 * Broker sessions and their rotating refresh tokens in the broker database (tables `broker_sessions`
 * and `broker_retired_refresh_tokens`), shared by every replica. A refresh token works once: rotation is
 * one conditional UPDATE, so of two replicas presenting the same token only one wins, and the loser
 * sees a used token. Presenting a used token revokes the session, since only a thief or a bug does
 * that. Revoked sessions stay recorded until they would have expired.
 */
export class SessionStore {
  private readonly now: () => number;
  private lastPruneMs = 0;

  constructor(
    private readonly db: SqlClient,
    private readonly options: SessionStoreOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** Creates the tables when missing; safe to run from several replicas at once. */
  migrate(): Promise<void> {
    return this.db.exec(MIGRATION);
  }

  async create(
    identity: MappedIdentity,
    limits: { expiresAtMs?: number; idpRefreshToken?: string } = {},
  ): Promise<{ session: BrokerSession; refreshToken: string }> {
    await this.prune();
    const now = this.now();
    const id = randomUUID();
    const secret = randomBytes(32).toString('base64url');
    const expiresAtMs = Math.min(
      limits.expiresAtMs ?? Number.POSITIVE_INFINITY,
      now + this.options.refreshTtlMs,
    );
    const [row] = await this.db.query<SessionRow>(
      `INSERT INTO broker_sessions (id, identity, created_at, expires_at, idp_refresh_token, refresh_sha256)
       VALUES ($1, $2::jsonb, $3, $4, $5, $6) RETURNING ${SESSION_COLUMNS}`,
      [
        id,
        JSON.stringify(identity),
        new Date(now),
        new Date(expiresAtMs),
        limits.idpRefreshToken ?? null,
        sha256(secret),
      ],
    );
    return { session: sessionOf(row!), refreshToken: `${id}.${secret}` };
  }

  /** Exchanges a refresh token for a new one; the old one is dead from now on, on every replica. */
  async rotate(
    refreshToken: string,
    update: { identity?: MappedIdentity; idpRefreshToken?: string; expiresAtMs?: number } = {},
  ): Promise<{ session: BrokerSession; refreshToken: string }> {
    const { id, presented } = parseRefreshToken(refreshToken);
    const secret = randomBytes(32).toString('base64url');
    const rows = await this.db.query<SessionRow>(
      `WITH rotated AS (
         UPDATE broker_sessions
            SET refresh_sha256 = $3,
                identity = COALESCE($4::jsonb, identity),
                idp_refresh_token = COALESCE($5, idp_refresh_token),
                expires_at = LEAST(expires_at, COALESCE($6, expires_at))
          WHERE id = $1 AND refresh_sha256 = $2 AND revoked_at IS NULL AND expires_at > $7
          RETURNING ${SESSION_COLUMNS}
       ), retired AS (
         INSERT INTO broker_retired_refresh_tokens (sha256, session_id) SELECT $2, id FROM rotated
       )
       SELECT * FROM rotated`,
      [
        id,
        presented,
        sha256(secret),
        update.identity ? JSON.stringify(update.identity) : null,
        update.idpRefreshToken ?? null,
        update.expiresAtMs === undefined ? null : new Date(update.expiresAtMs),
        new Date(this.now()),
      ],
    );
    if (rows[0] === undefined) throw await this.refusal(id, presented);
    return { session: sessionOf(rows[0]), refreshToken: `${id}.${secret}` };
  }

  /** The session a refresh token belongs to, checked, without rotating it (to ask the IdP first). */
  async peek(refreshToken: string): Promise<BrokerSession> {
    const { id, presented } = parseRefreshToken(refreshToken);
    const [row] = await this.db.query<SessionRow>(
      `SELECT ${SESSION_COLUMNS} FROM broker_sessions
        WHERE id = $1 AND refresh_sha256 = $2 AND revoked_at IS NULL AND expires_at > $3`,
      [id, presented, new Date(this.now())],
    );
    if (row === undefined) throw await this.refusal(id, presented);
    return sessionOf(row);
  }

  async revokeByRefreshToken(refreshToken: string): Promise<void> {
    const [id] = refreshToken.split('.');
    if (id) await this.revoke(id);
  }

  async revoke(sessionId: string): Promise<void> {
    const rows = await this.db.query<{ id: string }>(
      `UPDATE broker_sessions SET revoked_at = $2, refresh_sha256 = NULL, idp_refresh_token = NULL
        WHERE id = $1 AND revoked_at IS NULL RETURNING id`,
      [sessionId, new Date(this.now())],
    );
    if (rows.length > 0) this.options.onRevoked?.(sessionId);
  }

  /** Revoked or expired; a session this broker never issued is not (its token's own expiry holds). */
  async isRevoked(sessionId: string): Promise<boolean> {
    const [row] = await this.db.query<{ revoked: boolean }>(
      `SELECT (revoked_at IS NOT NULL OR expires_at <= $2) AS revoked FROM broker_sessions WHERE id = $1`,
      [sessionId, new Date(this.now())],
    );
    return row?.revoked ?? false;
  }

  async get(sessionId: string): Promise<BrokerSession | undefined> {
    const [row] = await this.db.query<SessionRow>(
      `SELECT ${SESSION_COLUMNS} FROM broker_sessions WHERE id = $1 AND revoked_at IS NULL AND expires_at > $2`,
      [sessionId, new Date(this.now())],
    );
    return row === undefined ? undefined : sessionOf(row);
  }

  // Why a refresh token was not accepted; a used one revokes its session.
  private async refusal(id: string, presented: string): Promise<AuthError> {
    const [row] = await this.db.query<DiagnosisRow>(
      `SELECT revoked_at IS NOT NULL AS revoked, expires_at <= $3 AS expired,
              refresh_sha256 IS NOT NULL AND refresh_sha256 = $2 AS current,
              EXISTS (SELECT 1 FROM broker_retired_refresh_tokens r WHERE r.sha256 = $2 AND r.session_id = s.id) AS reused
         FROM broker_sessions s WHERE id = $1`,
      [id, presented, new Date(this.now())],
    );
    if (row === undefined || row.revoked) return invalid();
    if (row.reused) {
      await this.revoke(id);
      return new AuthError(
        'invalid_grant',
        'refresh token was already used; the session is revoked, run `tether login`',
      );
    }
    if (row.current && row.expired) {
      await this.revoke(id);
      return new AuthError('invalid_grant', 'session expired; run `tether login`');
    }
    return invalid();
  }

  // Sessions past their expiry are useless, revoked or not: their access tokens have expired too.
  private async prune(): Promise<void> {
    const now = this.now();
    if (now - this.lastPruneMs < PRUNE_EVERY_MS) return;
    this.lastPruneMs = now;
    await this.db.query('DELETE FROM broker_sessions WHERE expires_at <= $1', [new Date(now)]);
  }
}

function parseRefreshToken(refreshToken: string): { id: string; presented: string } {
  const [id, secret, extra] = refreshToken.split('.');
  if (!id || !secret || extra !== undefined) throw invalid();
  return { id, presented: sha256(secret) };
}

function sessionOf(row: SessionRow): BrokerSession {
  const identity =
    typeof row.identity === 'string' ? (JSON.parse(row.identity) as MappedIdentity) : row.identity;
  return {
    id: row.id,
    identity,
    createdAtMs: ms(row.created_at),
    expiresAtMs: ms(row.expires_at),
    ...(row.idp_refresh_token ? { idpRefreshToken: row.idp_refresh_token } : {}),
  };
}
