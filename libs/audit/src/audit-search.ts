import { setTimeout as sleep } from 'node:timers/promises';
import type { AuditEvent } from './audit-event';
import { parseAuditQuery, type QueryParameters } from './audit-query';
import type { AuditSearchResult, AuditStore } from './audit-store';

export interface TailOptions {
  signal: AbortSignal;
  /** How often the store is asked for new events; default 250 ms. */
  intervalMs?: number;
}

/**
 * What the search and tail endpoints do, whoever serves them (the auditor, or the broker with its
 * embedded store): query parameters in, events out. Bad parameters throw AuditQueryError.
 */
export class AuditSearch {
  constructor(private readonly store: AuditStore) {}

  async search(parameters: QueryParameters): Promise<AuditSearchResult> {
    const { filters, page } = parseAuditQuery(parameters);
    return this.store.search(filters, page);
  }

  /**
   * Events matching the filters as they are stored, from now on, until the signal aborts. Polling the
   * store's sequence works across auditor replicas and on PGlite alike.
   */
  async *tail(parameters: QueryParameters, options: TailOptions): AsyncGenerator<AuditEvent> {
    const { filters } = parseAuditQuery({ ...parameters, limit: undefined, cursor: undefined });
    let sequence = await this.store.latestSequence();
    const intervalMs = options.intervalMs ?? 250;
    while (!options.signal.aborted) {
      const batch = await this.store.after(sequence, filters);
      for (const row of batch) {
        sequence = row.sequence;
        yield row.event;
      }
      // A full batch means more are waiting: ask again at once.
      if (batch.length < 500) {
        try {
          await sleep(intervalMs, undefined, { signal: options.signal });
        } catch {
          return;
        }
      }
    }
  }
}
