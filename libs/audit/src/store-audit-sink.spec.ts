// The embedded stack's sink against a real (in-memory) PGlite audit store.
import { PgliteSqlClient } from '@tether/sql';
import pino from 'pino';
import type { AuditEvent } from './audit-event';
import { AuditStore } from './audit-store';
import { StoreAuditSink } from './store-audit-sink';
import { sampleAuditEvent } from '@tether/testing';

function capturingLogger() {
  const lines: Array<{ level: number; msg: string; [key: string]: unknown }> = [];
  const logger = pino(
    { level: 'info' },
    { write: (line: string) => void lines.push(JSON.parse(line) as (typeof lines)[number]) },
  );
  return { logger, lines };
}

async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('StoreAuditSink', () => {
  let sql: PgliteSqlClient;
  let store: AuditStore;
  let log: ReturnType<typeof capturingLogger>;
  const stored = async () =>
    Number((await sql.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_events'))[0]!.n);

  let schemas = 0;

  // One PGlite for the file (it is slow to start on a busy machine); a fresh schema for each test.
  beforeAll(async () => {
    sql = await PgliteSqlClient.open();
  }, 120_000);

  afterAll(async () => {
    await sql.close();
  });

  beforeEach(async () => {
    const schema = `sink_spec_${++schemas}`;
    await sql.exec(`CREATE SCHEMA ${schema}; SET search_path TO ${schema};`);
    store = new AuditStore(sql);
    log = capturingLogger();
  });

  it('writes published events to the store in batches, without waiting for close', async () => {
    await store.migrate();
    const sut = new StoreAuditSink({ store, logger: log.logger, batchSize: 100 });
    const events = Array.from({ length: 250 }, () => sampleAuditEvent());
    for (const e of events) sut.publish(e);
    await waitFor('all stored', async () => (await stored()) === 250);
    expect(sut.stats()).toMatchObject({
      pendingEvents: 0,
      pendingBytes: 0,
      delivered: 250,
      droppedEvents: 0,
    });
    const found = await store.search({}, { limit: 500 });
    expect(new Set(found.items.map((e) => e.auditID))).toEqual(new Set(events.map((e) => e.auditID)));
    await sut.close();
  });

  it('keeps events while the store fails and writes them once it works, logging the failure', async () => {
    // Not migrated yet: every insert fails as a real database error.
    const sut = new StoreAuditSink({ store, logger: log.logger });
    for (let i = 0; i < 20; i++) sut.publish(sampleAuditEvent());
    await waitFor('a failure logged', () =>
      log.lines.some((line) => /store failed; retrying/.test(line.msg)),
    );
    expect(sut.stats().pendingEvents).toBe(20);
    expect(sut.stats().deliveryLagMs).toBeGreaterThanOrEqual(0);

    await store.migrate();
    await waitFor('retried into the store', async () => (await stored()) === 20);
    expect(sut.stats()).toMatchObject({ pendingEvents: 0, delivered: 20 });
    await sut.close();
  });

  it('fail-closed: refuses admission near the memory bound, drops only past it, as an error', async () => {
    const sut = new StoreAuditSink({ store, logger: log.logger, maxPendingEvents: 100 });
    while (sut.admission().ok) sut.publish(sampleAuditEvent());
    expect(sut.stats().pendingEvents).toBe(90);
    expect(sut.admission()).toEqual({
      ok: false,
      message: expect.stringMatching(
        /^audit buffer full \(90 events\): .*; requests are refused until audit events can be stored$/,
      ) as unknown,
    });
    for (let i = 0; i < 15; i++) sut.publish(sampleAuditEvent());
    expect(sut.stats()).toMatchObject({ pendingEvents: 100, droppedEvents: 5 });
    expect(log.lines).toContainEqual(
      expect.objectContaining({ level: 50, msg: expect.stringMatching(/AUDIT EVENTS LOST/) as unknown }),
    );

    await store.migrate();
    await waitFor('the buffer drains', () => sut.admission().ok);
    await sut.close();
    expect(await stored()).toBe(100);
  });

  it('fail-open: admits everything and counts the events past the bound as dropped', async () => {
    const sut = new StoreAuditSink({
      store,
      logger: log.logger,
      maxPendingEvents: 10,
      fullPolicy: 'fail-open',
    });
    for (let i = 0; i < 25; i++) sut.publish(sampleAuditEvent());
    expect(sut.admission()).toEqual({ ok: true });
    expect(sut.stats()).toMatchObject({ pendingEvents: 10, droppedEvents: 15 });
    expect(log.lines.filter((line) => /AUDIT EVENTS DROPPED/.test(line.msg))).toHaveLength(1);
    await store.migrate();
    await sut.close();
  });

  it('close writes what is pending, and refuses an invalid event without storing it', async () => {
    await store.migrate();
    const sut = new StoreAuditSink({ store, logger: log.logger, flushIntervalMs: 60_000 });
    for (let i = 0; i < 7; i++) sut.publish(sampleAuditEvent());
    sut.publish({ ...sampleAuditEvent(), stage: 'Later' as AuditEvent['stage'] });
    expect(sut.invalidEvents).toBe(1);
    await sut.close();
    expect(await stored()).toBe(7);
  });
});
