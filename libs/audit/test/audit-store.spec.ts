/**
 * The audit store against both databases it runs on: the real PostgreSQL on 127.0.0.1:5432 (database
 * `test`, a private schema per run, dropped afterwards) and the embedded PGlite.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { PgSqlClient, PgliteSqlClient, type SqlClient } from '@tether/sql';
import {
  AUDIT_SCHEMA_VERSION,
  type AuditDecision,
  type AuditEvent,
  AuditQueryError,
  AuditSearch,
  AuditStore,
  microTimeOf,
  tetherAnnotations,
} from '@tether/audit';

const POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test';
const t0 = new Date('2026-12-07T10:00:00Z');
const at = (minutes: number) => new Date(t0.getTime() + minutes * 60_000);

function event(overrides: {
  minute: number;
  user?: string;
  groups?: string[];
  cluster?: string;
  verb?: string;
  resource?: string;
  namespace?: string;
  name?: string;
  decision?: AuditDecision;
  code?: number;
  uri?: string;
  stage?: AuditEvent['stage'];
  auditID?: string;
}): AuditEvent {
  const when = microTimeOf(at(overrides.minute));
  return {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'Metadata',
    auditID: overrides.auditID ?? randomUUID(),
    stage: overrides.stage ?? 'ResponseComplete',
    requestURI: overrides.uri ?? `/api/v1/namespaces/${overrides.namespace ?? 'web'}/pods`,
    verb: overrides.verb ?? 'list',
    user: { username: overrides.user ?? 'bob', groups: overrides.groups ?? ['developers'] },
    objectRef: {
      resource: overrides.resource ?? 'pods',
      namespace: overrides.namespace ?? 'web',
      ...(overrides.name ? { name: overrides.name } : {}),
      apiVersion: 'v1',
    },
    responseStatus: { metadata: {}, code: overrides.code ?? 200 },
    requestReceivedTimestamp: when,
    stageTimestamp: when,
    annotations: {
      [tetherAnnotations.schemaVersion]: AUDIT_SCHEMA_VERSION,
      [tetherAnnotations.cluster]: overrides.cluster ?? 'dev-east',
      [tetherAnnotations.decision]: overrides.decision ?? 'allow',
    },
  };
}

interface Backend {
  name: string;
  open(): Promise<SqlClient>;
  /** A second client on the same data: another auditor replica. */
  another(): Promise<SqlClient>;
  cleanup(): Promise<void>;
}

