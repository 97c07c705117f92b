import { Controller, Get, Inject, Req, Res, UseFilters } from '@nestjs/common';
import { AuditLogApi, type AuditSearchResult, type QueryParameters } from '@tether/audit';
import type { Request, Response } from 'express';
import { AUDIT_LOG_API } from '../store/audit-store.providers';
import { AuditorErrorFilter } from './auditor-error.filter';
import { BrokerTokenVerifier } from './broker-token-verifier';

/** Search and live tail of the audit log, for members of the reader groups; every read is audited. */
@Controller('api/audit')
@UseFilters(AuditorErrorFilter)
export class AuditSearchController {
  constructor(
    @Inject(AUDIT_LOG_API) private readonly api: AuditLogApi,
    private readonly verifier: BrokerTokenVerifier,
  ) {}

  @Get('events')
  async events(@Req() req: Request): Promise<AuditSearchResult> {
    const reader = await this.verifier.identify(req.headers.authorization);
    return this.api.search(reader, req, req.query as QueryParameters);
  }

  @Get('tail')
  async tail(@Req() req: Request, @Res() res: Response): Promise<void> {
    const reader = await this.verifier.identify(req.headers.authorization);
    await this.api.tail(reader, req, res, req.query as QueryParameters);
  }
}
