// The Kafka sink with no Kafka to reach (a port nobody listens on): what it keeps, refuses and reports.
// Delivery to a real Kafka is in libs/audit/test/kafka-audit-sink.spec.ts.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { AuditEvent } from './audit-event';
import { FileSpool } from './file-spool';
import { createKafkaAuditSink, type KafkaAuditSink, type KafkaAuditSinkOptions } from './kafka-audit-sink';
import { decodeSpooledMessage } from './kafka-spool-record';
import { sampleAuditEvent } from '@tether/testing';

function capturingLogger() {
  const lines: Array<{ level: number; msg: string; [key: string]: unknown }> = [];
  const logger = pino(
    { level: 'info' },
    { write: (line: string) => void lines.push(JSON.parse(line) as (typeof lines)[number]) },
  );
  return { logger, lines };
}

/** A TCP port that refuses connections: bound, then closed. */
async function refusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitFor(what: string, check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('KafkaAuditSink while Kafka is unreachable', () => {
  let dir: string;
  let log: ReturnType<typeof capturingLogger>;
  let sink: KafkaAuditSink | undefined;
  const eventBytes = Buffer.byteLength(JSON.stringify(sampleAuditEvent())) + 2 + 8 + 'dev-east'.length;

  const open = async (options: Partial<KafkaAuditSinkOptions> = {}) => {
    sink = await createKafkaAuditSink({
      brokers: [`127.0.0.1:${await refusedPort()}`],
      clientId: 'spec',
      topic: 'tether.audit.spec',
      spoolDir: dir,
      spoolMaxBytes: 64 * 1024,
      logger: log.logger,
      closeTimeoutMs: 200,
      ...options,
    });
    return sink;
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tether-kafka-sink-'));
    log = capturingLogger();
  });

  afterEach(async () => {
    await sink?.close();
    sink = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps every event in the spool, keyed by cluster and stripped to the schema, across a close', async () => {
    const sut = await open();
    const extra = { ...sampleAuditEvent('dev-west'), requestObject: { data: { password: 'hunter2' } } };
    sut.publish(extra as AuditEvent);
    sut.publish(sampleAuditEvent('dev-east'));
    expect(sut.stats()).toMatchObject({ pendingEvents: 2, droppedEvents: 0, delivered: 0 });
    await sut.close();
    sink = undefined;

    const spool = await FileSpool.open({ dir, maxBytes: 64 * 1024, logger: log.logger });
    const batch = await spool.readBatch({ maxRecords: 10, maxBytes: 65536 });
    const messages = batch.records.map(decodeSpooledMessage);
    expect(messages.map((m) => m.key.toString())).toEqual(['dev-west', 'dev-east']);
    const first = JSON.parse(messages[0]!.value.toString()) as Record<string, unknown>;
    expect(first.auditID).toBe(extra.auditID);
    expect(first).not.toHaveProperty('requestObject');
    await spool.close();
  });

  it('refuses an invalid event (a bug), counts it and logs an error, and never spools it', async () => {
    const sut = await open();
    sut.publish({ ...sampleAuditEvent(), auditID: 'not-a-uuid' });
    expect(sut.invalidEvents).toBe(1);
    expect(sut.stats().pendingEvents).toBe(0);
    expect(log.lines).toContainEqual(
      expect.objectContaining({ level: 50, msg: expect.stringMatching(/invalid audit event/) as unknown }),
    );
  });

  it('fail-closed: refuses admission once the spool nears full, still keeps events while they fit', async () => {
    const sut = await open({ fullPolicy: 'fail-closed' });
    expect(sut.admission()).toEqual({ ok: true });
    while (sut.admission().ok) sut.publish(sampleAuditEvent());
    await waitFor('Kafka seen unreachable', () => {
      const a = sut.admission();
      return !a.ok && a.message.includes('unreachable');
    });
    const refused = sut.admission();
    expect(refused).toEqual({
      ok: false,
      message: expect.stringMatching(
        /^audit spool full \(\d+ bytes\): Kafka unreachable since \d{4}-\d\d-\d\dT[\d:.]+Z; requests are refused until audit events can be delivered$/,
      ) as unknown,
    });

    // Events of requests admitted before the line still go in while there is room.
    const before = sut.stats().pendingEvents;
    sut.publish(sampleAuditEvent());
    expect(sut.stats().pendingEvents).toBe(before + 1);
    expect(sut.stats().droppedEvents).toBe(0);

    // With no room at all they are lost: counted, and logged as an error.
    const room = Math.ceil((64 * 1024) / eventBytes);
    for (let i = 0; i < room; i++) sut.publish(sampleAuditEvent());
    expect(sut.stats().droppedEvents).toBeGreaterThan(0);
    expect(sut.stats().pendingBytes).toBeLessThanOrEqual(64 * 1024);
    expect(log.lines).toContainEqual(
      expect.objectContaining({ level: 50, msg: expect.stringMatching(/AUDIT EVENTS LOST/) as unknown }),
    );
  });

  it('fail-open: admits every request, drops what does not fit, counts and logs it loudly once', async () => {
    const sut = await open({ fullPolicy: 'fail-open' });
    const attempts = Math.ceil((64 * 1024) / eventBytes) + 50;
    for (let i = 0; i < attempts; i++) sut.publish(sampleAuditEvent());
    expect(sut.admission()).toEqual({ ok: true });
    const { pendingEvents, droppedEvents } = sut.stats();
    expect(droppedEvents).toBeGreaterThanOrEqual(50);
    expect(pendingEvents + droppedEvents).toBe(attempts);
    const loud = log.lines.filter((line) => /AUDIT EVENTS DROPPED/.test(line.msg));
    // Rate-limited: one line for the burst, not one per event.
    expect(loud).toHaveLength(1);
    expect(loud[0]).toMatchObject({ level: 40, policy: 'fail-open' });
  });

  it('reports the age of the oldest undelivered event as the delivery lag', async () => {
    const sut = await open();
    sut.publish(sampleAuditEvent());
    await waitFor('lag to grow', () => sut.stats().deliveryLagMs >= 300);
    expect(sut.stats().pendingEvents).toBe(1);
  });
});
