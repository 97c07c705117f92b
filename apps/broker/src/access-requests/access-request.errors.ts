export type AccessRequestErrorCode =
  | 'invalid_request'
  | 'unknown_role'
  | 'request_refused'
  | 'not_found'
  | 'forbidden'
  | 'conflict'
  | 'policy_unavailable';

const STATUS: Record<AccessRequestErrorCode, number> = {
  invalid_request: 400,
  unknown_role: 400,
  request_refused: 403,
  not_found: 404,
  forbidden: 403,
  conflict: 409,
  policy_unavailable: 503,
};

/** Why an access request cannot be made or decided; the filter turns it into a JSON problem. */
export class AccessRequestError extends Error {
  readonly status: number;

  constructor(
    readonly code: AccessRequestErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'AccessRequestError';
    this.status = STATUS[code];
  }
}
