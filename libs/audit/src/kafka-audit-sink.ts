// The production audit sink: every event goes into the durable file spool first, and a delivery loop
// sends the spool to Kafka in order with an idempotent producer, acknowledging in the spool only what
// Kafka acknowledged. Kafka down or slow: the spool fills and is replayed when Kafka is back.
//
// Delivery is at-least-once: a crash between Kafka's ack and the spool's checkpoint sends the last
// batch again on restart (and a failed send is retried from a new producer, whose id the broker cannot
// deduplicate against). The auditor's insert is idempotent on (auditID, stage), so at-least-once into
// Kafka plus that store is exactly-once in the store.
import type { TracingSettings } from '@tether/telemetry';
import type { KafkaConfig } from 'kafkajs';
import type { Logger } from 'pino';
import { AUDIT_TOPIC, type AuditEvent, auditEventSchema, tetherAnnotations } from './audit-event';
import { AuditDropReporter, type AuditFullPolicy } from './audit-full-policy';
import type { AuditSink, AuditSinkStats } from './audit-sink';
import { FileSpool, type SpoolBatch } from './file-spool';
import {
  KafkaBatchProducer,
  type KafkaBatchProducerSettings,
  type KafkajsLogLine,
} from './kafka-batch-producer';
import { type BatchSender, deliveryWorkerEntry, KafkaDeliveryThread } from './kafka-delivery-thread';
import { MAX_KEY_BYTES, spooledMessageLength, writeSpooledMessage } from './kafka-spool-record';

export interface KafkaAuditSinkOptions {
  brokers: string[];
  clientId: string;
  /** Default AUDIT_TOPIC. */
  topic?: string;
  spoolDir: string;
  /** Undelivered bytes the spool holds at most (frames included). */
  spoolMaxBytes: number;
  /** Default `fail-closed`. */
  fullPolicy?: AuditFullPolicy;
  logger: Logger;
  ssl?: KafkaConfig['ssl'];
  sasl?: KafkaConfig['sasl'];
  /**
   * Default `gzip`: audit JSON shrinks several times, built into kafkajs (no native codec to ship), and
   * compressed on libuv's thread pool, not the event loop. `none` for a Kafka on the same host.
   */
  compression?: 'gzip' | 'none';
  /** Group fsync of the spool (default 20 ms): the window in which a crash loses accepted events. */
  spoolSyncIntervalMs?: number;
  /** How long `close` keeps delivering what is pending before leaving it in the spool (default 5 s). */
  closeTimeoutMs?: number;
  /**
   * Where the kafkajs producer runs: `worker` (default), a worker thread, so encoding and sending
   * batches stay off the event loop that serves requests and publishes; `main`, this thread. SASL
   * with a function (OAUTHBEARER's token provider) cannot cross to a worker and runs in `main`.
   */
  deliveryThread?: 'worker' | 'main';
  /**
   * The process's OTLP tracing, for the delivery worker to set up for itself (a thread shares none of
   * the main thread's): its kafkajs producer spans are exported from there. Unset, the worker traces
   * nothing. In `main`, kafkajs is instrumented by the process's own tracing.
   */
  workerTracing?: TracingSettings;
  /** Per send (defaults 5,000 events, 900 KiB: under Kafka's default 1 MiB message.max.bytes). */
  batchMaxRecords?: number;
  batchMaxBytes?: number;
}

/** An event larger than this could never be sent (Kafka's default limit is 1 MiB): it is refused. */
export const MAX_AUDIT_EVENT_BYTES = 900 * 1024;
const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 5_000;
// A send this long in flight means Kafka is unreachable (or too slow to count as reachable).
const STALLED_SEND_MS = 5_000;
const FAILURE_LOG_INTERVAL_MS = 10_000;

/** Opens (and recovers) the spool in `options.spoolDir`, then starts delivering, oldest first. */
export async function createKafkaAuditSink(options: KafkaAuditSinkOptions): Promise<KafkaAuditSink> {
  const spool = await FileSpool.open({
    dir: options.spoolDir,
    maxBytes: options.spoolMaxBytes,
    logger: options.logger,
    ...(options.spoolSyncIntervalMs !== undefined ? { syncIntervalMs: options.spoolSyncIntervalMs } : {}),
  });
  const sink = new KafkaAuditSink(spool, options);
  sink.start();
  return sink;
}

export class KafkaAuditSink implements AuditSink {
  readonly topic: string;
  readonly fullPolicy: AuditFullPolicy;
  private readonly log: Logger;
  private readonly sender: BatchSender;
  private readonly drops: AuditDropReporter;
  private readonly reserveBytes: number;
  private delivered = 0;
  private invalid = 0;
  private loop?: Promise<void>;
  private stopping = false;
  private wakeStop?: () => void;
  private closing?: Promise<void>;
  private readonly openedAt = Date.now();
  private lastDeliveryAt?: number;
  private failingSince?: number;
  private sendStartedAt?: number;
  private lastFailureLogAt = Number.NEGATIVE_INFINITY;
  private lastInvalidLogAt = Number.NEGATIVE_INFINITY;

