import { type ArgumentsHost, Catch, type ExceptionFilter } from '@nestjs/common';
import { AuditQueryError, AuditReadForbiddenError } from '@tether/audit';
import type { Response } from 'express';

/** Audit events go to Kafka, so this broker holds no audit log to search. */
export class AuditLogElsewhereError extends Error {
  readonly code = 'AUDIT_LOG_ELSEWHERE';
  constructor() {
    super(
      'this broker sends audit events to Kafka; search them at the auditor (set TETHER_BROKER_AUDITOR_URL so `tether audit` finds it)',
    );
  }
}

/** Audit API errors as the JSON the CLI prints, the same shapes the auditor answers with. */
@Catch(AuditQueryError, AuditReadForbiddenError, AuditLogElsewhereError)
export class AuditApiErrorFilter implements ExceptionFilter {
  catch(
    error: AuditQueryError | AuditReadForbiddenError | AuditLogElsewhereError,
    host: ArgumentsHost,
  ): void {
    const res = host.switchToHttp().getResponse<Response>();
    if (res.headersSent) {
      res.end();
      return;
    }
    const [status, code] =
      error instanceof AuditQueryError
        ? [400, 'invalid_filter']
        : error instanceof AuditReadForbiddenError
          ? [403, 'forbidden']
          : [404, 'not_found'];
    res.status(status).json({ error: code, error_description: error.message });
  }
}
