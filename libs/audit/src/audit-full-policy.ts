// What an audit sink does when it cannot keep more events, and how it says so.
import type { Logger } from 'pino';

/**
 * `fail-closed` (default): refuse new requests while the sink is full, so nothing goes unaudited;
 * `fail-open`: keep serving, drop the events that do not fit, count them and log loudly.
 */
export const auditFullPolicies = ['fail-closed', 'fail-open'] as const;
export type AuditFullPolicy = (typeof auditFullPolicies)[number];

/**
 * Counts events a sink had to drop and logs them at most once per interval with the count since the
 * last line, so a full spool under load does not flood the log it may itself be filling.
 */
export class AuditDropReporter {
  private total = 0;
  private sinceLastLine = 0;
  private lastLineAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly log: Logger,
    private readonly policy: AuditFullPolicy,
    private readonly intervalMs = 10_000,
  ) {}

  get dropped(): number {
    return this.total;
  }

  drop(why: string, context: Record<string, unknown> = {}, now = Date.now()): void {
    this.total += 1;
    this.sinceLastLine += 1;
    if (now - this.lastLineAt < this.intervalMs) return;
    const line = {
      ...context,
      policy: this.policy,
      droppedSinceLastLine: this.sinceLastLine,
      droppedTotal: this.total,
    };
    this.lastLineAt = now;
    this.sinceLastLine = 0;
    // Under fail-closed a drop means events of requests already admitted were lost: an error. Under
    // fail-open it is the chosen trade-off, still loud.
    if (this.policy === 'fail-closed') this.log.error(line, `AUDIT EVENTS LOST: ${why}`);
    else this.log.warn(line, `AUDIT EVENTS DROPPED (fail-open): ${why}`);
  }
}
