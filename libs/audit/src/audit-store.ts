// Audit events in SQL (PostgreSQL, or the embedded PGlite): idempotent batch inserts, filtered search
// newest first with keyset cursors, a sequence to tail by, and retention in small batches.
import type { SqlClient } from '@tether/sql';
import type { AuditEvent } from './audit-event';
import { type AuditFilters, type AuditPage, AuditQueryError } from './audit-query';

export interface StoredAuditEvent {
  /** Ingest order, for tailing; not a time. */
  sequence: number;
  event: AuditEvent;
}

export interface AuditSearchResult {
  items: AuditEvent[];
  nextCursor?: string;
}

// Every column is derived from the event in SQL, so a batch is one parameter whatever its size.
const schema = `
CREATE TABLE IF NOT EXISTS audit_events (
  seq bigint GENERATED ALWAYS AS IDENTITY,
  audit_id uuid NOT NULL,
  stage text NOT NULL,
  received_at timestamptz NOT NULL,
  stage_at timestamptz NOT NULL,
  cluster text NOT NULL,
  username text NOT NULL,
  groups text[] NOT NULL,
  verb text NOT NULL,
  api_group text,
  resource text,
  namespace text,
  name text,
  decision text NOT NULL,
  code integer,
  request_uri text NOT NULL,
  event jsonb NOT NULL,
  PRIMARY KEY (audit_id, stage)
);
CREATE INDEX IF NOT EXISTS audit_events_by_time ON audit_events (received_at DESC, seq DESC);
CREATE INDEX IF NOT EXISTS audit_events_by_user ON audit_events (username, cluster, received_at DESC, seq DESC);
CREATE INDEX IF NOT EXISTS audit_events_by_cluster ON audit_events (cluster, received_at DESC, seq DESC);
CREATE INDEX IF NOT EXISTS audit_events_by_seq ON audit_events (seq);
`;

/**
 * INSERT of whole events into the store's table, each column taken from the event `e` (jsonb) that
 * every row of `source` carries; the benchmarks load rows through the same expressions.
 */
export function insertEventsSql(source: string): string {
  return `
INSERT INTO audit_events (audit_id, stage, received_at, stage_at, cluster, username, groups, verb,
  api_group, resource, namespace, name, decision, code, request_uri, event)
SELECT (e->>'auditID')::uuid, e->>'stage', (e->>'requestReceivedTimestamp')::timestamptz,
  (e->>'stageTimestamp')::timestamptz, e->'annotations'->>'tether.dev/cluster', e->'user'->>'username',
  ARRAY(SELECT jsonb_array_elements_text(coalesce(e->'user'->'groups', '[]'::jsonb))), e->>'verb',
  e->'objectRef'->>'apiGroup', e->'objectRef'->>'resource', e->'objectRef'->>'namespace',
  e->'objectRef'->>'name', e->'annotations'->>'tether.dev/decision', (e->'responseStatus'->>'code')::integer,
  e->>'requestURI', e
FROM ${source}`;
}

const insertFromJson = `${insertEventsSql('jsonb_array_elements($1::jsonb) AS e')}
ON CONFLICT (audit_id, stage) DO NOTHING
RETURNING seq`;

export class AuditStore {
  constructor(private readonly sql: SqlClient) {}

  /** Safe when several auditors start at once: PostgreSQL serializes them on an advisory lock. */
  async migrate(): Promise<void> {
    await this.sql.exec(`BEGIN; SELECT pg_advisory_xact_lock(7423001); ${schema} COMMIT;`);
    await this.tryTrigramIndex();
  }

  /** Inserts what is new; an event already stored (same auditID and stage) is skipped. Returns how many were new. */
  async insertBatch(events: readonly AuditEvent[]): Promise<number> {
    if (events.length === 0) return 0;
    const rows = await this.sql.query<{ seq: number }>(insertFromJson, [JSON.stringify(events)]);
    return rows.length;
  }

  async search(filters: AuditFilters, page: AuditPage): Promise<AuditSearchResult> {
    const where = new Conditions();
    addFilters(where, filters);
    if (page.cursor !== undefined) {
      const cursor = decodeCursor(page.cursor);
      where.add(`(received_at, seq) < ($?::timestamptz, $?::bigint)`, cursor.t, cursor.s);
    }
    const rows = await this.sql.query<{ seq: number | string; event: AuditEvent }>(
      `SELECT seq, event FROM audit_events ${where.sql()} ORDER BY received_at DESC, seq DESC LIMIT ${page.limit + 1}`,
      where.params,
    );
    const items = rows.slice(0, page.limit);
    const last = items[items.length - 1];
    return {
      items: items.map((row) => row.event),
      ...(rows.length > page.limit && last
        ? { nextCursor: encodeCursor(last.event.requestReceivedTimestamp, Number(last.seq)) }
        : {}),
    };
  }

