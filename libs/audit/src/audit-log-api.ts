// Search and live tail of the audit log for the people allowed to read it, with every read (allowed
// or refused) recorded as an audit event itself. The auditor and the embedded broker identify the
// reader their own way (JWKS vs their own session keys) and hand the rest to this class.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type AuditRead, auditReadEvent } from './audit-read-event';
import type { AuditEvent } from './audit-event';
import { streamAuditEvents } from './audit-event-stream';
import { parseAuditQuery, type QueryParameters } from './audit-query';
import type { AuditSearch } from './audit-search';
import type { AuditSearchResult } from './audit-store';

export interface AuditReader {
  username: string;
  groups: string[];
}

export class AuditReadForbiddenError extends Error {
  readonly code = 'AUDIT_READ_FORBIDDEN';
}

export interface AuditLogApiOptions {
  search: AuditSearch;
  readerGroups: readonly string[];
  /** Where the record of a read goes: the store directly, or the broker's audit sink. */
  record: (event: AuditEvent) => void;
  heartbeatMs?: number;
  onTailError?: (error: unknown) => void;
}

export class AuditLogApi {
  constructor(private readonly options: AuditLogApiOptions) {}

  async search(
    reader: AuditReader,
    req: IncomingMessage,
    query: QueryParameters,
  ): Promise<AuditSearchResult> {
    const startedAt = new Date();
    this.assertMayRead(reader, req, 'list', startedAt);
    const result = await this.options.search.search(query);
    this.options.record(auditReadEvent(readOf(req, reader, 'list', 200, startedAt)));
    return result;
  }

  async tail(
    reader: AuditReader,
    req: IncomingMessage,
    res: ServerResponse,
    query: QueryParameters,
  ): Promise<void> {
    const startedAt = new Date();
    this.assertMayRead(reader, req, 'watch', startedAt);
    // A bad filter is a 400 before the stream starts, not a broken stream.
    parseAuditQuery({ ...query, limit: undefined, cursor: undefined });
    const controller = new AbortController();
    res.on('close', () => controller.abort());
    const events = this.options.search.tail(query, { signal: controller.signal });
    this.options.record(auditReadEvent(readOf(req, reader, 'watch', 200, startedAt)));
    await streamAuditEvents(res, events, {
      ...(this.options.heartbeatMs === undefined ? {} : { heartbeatMs: this.options.heartbeatMs }),
      ...(this.options.onTailError ? { onError: this.options.onTailError } : {}),
    });
  }

  private assertMayRead(
    reader: AuditReader,
    req: IncomingMessage,
    verb: AuditRead['verb'],
    startedAt: Date,
  ): void {
    const groups = this.options.readerGroups;
    if (reader.groups.some((group) => groups.includes(group))) return;
    const error = new AuditReadForbiddenError(
      `only members of ${groups.join(', ') || 'no group'} may read the audit log`,
    );
    this.options.record(
      auditReadEvent({ ...readOf(req, reader, verb, 403, startedAt), reason: error.message }),
    );
    throw error;
  }
}

function readOf(
  req: IncomingMessage,
  reader: AuditReader,
  verb: AuditRead['verb'],
  code: number,
  startedAt: Date,
): AuditRead {
  const userAgent = req.headers['user-agent'];
  return {
    username: reader.username,
    groups: reader.groups,
    verb,
    requestUri: req.url ?? '',
    sourceIp: req.socket.remoteAddress ?? '',
    ...(userAgent ? { userAgent } : {}),
    code,
    startedAt,
  };
}
