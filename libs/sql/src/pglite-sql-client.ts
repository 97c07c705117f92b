import { PGlite } from '@electric-sql/pglite';
import type { SqlClient } from './sql-client';
import {
  checkChannelName,
  type NotificationHandlers,
  type NotificationSubscription,
} from './sql-notifications';

/** The embedded PostgreSQL (WASM) of single-machine setups: a folder on disk, or memory when none. */
export class PgliteSqlClient implements SqlClient {
  private constructor(private readonly db: PGlite) {}

  static async open(dataDir?: string): Promise<PgliteSqlClient> {
    const db = dataDir === undefined ? new PGlite() : new PGlite(dataDir);
    await db.waitReady;
    return new PgliteSqlClient(db);
  }

  async query<Row>(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    const result = await this.db.query<Row>(sql, [...params]);
    return result.rows;
  }

  async exec(script: string): Promise<void> {
    await this.db.exec(script);
  }

  async notify(channel: string, payload: string): Promise<void> {
    await this.db.query('SELECT pg_notify($1, $2)', [channel, payload]);
  }

  /** In the same process as every writer, so nothing is ever missed and `onResume` never fires. */
  async listen(channel: string, handlers: NotificationHandlers): Promise<NotificationSubscription> {
    const unlisten = await this.db.listen(checkChannelName(channel), (payload) => handlers.onNotify(payload));
    return { close: () => unlisten() };
  }

  close(): Promise<void> {
    return this.db.close();
  }
}