  /** `sender` replaces the producer that `options.deliveryThread` chooses (tests). */
  constructor(
    private readonly spool: FileSpool,
    private readonly options: KafkaAuditSinkOptions,
    sender?: BatchSender,
  ) {
    this.topic = options.topic ?? AUDIT_TOPIC;
    this.fullPolicy = options.fullPolicy ?? 'fail-closed';
    this.log = options.logger.child({ component: 'audit-kafka-sink', topic: this.topic });
    this.drops = new AuditDropReporter(this.log, this.fullPolicy);
    // Room kept past the admission line for the events of requests already admitted.
    this.reserveBytes = Math.min(1024 * 1024, Math.floor(options.spoolMaxBytes / 10));
    const kafkaLog = options.logger.child({ component: 'kafkajs' });
    // The sink reports delivery trouble itself, once per interval; kafkajs would log every reconnect.
    // An error from kafkajs (a refused connection, a failed request) is the first sign of an outage.
    const onLog = (line: KafkajsLogLine) => {
      if (line.error) this.failingSince ??= Date.now();
      kafkaLog.debug({ namespace: line.namespace }, line.message);
    };
    const settings: KafkaBatchProducerSettings = {
      brokers: options.brokers,
      clientId: options.clientId,
      topic: this.topic,
      compression: options.compression ?? 'gzip',
      ...(options.ssl !== undefined ? { ssl: options.ssl } : {}),
      ...(options.sasl !== undefined ? { sasl: options.sasl } : {}),
    };
    this.sender = sender ?? this.chooseSender(settings, onLog);
  }

  /** Events refused as invalid (a bug in the caller): logged and counted, never sent. */
  get invalidEvents(): number {
    return this.invalid;
  }

  /** Starts the delivery loop (createKafkaAuditSink does). */
  start(): void {
    this.loop ??= this.deliver();
  }

