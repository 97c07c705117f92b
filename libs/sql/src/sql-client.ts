import type { NotificationHandlers, NotificationSubscription } from './sql-notifications';

/**
 * The little Tether's stores need from a database, so one SQL implementation serves both PostgreSQL
 * (`pg`) and the embedded PGlite: they speak the same SQL.
 */
export interface SqlClient {
  /** One statement with `$1`-style parameters; the rows it returns. */
  query<Row>(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  /** Several statements without parameters, run as one script (migrations). */
  exec(script: string): Promise<void>;
  /** NOTIFY `channel` (a lowercase identifier); delivered after the surrounding transaction commits. */
  notify(channel: string, payload: string): Promise<void>;
  /** LISTEN on `channel` until the subscription is closed; resolves once listening. */
  listen(channel: string, handlers: NotificationHandlers): Promise<NotificationSubscription>;
  close(): Promise<void>;
}
