import { Controller, Get, Inject, Req, Res, UseFilters } from '@nestjs/common';
import type { AuditLogApi, AuditSearchResult, QueryParameters } from '@tether/audit';
import type { Request, Response } from 'express';
import { AuthErrorFilter } from '../auth/auth-error.filter';
import { bearerToken } from '../auth/bearer-token';
import { SessionTokens } from '../auth/session-tokens';
import { AuditApiErrorFilter, AuditLogElsewhereError } from './audit-api-error.filter';
import { EMBEDDED_AUDIT_LOG } from './audit.providers';

/**
 * The audit log's search and tail when the broker keeps it itself (the embedded stack). With Kafka,
 * the auditor serves it; this answers with where to look instead.
 */
@Controller('api/audit')
@UseFilters(AuthErrorFilter, AuditApiErrorFilter)
export class AuditApiController {
  constructor(
    private readonly tokens: SessionTokens,
    @Inject(EMBEDDED_AUDIT_LOG) private readonly api: AuditLogApi | undefined,
  ) {}

  @Get('events')
  async events(@Req() req: Request): Promise<AuditSearchResult> {
    const api = this.embedded();
    return api.search(await this.reader(req), req, req.query as QueryParameters);
  }

  @Get('tail')
  async tail(@Req() req: Request, @Res() res: Response): Promise<void> {
    const api = this.embedded();
    await api.tail(await this.reader(req), req, res, req.query as QueryParameters);
  }

  private embedded(): AuditLogApi {
    if (!this.api) throw new AuditLogElsewhereError();
    return this.api;
  }

  private async reader(req: Request): Promise<{ username: string; groups: string[] }> {
    const who = await this.tokens.verify(bearerToken(req.headers.authorization));
    return { username: who.username, groups: who.groups };
  }
}
