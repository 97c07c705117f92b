import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { AuthError } from './auth.errors';
import { SessionTokenError } from './session-token.errors';

/** The one place sign-in errors become HTTP: OAuth-style JSON the CLI shows to the person. */
@Catch(AuthError, SessionTokenError)
export class AuthErrorFilter implements ExceptionFilter {
  catch(error: AuthError | SessionTokenError, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    if (error instanceof SessionTokenError) {
      res.status(401).json({ error: 'invalid_token', error_description: error.message });
      return;
    }
    res.status(error.status).json({ error: error.code, error_description: error.message });
  }
}
