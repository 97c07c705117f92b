import { Controller, Get, Inject, Req, Res, UseFilters } from '@nestjs/common';
import {
  type AuditRead,
  auditReadEvent,
  AuditSearch,
  type AuditSearchResult,
  AuditStore,
  parseAuditQuery,
  type QueryParameters,
  streamAuditEvents,
} from '@tether/audit';
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import { ROOT_LOGGER } from '../auditor-config.provider';
import { AuditorErrorFilter } from './auditor-error.filter';
import { BrokerTokenVerifier, type Reader } from './broker-token-verifier';

const heartbeatMs = 15_000;

/** Search and live tail of the audit log, for members of the reader groups; every read is audited. */
@Controller('api/audit')
@UseFilters(AuditorErrorFilter)
export class AuditSearchController {
  constructor(
    private readonly search: AuditSearch,
    private readonly store: AuditStore,
    private readonly verifier: BrokerTokenVerifier,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  @Get('events')
  async events(@Req() req: Request): Promise<AuditSearchResult> {
    const startedAt = new Date();
    const reader = await this.authorize(req, 'list', startedAt);
    const result = await this.search.search(req.query as QueryParameters);
    this.record(this.readOf(req, reader, 'list', 200, startedAt));
    return result;
  }

  @Get('tail')
  async tail(@Req() req: Request, @Res() res: Response): Promise<void> {
    const startedAt = new Date();
    const reader = await this.authorize(req, 'watch', startedAt);
    const parameters = req.query as QueryParameters;
    // A bad filter is a 400 before the stream starts, not a broken stream.
    parseAuditQuery({ ...parameters, limit: undefined, cursor: undefined });
    const controller = new AbortController();
    res.on('close', () => controller.abort());
    const events = this.search.tail(parameters, { signal: controller.signal });
    this.record(this.readOf(req, reader, 'watch', 200, startedAt));
    await streamAuditEvents(res, events, {
      heartbeatMs,
      onError: (error) => this.logger.warn({ err: error }, 'audit tail ended with an error'),
    });
  }

  private async authorize(req: Request, verb: AuditRead['verb'], startedAt: Date): Promise<Reader> {
    const reader = await this.verifier.identify(req.headers.authorization);
    try {
      this.verifier.assertMayRead(reader);
    } catch (error) {
      this.record({ ...this.readOf(req, reader, verb, 403, startedAt), reason: (error as Error).message });
      throw error;
    }
    return reader;
  }

  private readOf(
    req: Request,
    reader: Reader,
    verb: AuditRead['verb'],
    code: number,
    startedAt: Date,
  ): AuditRead {
    return {
      username: reader.username,
      groups: reader.groups,
      verb,
      requestUri: req.originalUrl,
      sourceIp: req.socket.remoteAddress ?? '',
      ...(req.headers['user-agent'] ? { userAgent: req.headers['user-agent'] } : {}),
      code,
      startedAt,
    };
  }

  private record(read: AuditRead): void {
    this.store
      .insertBatch([auditReadEvent(read)])
      .catch((error: unknown) =>
        this.logger.error({ err: error, user: read.username }, 'could not record an audit-log read'),
      );
  }
}
