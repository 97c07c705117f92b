/**
 * Sessions and refresh tokens in the shared database, on the real PostgreSQL (a private schema per run)
 * and on PGlite: one-time refresh tokens, reuse detection, and two replicas racing to rotate one token.
 */
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { PgSqlClient, PgliteSqlClient, type SqlClient } from '@tether/sql';
import { AuthError } from '../src/auth/auth.errors';
import { SessionStore, type SessionStoreOptions } from '../src/auth/session-store';

const POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test';
const bob = { subject: 'u-bob', username: 'bob@example.com', groups: ['developers'] };

async function failure(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
    return 'ok';
  } catch (error) {
    expect(error).toBeInstanceOf(AuthError);
    return (error as AuthError).message;
  }
}

interface Backend {
  name: string;
  /** A connection as one more broker replica would open it. */
  connect(): Promise<SqlClient>;
  cleanup(): Promise<void>;
}

function postgres(): Backend {
  const schema = `tether_sessions_${randomBytes(6).toString('hex')}`;
  const admin = async (sql: string) => {
    const client = new Client({ connectionString: POSTGRES_URL });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  let created: Promise<void> | undefined;
  return {
    name: 'PostgreSQL',
    connect: async () => {
      await (created ??= admin(`CREATE SCHEMA ${schema}`));
      return new PgSqlClient({ connectionString: POSTGRES_URL, schema });
    },
    cleanup: () => admin(`DROP SCHEMA IF EXISTS ${schema} CASCADE`),
  };
}

function pglite(): Backend {
  let opened: Promise<PgliteSqlClient> | undefined;
  return {
    name: 'PGlite',
    // One process holds a PGlite database: every "replica" shares the client.
    connect: async () => {
      const client = await (opened ??= PgliteSqlClient.open());
      return {
        query: client.query.bind(client),
        exec: client.exec.bind(client),
        notify: client.notify.bind(client),
        listen: client.listen.bind(client),
        close: async () => {},
      };
    },
    cleanup: async () => {
      await (await opened)?.close();
    },
  };
}

describe.each([postgres(), pglite()])('SessionStore on $name', (backend) => {
  const clients: SqlClient[] = [];
  const revoked: string[] = [];

  async function replica(options: Partial<SessionStoreOptions> = {}): Promise<SessionStore> {
    const client = await backend.connect();
    clients.push(client);
    const store = new SessionStore(client, {
      refreshTtlMs: 3_600_000,
      onRevoked: (id) => revoked.push(id),
      ...options,
    });
    await store.migrate();
    return store;
  }

  afterEach(() => {
    revoked.length = 0;
  });
  afterAll(async () => {
    for (const client of clients) await client.close();
    await backend.cleanup();
  });

  it('migrates from several replicas at once', async () => {
    const stores = await Promise.all([replica(), replica(), replica()]);
    const { session } = await stores[0]!.create(bob);
    expect((await stores[2]!.get(session.id))?.identity).toEqual(bob);
  });

  it('rotates refresh tokens: each works exactly once, on any replica', async () => {
    const a = await replica();
    const b = await replica();
    const { refreshToken: first } = await a.create(bob);
    const { refreshToken: second, session } = await b.rotate(first);
    expect(second).not.toBe(first);
    expect(session.identity).toEqual(bob);
    expect((await a.rotate(second)).refreshToken).toBeDefined();
  });

  it('revokes the whole session when a used refresh token comes back, and says so', async () => {
    const a = await replica();
    const b = await replica();
    const { refreshToken: first, session } = await a.create(bob);
    const { refreshToken: second } = await a.rotate(first);
    expect(await failure(() => b.peek(first))).toContain('already used');
    expect(await a.isRevoked(session.id)).toBe(true);
    expect(revoked).toEqual([session.id]);
    expect(await failure(() => a.rotate(second))).toContain('not valid');
    expect(await a.get(session.id)).toBeUndefined();
  });

  it('lets only one of two replicas racing with the same refresh token win; the session is then revoked', async () => {
    const a = await replica();
    const b = await replica();
    const { refreshToken, session } = await a.create(bob);
    const outcomes = await Promise.allSettled([a.rotate(refreshToken), b.rotate(refreshToken)]);
    const won = outcomes.filter((o) => o.status === 'fulfilled');
    const lost = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect((lost[0]!.reason as AuthError).message).toMatch(/already used|not valid/);
    expect(await a.isRevoked(session.id)).toBe(true);
    const winner = (won[0] as PromiseFulfilledResult<{ refreshToken: string }>).value.refreshToken;
    expect(await failure(() => b.rotate(winner))).toContain('not valid');
  });

  it('refuses forged and malformed refresh tokens without touching the session', async () => {
    const a = await replica();
    const { session, refreshToken } = await a.create(bob);
    expect(await failure(() => a.rotate(`${session.id}.forged`))).toContain('not valid');
    expect(await failure(() => a.rotate(`${refreshToken}.extra`))).toContain('not valid');
    expect(await failure(() => a.rotate('garbage'))).toContain('not valid');
    expect(await failure(() => a.rotate(''))).toContain('not valid');
    expect(await failure(() => a.peek(`no-such-session.${randomBytes(8).toString('hex')}`))).toContain(
      'not valid',
    );
    expect(await a.isRevoked(session.id)).toBe(false);
    expect((await a.rotate(refreshToken)).session.id).toBe(session.id);
  });

  it('never lets a session outlive the IdP session or the refresh lifetime, however often it refreshes', async () => {
    let now = Date.parse('2026-12-07T10:00:00Z');
    const a = await replica({ refreshTtlMs: 10_000, now: () => now });
    const { refreshToken, session } = await a.create(bob, { expiresAtMs: now + 5_000 });
    expect(session.expiresAtMs).toBe(now + 5_000);
    now += 4_000;
    const rotated = await a.rotate(refreshToken, { expiresAtMs: now + 60_000 });
    expect(rotated.session.expiresAtMs).toBe(session.expiresAtMs);
    now += 2_000;
    expect(await failure(() => a.rotate(rotated.refreshToken))).toContain('expired');
    expect(await a.isRevoked(session.id)).toBe(true);
  });

  it('keeps what the IdP said on refresh: new identity and IdP refresh token', async () => {
    const a = await replica();
    const { refreshToken } = await a.create(bob, { idpRefreshToken: 'idp-1' });
    const promoted = { ...bob, groups: ['developers', 'platform-admins'] };
    const rotated = await a.rotate(refreshToken, { identity: promoted, idpRefreshToken: 'idp-2' });
    expect(rotated.session.identity).toEqual(promoted);
    expect((await a.peek(rotated.refreshToken)).idpRefreshToken).toBe('idp-2');
  });

  it('revokes on logout, on every replica, and tells the feed once', async () => {
    const a = await replica();
    const b = await replica();
    const { refreshToken, session } = await a.create(bob);
    expect(await b.isRevoked(session.id)).toBe(false);
    await b.revokeByRefreshToken(refreshToken);
    await b.revokeByRefreshToken(refreshToken);
    expect(await a.isRevoked(session.id)).toBe(true);
    expect(revoked).toEqual([session.id]);
    expect(await failure(() => a.rotate(refreshToken))).toContain('not valid');
  });

  it('treats a session it never issued as not revoked (its token expiry still holds)', async () => {
    const a = await replica();
    expect(await a.isRevoked('8d4a3c8e-0000-4000-8000-000000000000')).toBe(false);
  });
});
