/**
 * The free-text index of several audit stores in one PostgreSQL database, each in its own schema (test
 * runs, or tenants): pg_trgm exists once per database, so where it lives decides whether every store
 * gets its index and whether dropping one store's schema takes the others' indexes with it.
 */
import { randomBytes } from 'node:crypto';
import { AuditStore } from '@tether/audit';
import { PgSqlClient } from '@tether/sql';
import { Client } from 'pg';

const POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test';

async function admin<T extends Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

const hasTrigramIndex = async (schema: string) =>
  (
    await admin(`SELECT 1 FROM pg_indexes WHERE schemaname = $1 AND indexname = 'audit_events_uri_trgm'`, [
      schema,
    ])
  ).length === 1;

describe('the audit store trigram index, with stores in several schemas of one database', () => {
  const schemas = ['a', 'b', 'c'].map((n) => `tether_trgm_${n}_${randomBytes(4).toString('hex')}`);
  const clients: PgSqlClient[] = [];

  async function storeIn(schema: string): Promise<void> {
    await admin(`CREATE SCHEMA ${schema}`);
    const client = new PgSqlClient({ connectionString: POSTGRES_URL, schema });
    clients.push(client);
    await new AuditStore(client).migrate();
  }

  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    for (const schema of schemas) await admin(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  });

  it('gives every store its index, and keeps them when one store is dropped', async () => {
    const [first, second, third] = schemas as [string, string, string];
    await storeIn(first);
    await storeIn(second);
    expect(await hasTrigramIndex(first)).toBe(true);
    expect(await hasTrigramIndex(second)).toBe(true);
    const [where] = await admin<{ schema: string }>(
      `SELECT n.nspname AS schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
       WHERE e.extname = 'pg_trgm'`,
    );
    expect(where?.schema).not.toBe(first);

    await admin(`DROP SCHEMA ${first} CASCADE`);
    expect(await hasTrigramIndex(second)).toBe(true);
    await storeIn(third);
    expect(await hasTrigramIndex(third)).toBe(true);
  });
});
