/**
 * The little Tether's stores need from a database, so one SQL implementation serves both PostgreSQL
 * (`pg`) and the embedded PGlite: they speak the same SQL.
 */
export interface SqlClient {
  /** One statement with `$1`-style parameters; the rows it returns. */
  query<Row>(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  /** Several statements without parameters, run as one script (migrations). */
  exec(script: string): Promise<void>;
  close(): Promise<void>;
}
