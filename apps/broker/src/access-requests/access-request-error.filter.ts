import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { AccessRequestError } from './access-request.errors';

/** Access-request errors as the JSON problems the CLI prints (`error`, `error_description`). */
@Catch(AccessRequestError)
export class AccessRequestErrorFilter implements ExceptionFilter {
  catch(error: AccessRequestError, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    res.status(error.status).json({ error: error.code, error_description: error.message });
  }
}
