export type IdpErrorCode =
  | 'IDP_INVALID_OPTIONS'
  | 'IDP_UNKNOWN_USER'
  | 'IDP_FOREIGN_URL'
  | 'IDP_LOGIN_REJECTED'
  | 'IDP_LOGIN_FAILED'
  | 'IDP_DEVICE_APPROVAL_FAILED';

/** Why the dev identity provider could not start or could not complete a sign-in for a script. */
export class IdpError extends Error {
  constructor(
    readonly code: IdpErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'IdpError';
  }
}