  /**
   * Validates the event against the schema (which also strips fields it does not name) and appends it
   * to the spool. It is durable with the spool's next group fsync, within `spoolSyncIntervalMs`: a
   * crash of the process (or host) inside that window loses what was accepted in it.
   */
  publish(event: AuditEvent): void {
    if (this.closing) {
      this.drops.drop('event published after close', { auditID: event.auditID });
      return;
    }
    const parsed = auditEventSchema.safeParse(event);
    if (!parsed.success) {
      this.refuseInvalid(
        event,
        parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`),
      );
      return;
    }
    const key = parsed.data.annotations[tetherAnnotations.cluster]!;
    if (key.length > MAX_KEY_BYTES / 3) {
      this.refuseInvalid(event, [
        `cluster annotation longer than ${Math.floor(MAX_KEY_BYTES / 3)} characters`,
      ]);
      return;
    }
    const value = JSON.stringify(parsed.data);
    const length = spooledMessageLength(key, value);
    if (length > MAX_AUDIT_EVENT_BYTES) {
      this.refuseInvalid(event, [`larger than ${MAX_AUDIT_EVENT_BYTES} bytes`]);
      return;
    }
    // Written straight into the spool's buffer: no copy of the event per publish.
    if (!this.spool.appendWith(length, (target) => writeSpooledMessage(target, key, value))) {
      this.drops.drop(`audit spool full (${this.spool.pendingBytes} bytes); ${this.kafkaState()}`, {
        auditID: event.auditID,
        spoolDir: this.spool.dir,
      });
    }
  }

  admission(): { ok: true } | { ok: false; message: string } {
    if (this.fullPolicy === 'fail-open' || this.spool.freeBytes > this.reserveBytes) return { ok: true };
    return {
      ok: false,
      message: `audit spool full (${this.spool.pendingBytes} bytes): ${this.kafkaState()}; requests are refused until audit events can be delivered`,
    };
  }

  stats(): AuditSinkStats {
    return {
      pendingEvents: this.spool.pendingRecords,
      pendingBytes: this.spool.pendingBytes,
      deliveryLagMs: this.spool.oldestPendingAgeMs(),
      droppedEvents: this.drops.dropped,
      delivered: this.delivered,
    };
  }

  /**
   * Flushes the spool, keeps delivering for up to `closeTimeoutMs`, then stops; what is left stays in
   * the spool (fsynced, with the checkpoint) for the next start.
   */
  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    await this.spool
      .flush()
      .catch((error: unknown) => this.log.error({ err: error }, 'audit spool flush failed'));
    const deadline = Date.now() + (this.options.closeTimeoutMs ?? 5_000);
    while (this.loop && this.spool.pendingRecords > 0 && Date.now() < deadline) await sleep(20);
    this.stopping = true;
    this.wakeStop?.();
    // A send still in flight (Kafka down) is abandoned: its batch stays in the spool.
    await Promise.race([this.loop, sleep(1_000)]);
    await this.sender.close().catch(() => undefined);
    await this.spool.close();
    const left = this.spool.pendingRecords;
    if (left > 0) this.log.warn({ pendingEvents: left }, 'audit events left in the spool for the next start');
  }

  private async deliver(): Promise<void> {
    let backoff = RETRY_MIN_MS;
    const limits = {
      maxRecords: this.options.batchMaxRecords ?? 5_000,
      maxBytes: this.options.batchMaxBytes ?? 900 * 1024,
    };
    while (!this.stopping) {
      let batch: SpoolBatch;
      try {
        batch = await this.spool.readBatch(limits);
      } catch (error) {
        if (this.stopping) return;
        this.log.error({ err: error }, 'reading the audit spool failed; retrying');
        await this.pause(1_000);
        continue;
      }
      if (batch.records.length === 0) {
        await Promise.race([this.spool.whenReadable(), this.stopSignal()]);
        continue;
      }
      try {
        await this.send(batch);
        if (this.stopping) return;
        this.spool.acknowledge(batch.end);
        this.delivered += batch.records.length;
        this.recovered();
        backoff = RETRY_MIN_MS;
      } catch (error) {
        if (this.stopping) return;
        this.failed(error, backoff);
        await this.sender.reset().catch(() => undefined);
        await this.pause(backoff);
        backoff = Math.min(backoff * 2, RETRY_MAX_MS);
      }
    }
  }

  private async send(batch: SpoolBatch): Promise<void> {
    this.sendStartedAt = Date.now();
    try {
      await this.sender.send(batch.records);
    } finally {
      this.sendStartedAt = undefined;
    }
  }

  private failed(error: unknown, retryInMs: number): void {
    const now = Date.now();
    this.failingSince ??= now;
    if (now - this.lastFailureLogAt < FAILURE_LOG_INTERVAL_MS) return;
    this.lastFailureLogAt = now;
    this.log.warn(
      {
        err: error,
        failingSince: new Date(this.failingSince).toISOString(),
        pendingEvents: this.spool.pendingRecords,
        pendingBytes: this.spool.pendingBytes,
        retryInMs,
      },
      'audit delivery to Kafka failed; events wait in the spool',
    );
  }

  private recovered(): void {
    const now = Date.now();
    this.lastDeliveryAt = now;
    if (this.failingSince === undefined) return;
    // Said only after an outage that was reported (a kafkajs error at start, e.g. a new topic's leader
    // not elected yet, is not one).
    if (this.lastFailureLogAt !== Number.NEGATIVE_INFINITY)
      this.log.info(
        { outageMs: now - this.failingSince, pendingEvents: this.spool.pendingRecords },
        'audit delivery to Kafka resumed; replaying the spool',
      );
    this.failingSince = undefined;
    this.lastFailureLogAt = Number.NEGATIVE_INFINITY;
  }

  private kafkaState(): string {
    const now = Date.now();
    const stalled =
      this.sendStartedAt !== undefined && now - this.sendStartedAt > STALLED_SEND_MS
        ? this.sendStartedAt
        : undefined;
    const since = this.failingSince ?? stalled;
    if (since !== undefined) return `Kafka unreachable since ${new Date(since).toISOString()}`;
    return `Kafka delivery behind since ${new Date(this.lastDeliveryAt ?? this.openedAt).toISOString()}`;
  }

  private refuseInvalid(event: AuditEvent, problems: string[]): void {
    this.invalid += 1;
    const now = Date.now();
    if (now - this.lastInvalidLogAt < FAILURE_LOG_INTERVAL_MS) return;
    this.lastInvalidLogAt = now;
    this.log.error(
      { auditID: (event as { auditID?: unknown }).auditID, problems, invalidTotal: this.invalid },
      'invalid audit event refused (a bug in its producer); not sent',
    );
  }

  private chooseSender(
    settings: KafkaBatchProducerSettings,
    onLog: (line: KafkajsLogLine) => void,
  ): BatchSender {
    const inThread = () => inThreadSender(new KafkaBatchProducer(settings, onLog));
    if ((this.options.deliveryThread ?? 'worker') === 'main') return inThread();
    if (!isPlainData(settings)) {
      this.log.info(
        'kafkajs settings hold functions (SASL token provider?): audit delivery runs on the main thread',
      );
      return inThread();
    }
    const entry = deliveryWorkerEntry();
    if (!entry) {
      this.log.warn(
        { dir: __dirname },
        'audit delivery worker not found (neither kafka-delivery-worker.js nor tsx): delivery runs on the main thread',
      );
      return inThread();
    }
    const tracing = this.options.workerTracing;
    return new KafkaDeliveryThread({ producer: settings, ...(tracing ? { tracing } : {}) }, onLog, entry);
  }

  private stopSignal(): Promise<void> {
    return new Promise((resolve) => {
      if (this.stopping) resolve();
      else this.wakeStop = resolve;
    });
  }

  private pause(ms: number): Promise<void> {
    return Promise.race([sleep(ms), this.stopSignal()]);
  }
}

function inThreadSender(producer: KafkaBatchProducer): BatchSender {
  return {
    send: (records) => producer.send(records),
    reset: () => producer.reset(),
    close: () => producer.reset(),
  };
}

/** True when `value` survives a structured clone (no functions), so it can go to a worker. */
function isPlainData(value: unknown): boolean {
  try {
    structuredClone(value);
    return true;
  } catch {
    return false;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
