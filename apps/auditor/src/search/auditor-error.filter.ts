import { type ArgumentsHost, Catch, type ExceptionFilter } from '@nestjs/common';
import { AuditQueryError, AuditReadForbiddenError } from '@tether/audit';
import type { Response } from 'express';
import { ReaderAuthError } from './broker-token-verifier';

/** The auditor's one mapping from errors to HTTP answers, as JSON the CLI prints (`error`, `error_description`). */
@Catch(ReaderAuthError, AuditQueryError, AuditReadForbiddenError)
export class AuditorErrorFilter implements ExceptionFilter {
  catch(error: ReaderAuthError | AuditQueryError | AuditReadForbiddenError, host: ArgumentsHost): void {
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
          : [401, 'unauthorized'];
    res.status(status).json({ error: code, error_description: error.message });
  }
}