  /** Events stored after `sequence`, oldest first, for live tail. */
  async after(sequence: number, filters: AuditFilters, limit = 500): Promise<StoredAuditEvent[]> {
    const where = new Conditions();
    where.add('seq > $?::bigint', sequence);
    addFilters(where, filters);
    const rows = await this.sql.query<{ seq: number | string; event: AuditEvent }>(
      `SELECT seq, event FROM audit_events ${where.sql()} ORDER BY seq LIMIT ${Math.max(1, Math.floor(limit))}`,
      where.params,
    );
    return rows.map((row) => ({ sequence: Number(row.seq), event: row.event }));
  }

  /** The newest sequence stored, 0 when empty: where a live tail starts. */
  async latestSequence(): Promise<number> {
    const [row] = await this.sql.query<{ seq: number | string | null }>(
      'SELECT max(seq) AS seq FROM audit_events',
    );
    return Number(row?.seq ?? 0);
  }

  /**
   * Deletes events received before `cutoff` in batches of `batchSize`, so no statement holds many row
   * locks or runs long. Returns how many went.
   */
  async deleteOlderThan(cutoff: Date, batchSize = 5000): Promise<number> {
    let total = 0;
    for (;;) {
      const rows = await this.sql.query<{ seq: number }>(
        `DELETE FROM audit_events WHERE ctid IN (
           SELECT ctid FROM audit_events WHERE received_at < $1 LIMIT $2) RETURNING seq`,
        [cutoff.toISOString(), batchSize],
      );
      total += rows.length;
      if (rows.length < batchSize) return total;
    }
  }

  // Free-text search on URIs uses a trigram index where PostgreSQL has pg_trgm; without it (PGlite) the
  // ILIKE runs within the other filters' rows. The extension goes to `public` where there is one: one
  // per database, wherever it lives, so created in a store's own schema it would vanish (with every
  // other schema's trigram index) when that schema is dropped, and be off the search path of the rest.
  private async tryTrigramIndex(): Promise<void> {
    try {
      await this.sql
        .exec('CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public')
        .catch(() => this.sql.exec('CREATE EXTENSION IF NOT EXISTS pg_trgm'));
      const [found] = await this.sql.query<{ schema: string }>(
        `SELECT n.nspname AS schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
         WHERE e.extname = 'pg_trgm'`,
      );
      if (found === undefined) return;
      const opclass = `"${found.schema.replaceAll('"', '""')}".gin_trgm_ops`;
      await this.sql.exec(
        `CREATE INDEX IF NOT EXISTS audit_events_uri_trgm ON audit_events USING gin (request_uri ${opclass})`,
      );
    } catch {
      // not available: searches still work, more slowly on large stores
    }
  }
}

/** WHERE clauses with numbered parameters; `$?` in a clause takes the next number. */
class Conditions {
  readonly params: unknown[] = [];
  private readonly clauses: string[] = [];

  add(clause: string, ...values: unknown[]): void {
    let index = 0;
    this.clauses.push(
      clause.replace(/\$\?/g, () => {
        this.params.push(values[index++]);
        return `$${this.params.length}`;
      }),
    );
  }

  sql(): string {
    return this.clauses.length === 0 ? '' : `WHERE ${this.clauses.join(' AND ')}`;
  }
}

function addFilters(where: Conditions, filters: AuditFilters): void {
  if (filters.since) where.add('received_at >= $?::timestamptz', filters.since.toISOString());
  if (filters.until) where.add('received_at < $?::timestamptz', filters.until.toISOString());
  const anyOf = (column: string, values: readonly unknown[] | undefined, type = 'text') => {
    if (values && values.length > 0) where.add(`${column} = ANY($?::${type}[])`, values);
  };
  anyOf('cluster', filters.clusters);
  anyOf('username', filters.users);
  anyOf('verb', filters.verbs);
  anyOf('resource', filters.resources);
  anyOf('namespace', filters.namespaces);
  anyOf('name', filters.names);
  anyOf('decision', filters.decisions);
  anyOf('code', filters.codes, 'integer');
  if (filters.groups && filters.groups.length > 0) where.add('groups && $?::text[]', filters.groups);
  if (filters.text) where.add(`request_uri ILIKE $? ESCAPE '\\'`, `%${escapeLike(filters.text)}%`);
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function encodeCursor(receivedAt: string, sequence: number): string {
  return Buffer.from(JSON.stringify({ t: receivedAt, s: sequence })).toString('base64url');
}

function decodeCursor(cursor: string): { t: string; s: number } {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as {
      t?: unknown;
      s?: unknown;
    };
    if (typeof value.t === 'string' && !Number.isNaN(Date.parse(value.t)) && Number.isSafeInteger(value.s))
      return { t: value.t, s: value.s as number };
  } catch {
    // fall through
  }
  throw new AuditQueryError('"cursor" is not one this server gave out');
}
