/**
 * LISTEN/NOTIFY through SqlClient on the real PostgreSQL (127.0.0.1:5432) and on PGlite, including a
 * listening connection killed by the server: it comes back, says so, and hears later notifications.
 */
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { PgSqlClient, PgliteSqlClient, type NotificationSubscription, type SqlClient } from '@tether/sql';

const POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test';

async function eventually(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function recorder() {
  const heard: string[] = [];
  let resumed = 0;
  const errors: string[] = [];
  return {
    heard,
    errors,
    resumed: () => resumed,
    handlers: {
      onNotify: (payload: string) => heard.push(payload),
      onResume: () => (resumed += 1),
      onError: (error: Error) => errors.push(error.message),
    },
  };
}

describe('SqlClient notifications on PostgreSQL', () => {
  const channel = `tether_test_${randomBytes(6).toString('hex')}`;
  let sql: PgSqlClient;
  let subscription: NotificationSubscription | undefined;

  beforeEach(() => {
    sql = new PgSqlClient({
      connectionString: POSTGRES_URL,
      listener: { pingIntervalMs: 200, retryMs: 50, maxRetryMs: 500 },
    });
  });
  afterEach(async () => {
    await subscription?.close();
    await sql.close();
  });

  it('delivers a notification to every listener, the notifier included', async () => {
    const a = recorder();
    const b = recorder();
    subscription = await sql.listen(channel, a.handlers);
    const other = await sql.listen(channel, b.handlers);
    try {
      await sql.notify(channel, '{"type":"policy-reload"}');
      await eventually(() => a.heard.length === 1 && b.heard.length === 1, 'both listeners');
      expect(a.heard).toEqual(['{"type":"policy-reload"}']);
      expect(b.heard).toEqual(a.heard);
    } finally {
      await other.close();
    }
  });

  it('re-listens after the server kills its connection, tells the subscriber, and hears what follows', async () => {
    const seen = recorder();
    subscription = await sql.listen(channel, seen.handlers);
    const pid = await (subscription as unknown as { backendPid(): Promise<number> }).backendPid();
    const admin = new Client({ connectionString: POSTGRES_URL });
    await admin.connect();
    try {
      await admin.query('SELECT pg_terminate_backend($1)', [pid]);
    } finally {
      await admin.end();
    }
    await eventually(() => seen.resumed() === 1, 'the listener to resume');
    expect(seen.errors.length).toBeGreaterThan(0);
    await sql.notify(channel, 'after');
    await eventually(() => seen.heard.includes('after'), 'a notification after the reconnect');
  });

  it('hears nothing once closed', async () => {
    const seen = recorder();
    const closed = await sql.listen(channel, seen.handlers);
    await closed.close();
    subscription = await sql.listen(channel, recorder().handlers);
    await sql.notify(channel, 'late');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(seen.heard).toEqual([]);
  });

  it('refuses channel names LISTEN would fold or truncate', async () => {
    await expect(sql.listen('Tether-Feed', recorder().handlers)).rejects.toThrow(/lowercase identifier/);
  });
});

describe('SqlClient notifications on PGlite', () => {
  let sql: SqlClient;

  beforeAll(async () => {
    sql = await PgliteSqlClient.open();
  });
  afterAll(() => sql.close());

  it('delivers within the process and stops after close', async () => {
    const seen = recorder();
    const subscription = await sql.listen('tether_feed', seen.handlers);
    await sql.notify('tether_feed', 'one');
    await eventually(() => seen.heard.length === 1, 'the notification');
    await subscription.close();
    await sql.notify('tether_feed', 'two');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(seen.heard).toEqual(['one']);
  });
});
