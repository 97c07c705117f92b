// The embedded stack's audit sink (no Kafka): events wait in memory and go to the audit store in small
// batches. A failing store is retried with backoff; the memory bound and full policy are the Kafka
// sink's. Events in memory are lost if the process dies: the embedded stack trades that for no spool.
import type { Logger } from 'pino';
import { type AuditEvent, auditEventSchema } from './audit-event';
import { AuditDropReporter, type AuditFullPolicy } from './audit-full-policy';
import type { AuditSink, AuditSinkStats } from './audit-sink';

/** What the sink needs of AuditStore (insertBatch is idempotent on auditID and stage). */
export interface AuditBatchWriter {
  insertBatch(events: readonly AuditEvent[]): Promise<number>;
}

export interface StoreAuditSinkOptions {
  store: AuditBatchWriter;
  logger: Logger;
  /** Default `fail-closed`. */
  fullPolicy?: AuditFullPolicy;
  /** Events held in memory at most (default 10,000). */
  maxPendingEvents?: number;
  /** Events per insert (default 500). */
  batchSize?: number;
  /** A batch is written at least this often (default 50 ms). */
  flushIntervalMs?: number;
  /** How long `close` keeps writing what is pending (default 5 s). */
  closeTimeoutMs?: number;
}

interface Pending {
  event: AuditEvent;
  bytes: number;
  at: number;
}

const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 5_000;
const LOG_INTERVAL_MS = 10_000;

export class StoreAuditSink implements AuditSink {
  readonly fullPolicy: AuditFullPolicy;
  private readonly log: Logger;
  private readonly drops: AuditDropReporter;
  private readonly maxPending: number;
  private readonly reserve: number;
  private readonly batchSize: number;
  private readonly flushIntervalMs: number;
  private pending: Pending[] = [];
  private pendingBytes = 0;
  private delivered = 0;
  private invalid = 0;
  private timer?: NodeJS.Timeout;
  private writing?: Promise<void>;
  private backoff = RETRY_MIN_MS;
  private failingSince?: number;
  private lastFailureLogAt = Number.NEGATIVE_INFINITY;
  private lastInvalidLogAt = Number.NEGATIVE_INFINITY;
  private closing?: Promise<void>;

  constructor(private readonly options: StoreAuditSinkOptions) {
    this.fullPolicy = options.fullPolicy ?? 'fail-closed';
    this.log = options.logger.child({ component: 'audit-store-sink' });
    this.drops = new AuditDropReporter(this.log, this.fullPolicy);
    this.maxPending = Math.max(1, options.maxPendingEvents ?? 10_000);
    this.reserve = Math.floor(this.maxPending / 10);
    this.batchSize = Math.max(1, options.batchSize ?? 500);
    this.flushIntervalMs = options.flushIntervalMs ?? 50;
  }

  /** Events refused as invalid (a bug in the caller): logged and counted, never stored. */
  get invalidEvents(): number {
    return this.invalid;
  }

  publish(event: AuditEvent): void {
    if (this.closing) {
      this.drops.drop('event published after close', { auditID: event.auditID });
      return;
    }
    const parsed = auditEventSchema.safeParse(event);
    if (!parsed.success) {
      this.invalid += 1;
      const now = Date.now();
      if (now - this.lastInvalidLogAt >= LOG_INTERVAL_MS) {
        this.lastInvalidLogAt = now;
        const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
        this.log.error(
          { auditID: (event as { auditID?: unknown }).auditID, problems, invalidTotal: this.invalid },
          'invalid audit event refused (a bug in its producer); not stored',
        );
      }
      return;
    }
    if (this.pending.length >= this.maxPending) {
      this.drops.drop(`audit buffer full (${this.pending.length} events); ${this.storeState()}`, {
        auditID: event.auditID,
      });
      return;
    }
    const bytes = Buffer.byteLength(JSON.stringify(parsed.data));
    this.pending.push({ event: parsed.data, bytes, at: Date.now() });
    this.pendingBytes += bytes;
    if (this.pending.length >= this.batchSize) this.schedule(0);
    else this.schedule(this.flushIntervalMs);
  }

  admission(): { ok: true } | { ok: false; message: string } {
    if (this.fullPolicy === 'fail-open' || this.pending.length < this.maxPending - this.reserve) {
      return { ok: true };
    }
    return {
      ok: false,
      message: `audit buffer full (${this.pending.length} events): ${this.storeState()}; requests are refused until audit events can be stored`,
    };
  }

  stats(): AuditSinkStats {
    const oldest = this.pending[0];
    return {
      pendingEvents: this.pending.length,
      pendingBytes: this.pendingBytes,
      deliveryLagMs: oldest ? Math.max(0, Date.now() - oldest.at) : 0,
      droppedEvents: this.drops.dropped,
      delivered: this.delivered,
    };
  }

  /** Writes what is pending (for up to `closeTimeoutMs`), then stops; what is left is logged as lost. */
  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    clearTimeout(this.timer);
    const deadline = Date.now() + (this.options.closeTimeoutMs ?? 5_000);
    while (this.pending.length > 0 && Date.now() < deadline) {
      await (this.writing ?? this.write());
      if (this.pending.length > 0 && this.failingSince !== undefined)
        await sleep(Math.min(this.backoff, 200));
    }
    await this.writing;
    clearTimeout(this.timer);
    if (this.pending.length > 0) {
      this.log.error(
        { lostEvents: this.pending.length },
        'AUDIT EVENTS LOST: the audit store did not take them before close',
      );
    }
  }

  private schedule(delayMs: number): void {
    if (this.writing || (this.timer && delayMs > 0)) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.write();
    }, delayMs);
  }

  private write(): Promise<void> {
    if (this.writing) return this.writing;
    const run = async () => {
      while (this.pending.length > 0) {
        const batch = this.pending.slice(0, this.batchSize);
        try {
          await this.options.store.insertBatch(batch.map((p) => p.event));
        } catch (error) {
          this.failed(error);
          return;
        }
        this.pending.splice(0, batch.length);
        for (const p of batch) this.pendingBytes -= p.bytes;
        this.delivered += batch.length;
        this.backoff = RETRY_MIN_MS;
        if (this.failingSince !== undefined) {
          this.log.info({ outageMs: Date.now() - this.failingSince }, 'audit store writes resumed');
          this.failingSince = undefined;
          this.lastFailureLogAt = Number.NEGATIVE_INFINITY;
        }
        // Small batches: write a full one at once, a partial one when the interval is up.
        if (this.pending.length < this.batchSize && this.closing === undefined) return;
      }
    };
    this.writing = run().finally(() => {
      this.writing = undefined;
      this.next();
    });
    return this.writing;
  }

  private next(): void {
    if (this.closing !== undefined || this.pending.length === 0) return;
    if (this.failingSince !== undefined) {
      this.schedule(this.backoff);
      this.backoff = Math.min(this.backoff * 2, RETRY_MAX_MS);
    } else {
      this.schedule(this.pending.length >= this.batchSize ? 0 : this.flushIntervalMs);
    }
  }

  private failed(error: unknown): void {
    const now = Date.now();
    this.failingSince ??= now;
    if (now - this.lastFailureLogAt < LOG_INTERVAL_MS) return;
    this.lastFailureLogAt = now;
    this.log.error(
      {
        err: error,
        failingSince: new Date(this.failingSince).toISOString(),
        pendingEvents: this.pending.length,
      },
      'writing audit events to the store failed; retrying',
    );
  }

  private storeState(): string {
    return this.failingSince !== undefined
      ? `the audit store failing since ${new Date(this.failingSince).toISOString()}`
      : 'the audit store is behind';
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
