/**
 * The access-request store against the two databases it runs on: the real PostgreSQL on 127.0.0.1:5432
 * (database `test`, a private schema per run, dropped afterwards) and the embedded PGlite.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import type { AccessRequestStore } from '../src/access-requests/access-request-store';
import { PgSqlClient, PgliteSqlClient } from '@tether/sql';
import { SqlAccessRequestStore } from '../src/access-requests/sql-access-request-store';

const POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test';
const t0 = new Date('2026-11-25T10:00:00Z');
const later = (seconds: number) => new Date(t0.getTime() + seconds * 1000);

const bobAsks = {
  requester: 'bob',
  cluster: 'dev-west',
  role: 'break-glass',
  reason: 'INC-42: web is down',
  durationSeconds: 600,
  createdAt: t0,
};

interface Backend {
  name: string;
  open(): Promise<AccessRequestStore>;
  /** A second store on the same data, as after a broker restart. */
  reopen(): Promise<AccessRequestStore>;
  cleanup(): Promise<void>;
}

function postgresBackend(): Backend {
  const schema = `tether_test_${randomBytes(6).toString('hex')}`;
  const admin = async (sql: string) => {
    const client = new Client({ connectionString: POSTGRES_URL });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  const open = async () => {
    const store = new SqlAccessRequestStore(new PgSqlClient({ connectionString: POSTGRES_URL, schema }));
    await store.migrate();
    return store;
  };
  return {
    name: 'PostgreSQL',
    open: async () => {
      await admin(`CREATE SCHEMA ${schema}`);
      return open();
    },
    reopen: open,
    cleanup: () => admin(`DROP SCHEMA IF EXISTS ${schema} CASCADE`),
  };
}

function pgliteBackend(): Backend {
  let dir = '';
  const open = async () => {
    const store = new SqlAccessRequestStore(await PgliteSqlClient.open(dir));
    await store.migrate();
    return store;
  };
  return {
    name: 'PGlite',
    open: async () => {
      dir = await mkdtemp(join(tmpdir(), 'tether-pglite-'));
      return open();
    },
    reopen: open,
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

describe.each([postgresBackend(), pgliteBackend()])('SqlAccessRequestStore on $name', (backend) => {
  let store: AccessRequestStore;

  beforeAll(async () => {
    store = await backend.open();
  });
  afterAll(async () => {
    await store?.close();
    await backend.cleanup();
  });

  it('creates a pending request that grants nothing until approved', async () => {
    const request = await store.create(bobAsks);
    expect(request).toMatchObject({ ...bobAsks, state: 'pending', decidedBy: null, expiresAt: null });
    expect(await store.get(request.id)).toEqual(request);
    expect(await store.activeGrants('bob', later(1))).toEqual([]);
  });

  it('grants the role on the cluster from approval until expiry, and marks it expired afterwards', async () => {
    const request = await store.create(bobAsks);
    const approved = await store.decide(request.id, ['pending'], {
      state: 'approved',
      decidedBy: 'alice',
      decidedAt: later(10),
      expiresAt: later(610),
    });
    expect(approved).toMatchObject({ state: 'approved', decidedBy: 'alice', expiresAt: later(610) });
    expect(await store.activeGrants('bob', later(609))).toEqual([
      { role: 'break-glass', cluster: 'dev-west', expiresAt: later(610), requestId: request.id },
    ]);
    expect(await store.activeGrants('alice', later(609))).toEqual([]);
    expect(await store.activeGrants('bob', later(610))).toEqual([]);

    const expired = await store.expireDue(later(611));
    expect(expired.map((r) => r.id)).toContain(request.id);
    expect((await store.get(request.id))?.state).toBe('expired');
  });

  it('lets only one of two racing decisions win', async () => {
    const request = await store.create(bobAsks);
    const decision = { decidedBy: 'alice', decidedAt: later(5) };
    const [approve, deny] = await Promise.all([
      store.decide(request.id, ['pending'], { ...decision, state: 'approved', expiresAt: later(605) }),
      store.decide(request.id, ['pending'], { ...decision, state: 'denied' }),
    ]);
    expect([approve, deny].filter((result) => result !== undefined)).toHaveLength(1);
  });

  it("lists a person's own requests and everyone's open ones, but not others' closed ones", async () => {
    const carols = await store.create({ ...bobAsks, requester: 'carol' });
    const carolsDenied = await store.create({ ...bobAsks, requester: 'carol' });
    await store.decide(carolsDenied.id, ['pending'], { state: 'denied', decidedBy: 'alice', decidedAt: t0 });
    const ids = (await store.listFor('bob')).map((r) => r.id);
    expect(ids).toContain(carols.id);
    expect(ids).not.toContain(carolsDenied.id);
    expect((await store.listFor('carol')).map((r) => r.id)).toContain(carolsDenied.id);
  });

  it('keeps approved grants across a restart, and migrating again changes nothing', async () => {
    const request = await store.create({ ...bobAsks, cluster: 'dev-east' });
    await store.decide(request.id, ['pending'], {
      state: 'approved',
      decidedBy: 'bob',
      decidedAt: t0,
      expiresAt: later(3600),
    });
    await store.close();
    store = await backend.reopen();
    await store.migrate();
    expect(await store.get(request.id)).toMatchObject({ state: 'approved', expiresAt: later(3600) });
    expect(await store.activeGrants('bob', later(60))).toContainEqual({
      role: 'break-glass',
      cluster: 'dev-east',
      expiresAt: later(3600),
      requestId: request.id,
    });
  });
});
