import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { EnrollmentError } from './enrollment.errors';

/** Enrollment errors as the JSON problems the CLI and the agent read (`error`, `error_description`). */
@Catch(EnrollmentError)
export class EnrollmentErrorFilter implements ExceptionFilter {
  catch(error: EnrollmentError, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    res.status(error.status).json({ error: error.code, error_description: error.message });
  }
}
