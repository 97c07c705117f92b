import { type AuditEvent, AuditEventInvalidError, type AuditStore, parseAuditEvent } from '@tether/audit';
import type { Logger } from 'pino';

export interface ConsumedMessage {
  topic: string;
  partition: number;
  offset: string;
  value: unknown;
}

export interface TopicPartitionOffset {
  topic: string;
  partition: number;
  /** The next offset to read: the last stored message's offset plus one. */
  offset: string;
}

export interface IngestBatcherOptions {
  batchSize: number;
  maxWaitMs: number;
  /** Past this many waiting messages, `add` waits for the database: the consumer slows down with it. */
  maxBuffered: number;
}

export interface IngestStats {
  stored: number;
  duplicates: number;
  invalid: number;
  batches: number;
}

/**
 * Turns consumed messages into store batches. Offsets are committed only after the batch holding them
 * is in the database, so a crash at any point redelivers rather than loses; the store's idempotent
 * insert makes the redelivery harmless. Invalid events are counted, logged and skipped (their offsets
 * are committed too), so one bad message never blocks a partition.
 */
export class IngestBatcher {
  readonly stats: IngestStats = { stored: 0, duplicates: 0, invalid: 0, batches: 0 };
  private buffer: ConsumedMessage[] = [];
  private timer: NodeJS.Timeout | undefined;
  private timerDelayMs = 0;
  private flushing: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly store: Pick<AuditStore, 'insertBatch'>,
    private readonly commit: (offsets: TopicPartitionOffset[]) => Promise<void>,
    private readonly options: IngestBatcherOptions,
    private readonly logger: Logger,
  ) {}

  async add(message: ConsumedMessage): Promise<void> {
    this.buffer.push(message);
    if (this.buffer.length >= this.options.batchSize) this.flushSoon(0);
    else this.flushSoon(this.options.maxWaitMs);
    if (this.buffer.length >= this.options.maxBuffered) await this.flush();
  }

  /** Stores and commits everything added so far; flushes run one at a time, in order. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.buffer;
    this.buffer = [];
    this.flushing = this.flushing.catch(() => undefined).then(() => this.storeAndCommit(batch));
    return this.flushing;
  }

  // A full batch asks for an immediate flush with every further message until the timer runs (a fetch
  // of a backlog delivers hundreds in one turn): one zero-delay timer serves them all.
  private flushSoon(delayMs: number): void {
    if (this.timer && (delayMs > 0 || this.timerDelayMs === 0)) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerDelayMs = delayMs;
    this.timer = setTimeout(() => {
      this.flush().catch((error: unknown) =>
        this.logger.error({ err: error }, 'audit batch failed; its messages will be redelivered'),
      );
    }, delayMs);
  }

  private async storeAndCommit(batch: ConsumedMessage[]): Promise<void> {
    if (batch.length === 0) return;
    const events: AuditEvent[] = [];
    for (const message of batch) {
      try {
        events.push(parseAuditEvent(message.value));
      } catch (error) {
        if (!(error instanceof AuditEventInvalidError)) throw error;
        this.stats.invalid += 1;
        this.logger.warn(
          {
            topic: message.topic,
            partition: message.partition,
            offset: message.offset,
            reason: error.message,
          },
          'skipped an invalid audit event',
        );
      }
    }
    const stored = await this.insertUntilStored(events);
    this.stats.stored += stored;
    this.stats.duplicates += events.length - stored;
    this.stats.batches += 1;
    try {
      await this.commit(nextOffsets(batch));
    } catch (error) {
      // E.g. the partition moved to another auditor in a rebalance: it redelivers, the store dedupes.
      this.logger.warn({ err: error }, 'could not commit audit offsets; those events will be redelivered');
    }
  }

  // A later batch must never commit past one that is not stored, or its events would be skipped for
  // good: keep trying this one, while `add` holds the consumer back once the buffer is full.
  private async insertUntilStored(events: AuditEvent[]): Promise<number> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.store.insertBatch(events);
      } catch (error) {
        if (this.closed) throw error;
        const delayMs = Math.min(5_000, 100 * 2 ** Math.min(attempt, 6));
        this.logger.error({ err: error, attempt, retryInMs: delayMs }, 'could not store an audit batch');
        await new Promise((resolve) => setTimeout(resolve, delayMs));
      }
    }
  }

  /** Stores what is buffered, retrying a failing database for up to `deadlineMs`; what is left is redelivered later. */
  async close(deadlineMs = 10_000): Promise<void> {
    const giveUp = setTimeout(() => (this.closed = true), deadlineMs);
    try {
      await this.flush();
    } finally {
      clearTimeout(giveUp);
      this.closed = true;
    }
  }
}

/** Per topic and partition, the offset after the highest one in the batch. */
export function nextOffsets(batch: readonly ConsumedMessage[]): TopicPartitionOffset[] {
  const highest = new Map<string, ConsumedMessage>();
  for (const message of batch) {
    const key = `${message.topic}\u0000${message.partition}`;
    const seen = highest.get(key);
    if (!seen || BigInt(message.offset) > BigInt(seen.offset)) highest.set(key, message);
  }
  return [...highest.values()].map(({ topic, partition, offset }) => ({
    topic,
    partition,
    offset: (BigInt(offset) + 1n).toString(),
  }));
}
