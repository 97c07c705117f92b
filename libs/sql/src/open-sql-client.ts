import { PgSqlClient } from './pg-sql-client';
import { PgliteSqlClient } from './pglite-sql-client';
import type { SqlClient } from './sql-client';

export interface SqlLocation {
  /** postgres:// URL; when unset the embedded PGlite is used. */
  databaseUrl?: string | undefined;
  /** PGlite's folder; unset keeps the embedded database in memory. */
  dataDir?: string | undefined;
}

export type SqlStorageKind = 'postgresql' | 'embedded-disk' | 'embedded-memory';

/** PostgreSQL when a URL is given, else PGlite on disk or in memory; says which, for the start-up log. */
export async function openSqlClient(
  location: SqlLocation,
): Promise<{ client: SqlClient; kind: SqlStorageKind }> {
  if (location.databaseUrl !== undefined) {
    return { client: new PgSqlClient({ connectionString: location.databaseUrl }), kind: 'postgresql' };
  }
  const client = await PgliteSqlClient.open(location.dataDir);
  return { client, kind: location.dataDir === undefined ? 'embedded-memory' : 'embedded-disk' };
}
