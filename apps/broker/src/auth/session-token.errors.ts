export type SessionTokenErrorCode = 'TOKEN_MISSING' | 'TOKEN_INVALID' | 'TOKEN_EXPIRED' | 'TOKEN_REVOKED';

/** Why a bearer token was refused; the broker answers each with a 401 Status. */
export class SessionTokenError extends Error {
  constructor(
    readonly code: SessionTokenErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'SessionTokenError';
  }
}
