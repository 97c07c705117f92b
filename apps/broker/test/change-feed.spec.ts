/**
 * The change feed between broker replicas on the real PostgreSQL: what one publishes the others hear,
 * each change is applied once where it was published, junk on the channel is ignored, and a lost
 * listening connection ends in a resync.
 */
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import pino from 'pino';
import { PgSqlClient, PgliteSqlClient } from '@tether/sql';
import { channelFor, ChangeFeed } from '../src/change-feed/change-feed';
import type { BrokerChange } from '../src/change-feed/broker-change';

const POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test';
const logger = pino({ level: 'silent' });

async function eventually(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function admin(sql: string, params: unknown[] = []): Promise<void> {
  const client = new Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    await client.query(sql, params);
  } finally {
    await client.end();
  }
}

describe('ChangeFeed on PostgreSQL', () => {
  const schema = `tether_feed_${randomBytes(6).toString('hex')}`;
  const clients: PgSqlClient[] = [];
  const feeds: ChangeFeed[] = [];

  async function replica(): Promise<{ feed: ChangeFeed; heard: BrokerChange[]; resyncs: () => number }> {
    const client = new PgSqlClient({
      connectionString: POSTGRES_URL,
      schema,
      listener: { pingIntervalMs: 200, retryMs: 50, maxRetryMs: 500 },
    });
    clients.push(client);
    const feed = new ChangeFeed(client, logger);
    feeds.push(feed);
    const heard: BrokerChange[] = [];
    let resyncs = 0;
    feed.on('session-revoked', (change) => heard.push(change));
    feed.on('access-changed', (change) => heard.push(change));
    feed.on('policy-reload', (change) => heard.push(change));
    feed.onResync(() => (resyncs += 1));
    await feed.start();
    return { feed, heard, resyncs: () => resyncs };
  }

  beforeAll(() => admin(`CREATE SCHEMA ${schema}`));
  afterAll(async () => {
    for (const feed of feeds) await feed.stop();
    for (const client of clients) await client.close();
    await admin(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  });

  it('applies a change where it is published at once, and on every other replica once', async () => {
    const a = await replica();
    const b = await replica();
    const c = await replica();
    a.feed.publish({ type: 'session-revoked', sessionId: 's-1' });
    expect(a.heard).toEqual([{ type: 'session-revoked', sessionId: 's-1' }]);
    await eventually(() => b.heard.length === 1 && c.heard.length === 1, 'b and c');
    b.feed.publish({ type: 'access-changed', requester: 'bob' });
    await eventually(() => a.heard.length === 2 && c.heard.length === 2, 'a and c');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(a.heard).toEqual([
      { type: 'session-revoked', sessionId: 's-1' },
      { type: 'access-changed', requester: 'bob' },
    ]);
    expect(b.heard).toEqual(a.heard);
    expect(c.heard).toEqual(a.heard);
  });

  it('ignores what is not a change, and installations in other schemas', async () => {
    const a = await replica();
    await admin('SELECT pg_notify($1, $2)', [channelFor(schema), 'not json']);
    await admin('SELECT pg_notify($1, $2)', [
      channelFor(schema),
      JSON.stringify({ v: 1, from: 'x', change: { type: 'drop-tables' } }),
    ]);
    const elsewhere = new PgSqlClient({ connectionString: POSTGRES_URL });
    clients.push(elsewhere);
    const foreign = new ChangeFeed(elsewhere, logger);
    await foreign.start();
    feeds.push(foreign);
    foreign.publish({ type: 'policy-reload' });
    await admin('SELECT pg_notify($1, $2)', [
      channelFor(schema),
      JSON.stringify({ v: 1, from: 'x', change: { type: 'policy-reload' } }),
    ]);
    await eventually(() => a.heard.length === 1, 'the one real change');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(a.heard).toEqual([{ type: 'policy-reload' }]);
  });

  it('resyncs after its listening connection is killed, and hears changes again', async () => {
    const a = await replica();
    const b = await replica();
    await admin(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1`, [
      `listen ${channelFor(schema)}`.slice(0, 63),
    ]);
    await eventually(() => a.resyncs() >= 1 && b.resyncs() >= 1, 'both replicas to resync');
    a.feed.publish({ type: 'policy-reload' });
    await eventually(() => b.heard.length === 1, 'b to hear a after the reconnect');
  });
});

describe('ChangeFeed on PGlite (one embedded broker)', () => {
  it('applies a published change once', async () => {
    const client = await PgliteSqlClient.open();
    const feed = new ChangeFeed(client, logger);
    await feed.start();
    const heard: BrokerChange[] = [];
    feed.on('cluster-removed', (change) => heard.push(change));
    feed.publish({ type: 'cluster-removed', cluster: 'dev-east' });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(heard).toEqual([{ type: 'cluster-removed', cluster: 'dev-east' }]);
    await feed.stop();
    await client.close();
  });
});
