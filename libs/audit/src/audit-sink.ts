import type { AuditEvent } from './audit-event';

/** What the broker's spool holds and how far behind delivery is; read by metrics at scrape time. */
export interface AuditSinkStats {
  /** Events accepted but not yet delivered (spooled or in flight). */
  pendingEvents: number;
  pendingBytes: number;
  /** Age of the oldest undelivered event, 0 when none. */
  deliveryLagMs: number;
  /** Events dropped because the spool was full under the fail-open policy. */
  droppedEvents: number;
  delivered: number;
}

/**
 * Where the broker sends audit events: Kafka behind a durable spool in production, the embedded store
 * when no Kafka is configured. `publish` returns once the event is durable or queued for it.
 */
export interface AuditSink {
  publish(event: AuditEvent): void;
  /**
   * Whether a new request may be admitted: false while the spool is full under fail-closed, with a
   * message for the client's Status.
   */
  admission(): { ok: true } | { ok: false; message: string };
  stats(): AuditSinkStats;
  /** Delivers or spools what is pending, then stops. */
  close(): Promise<void>;
}
