import { Pool } from 'pg';
import { PgNotificationListener, type PgListenerOptions } from './pg-notification-listener';
import type { SqlClient } from './sql-client';
import type { NotificationHandlers, NotificationSubscription } from './sql-notifications';

export interface PgSqlClientOptions {
  connectionString: string;
  /** Schema to work in (tests use a private one per run); default the database's search_path. */
  schema?: string;
  maxConnections?: number;
  /** For `listen`: how a lost listening connection is noticed and re-established. */
  listener?: PgListenerOptions;
}

/** PostgreSQL through a `pg` connection pool. */
export class PgSqlClient implements SqlClient {
  private readonly pool: Pool;

  constructor(private readonly options: PgSqlClientOptions) {
    this.pool = new Pool({
      connectionString: options.connectionString,
      max: options.maxConnections ?? 5,
      ...(options.schema === undefined ? {} : { options: `-c search_path=${options.schema}` }),
    });
  }

  async query<Row>(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    const result = await this.pool.query(sql, [...params]);
    return result.rows as Row[];
  }

  async exec(script: string): Promise<void> {
    // Without parameters, pg sends the simple query protocol, which runs several statements.
    await this.pool.query(script);
  }

  async notify(channel: string, payload: string): Promise<void> {
    await this.pool.query('SELECT pg_notify($1, $2)', [channel, payload]);
  }

  /** On a dedicated connection, re-established when lost (see PgNotificationListener). */
  listen(channel: string, handlers: NotificationHandlers): Promise<NotificationSubscription> {
    return PgNotificationListener.start(
      { connectionString: this.options.connectionString },
      channel,
      handlers,
      this.options.listener,
    );
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}
