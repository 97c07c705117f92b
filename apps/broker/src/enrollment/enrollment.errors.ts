export type EnrollmentErrorCode =
  | 'invalid_request'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'join_token_unknown'
  | 'join_token_used'
  | 'join_token_expired'
  | 'join_token_revoked'
  | 'join_token_wrong_cluster'
  | 'credential_refused'
  | 'credential_replaced'
  | 'rate_limited';

const STATUS: Record<EnrollmentErrorCode, number> = {
  invalid_request: 400,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  join_token_unknown: 401,
  join_token_used: 401,
  join_token_expired: 401,
  join_token_revoked: 401,
  join_token_wrong_cluster: 401,
  credential_refused: 401,
  credential_replaced: 409,
  rate_limited: 429,
};

/** Why an enrollment call failed; the filter turns it into a JSON problem, the agent and CLI read `code`. */
export class EnrollmentError extends Error {
  readonly status: number;

  constructor(
    readonly code: EnrollmentErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'EnrollmentError';
    this.status = STATUS[code];
  }
}
