// The broker's audit series over a real Kafka sink whose Kafka is unreachable, wired as audit.providers
// wires them: what the spool holds, and what a full fail-open spool drops, as Prometheus reads them.
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AuditFullPolicy, createKafkaAuditSink, type KafkaAuditSink } from '@tether/audit';
import { createMetricsRegistry } from '@tether/telemetry';
import pino from 'pino';
import type { Registry } from 'prom-client';
import { BrokerMetrics } from './broker-metrics';
import { sampleAuditEvent } from '@tether/testing';

const spoolMaxBytes = 64 * 1024;

/** A TCP port that refuses connections: bound, then closed. */
async function refusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('audit spool metrics while Kafka is unreachable', () => {
  let dir: string;
  let sink: KafkaAuditSink | undefined;
  let registry: Registry;

  const open = async (fullPolicy: AuditFullPolicy) => {
    sink = await createKafkaAuditSink({
      brokers: [`127.0.0.1:${await refusedPort()}`],
      clientId: 'spec',
      topic: 'tether.audit.spec',
      spoolDir: dir,
      spoolMaxBytes,
      fullPolicy,
      logger: pino({ level: 'silent' }),
      closeTimeoutMs: 200,
    });
    const opened = sink;
    new BrokerMetrics(registry).registerAuditGauges(() => opened.stats());
    return opened;
  };

  const scrape = async (name: string): Promise<number> => {
    const text = await registry.metrics();
    const value = new RegExp(`^${name}\\{[^}]*\\} (\\S+)$`, 'm').exec(text)?.[1];
    if (value === undefined) throw new Error(`${name} is not on /metrics`);
    return Number(value);
  };

  const bytesOnDisk = async () => {
    const segments = (await readdir(dir)).filter((name) => /^segment-\d+\.log$/.test(name));
    const sizes = await Promise.all(segments.map(async (name) => (await stat(join(dir, name))).size));
    return sizes.reduce((sum, size) => sum + size, 0);
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tether-spool-metrics-'));
    registry = createMetricsRegistry({ service: 'broker', processMetrics: false });
  });

  afterEach(async () => {
    await sink?.close();
    sink = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  it('shows the events waiting in the spool and their bytes, the same bytes its files hold on disk', async () => {
    const sut = await open('fail-closed');
    expect(await scrape('tether_audit_spool_bytes')).toBe(0);
    for (let i = 0; i < 30; i++) sut.publish(sampleAuditEvent());
    expect(await scrape('tether_audit_spool_depth')).toBe(30);
    const reported = await scrape('tether_audit_spool_bytes');
    // Each frame holds at least the event's JSON.
    expect(reported).toBeGreaterThan(30 * JSON.stringify(sampleAuditEvent()).length);
    await waitFor('the spool written to disk', async () => (await bytesOnDisk()) === reported);
    expect(await scrape('tether_audit_events_dropped_total')).toBe(0);
  });

  it('counts each event a full fail-open spool drops, and only those', async () => {
    const sut = await open('fail-open');
    const attempts = 200; // well past what 64 KiB holds
    for (let i = 0; i < attempts; i++) sut.publish(sampleAuditEvent());
    const kept = await scrape('tether_audit_spool_depth');
    const dropped = await scrape('tether_audit_events_dropped_total');
    expect(kept).toBeGreaterThan(0);
    expect(dropped).toBeGreaterThan(0);
    expect(kept + dropped).toBe(attempts);
    const frame = (await scrape('tether_audit_spool_bytes')) / kept;
    expect(await scrape('tether_audit_spool_bytes')).toBeGreaterThan(spoolMaxBytes - frame);
    expect(sut.admission()).toEqual({ ok: true }); // fail-open: requests go on
    sut.publish(sampleAuditEvent());
    expect(await scrape('tether_audit_events_dropped_total')).toBe(dropped + 1);
    expect(await scrape('tether_audit_spool_depth')).toBe(kept);
  });
});