function postgresBackend(): Backend {
  const schema = `tether_audit_test_${randomBytes(6).toString('hex')}`;
  const admin = async (sql: string) => {
    const client = new Client({ connectionString: POSTGRES_URL });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  const client = () => Promise.resolve(new PgSqlClient({ connectionString: POSTGRES_URL, schema }));
  return {
    name: 'PostgreSQL',
    open: async () => {
      await admin(`CREATE SCHEMA ${schema}`);
      return client();
    },
    another: client,
    cleanup: () => admin(`DROP SCHEMA IF EXISTS ${schema} CASCADE`),
  };
}

function pgliteBackend(): Backend {
  let db: PgliteSqlClient | undefined;
  return {
    name: 'PGlite',
    open: async () => (db = await PgliteSqlClient.open()),
    another: () => Promise.resolve(db as PgliteSqlClient),
    cleanup: async () => undefined,
  };
}

describe.each([postgresBackend(), pgliteBackend()])('AuditStore on $name', (backend) => {
  let sql: SqlClient;
  let store: AuditStore;
  const clients: SqlClient[] = [];

  beforeAll(async () => {
    sql = await backend.open();
    clients.push(sql);
    store = new AuditStore(sql);
    await store.migrate();
  });

  afterAll(async () => {
    for (const client of new Set(clients)) await client.close();
    await backend.cleanup();
  });

  beforeEach(() => sql.exec('DELETE FROM audit_events'));

  it('migrates safely when two auditors start at once', async () => {
    const other = await backend.another();
    clients.push(other);
    await Promise.all([new AuditStore(other).migrate(), store.migrate(), new AuditStore(other).migrate()]);
    expect(await store.insertBatch([event({ minute: 1 })])).toBe(1);
  });

  it('stores a redelivered event once, by auditID and stage', async () => {
    const auditID = randomUUID();
    const started = event({ minute: 1, auditID, stage: 'ResponseStarted' });
    const completed = event({ minute: 1, auditID });
    expect(await store.insertBatch([started, completed])).toBe(2);
    expect(await store.insertBatch([completed, started, event({ minute: 2 })])).toBe(1);
    const { items } = await store.search({}, { limit: 10 });
    expect(items).toHaveLength(3);
    expect(
      items
        .filter((e) => e.auditID === auditID)
        .map((e) => e.stage)
        .sort(),
    ).toEqual(['ResponseComplete', 'ResponseStarted']);
  });

  it('finds events by every filter, newest first, and returns them as stored', async () => {
    const stored = [
      event({ minute: 1, user: 'bob', cluster: 'dev-east', verb: 'list' }),
      event({
        minute: 2,
        user: 'alice',
        groups: ['platform-admins'],
        cluster: 'dev-west',
        verb: 'delete',
        name: 'web-0',
        resource: 'pods',
      }),
      event({
        minute: 3,
        user: 'bob',
        cluster: 'dev-west',
        verb: 'delete',
        decision: 'deny',
        code: 403,
        name: 'web-1',
      }),
      event({
        minute: 4,
        user: 'carol',
        groups: ['security-auditors'],
        cluster: 'dev-east',
        resource: 'secrets',
        namespace: 'payments',
        decision: 'deny',
        code: 403,
      }),
      event({
        minute: 5,
        user: 'bob',
        cluster: 'dev-east',
        verb: 'create',
        resource: 'pods',
        name: 'web-0',
        uri: '/api/v1/namespaces/web/pods/web-0/exec?command=sh',
      }),
    ];
    await store.insertBatch(stored);
    const users = async (filters: Parameters<AuditStore['search']>[0]) =>
      (await store.search(filters, { limit: 100 })).items.map(
        (e) => `${e.user.username}@${e.requestReceivedTimestamp.slice(14, 16)}`,
      );

    expect(await users({})).toEqual(['bob@05', 'carol@04', 'bob@03', 'alice@02', 'bob@01']);
    expect((await store.search({}, { limit: 1 })).items[0]).toEqual(stored[4]);
    expect(await users({ users: ['bob'], clusters: ['dev-east'] })).toEqual(['bob@05', 'bob@01']);
    expect(await users({ clusters: ['dev-west', 'nope'] })).toEqual(['bob@03', 'alice@02']);
    expect(await users({ groups: ['platform-admins', 'security-auditors'] })).toEqual([
      'carol@04',
      'alice@02',
    ]);
    expect(await users({ verbs: ['delete'], decisions: ['deny'] })).toEqual(['bob@03']);
    expect(await users({ codes: [403] })).toEqual(['carol@04', 'bob@03']);
    expect(await users({ resources: ['secrets'], namespaces: ['payments'] })).toEqual(['carol@04']);
    expect(await users({ names: ['web-0'] })).toEqual(['bob@05', 'alice@02']);
    expect(await users({ since: at(2), until: at(4) })).toEqual(['bob@03', 'alice@02']);
    expect(await users({ text: 'EXEC?command' })).toEqual(['bob@05']);
    // LIKE wildcards in the text are literal: nothing has a % in its URI.
    expect(await users({ text: '%' })).toEqual([]);
  });

  it('pages with a cursor without skipping or repeating events that share a timestamp', async () => {
    await store.insertBatch(Array.from({ length: 25 }, (_, i) => event({ minute: i < 10 ? 1 : i })));
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const page = await store.search({}, { limit: 7, ...(cursor ? { cursor } : {}) });
      seen.push(...page.items.map((e) => e.auditID));
      cursor = page.nextCursor;
      if (!cursor) break;
    }
    expect(seen).toHaveLength(25);
    expect(new Set(seen).size).toBe(25);
  });

  it('refuses a cursor it did not give out', async () => {
    await expect(store.search({}, { limit: 5, cursor: 'not-a-cursor' })).rejects.toBeInstanceOf(
      AuditQueryError,
    );
    const forged = Buffer.from(JSON.stringify({ t: "x'); DROP TABLE audit_events; --", s: 1 })).toString(
      'base64url',
    );
    await expect(store.search({}, { limit: 5, cursor: forged })).rejects.toBeInstanceOf(AuditQueryError);
  });

  it('tails what is stored after a sequence, with the filters, oldest first', async () => {
    await store.insertBatch([event({ minute: 1 })]);
    const start = await store.latestSequence();
    await store.insertBatch([event({ minute: 2, user: 'alice' }), event({ minute: 3, user: 'bob' })]);
    expect((await store.after(start, {})).map((r) => r.event.user.username)).toEqual(['alice', 'bob']);
    expect((await store.after(start, { users: ['bob'] })).map((r) => r.event.user.username)).toEqual(['bob']);
  });

  it('deletes old events in batches and keeps the new ones', async () => {
    await store.insertBatch(Array.from({ length: 12 }, (_, i) => event({ minute: i })));
    expect(await store.deleteOlderThan(at(7), 5)).toBe(7);
    const { items } = await store.search({}, { limit: 100 });
    expect(items).toHaveLength(5);
    expect(items.every((e) => e.requestReceivedTimestamp >= microTimeOf(at(7)))).toBe(true);
  });

  it('AuditSearch takes query parameters and tails new events live', async () => {
    const search = new AuditSearch(store);
    await store.insertBatch([event({ minute: 1, user: 'bob', cluster: 'dev-east' })]);
    expect((await search.search({ user: 'bob', cluster: ['dev-east', 'dev-west'] })).items).toHaveLength(1);
    await expect(search.search({ code: 'abc', colour: 'red' })).rejects.toThrow(
      /unknown filter "colour".*"code" must be an HTTP status code/,
    );
    const controller = new AbortController();
    const tail = search.tail({ user: 'alice' }, { signal: controller.signal, intervalMs: 20 });
    const first = tail.next();
    await store.insertBatch([event({ minute: 2, user: 'bob' }), event({ minute: 3, user: 'alice' })]);
    const got = await first;
    expect(got.value?.user.username).toBe('alice');
    controller.abort();
    expect((await tail.next()).done).toBe(true);
  });
});
