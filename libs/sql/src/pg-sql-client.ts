import { Pool } from 'pg';
import type { SqlClient } from './sql-client';

export interface PgSqlClientOptions {
  connectionString: string;
  /** Schema to work in (tests use a private one per run); default the database's search_path. */
  schema?: string;
  maxConnections?: number;
}

/** PostgreSQL through a `pg` connection pool. */
export class PgSqlClient implements SqlClient {
  private readonly pool: Pool;

  constructor(options: PgSqlClientOptions) {
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

  close(): Promise<void> {
    return this.pool.end();
  }
}
