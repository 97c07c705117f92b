/** Typed CLI failures: the `code` decides the exit code and lets callers branch without reading messages. */

export type CliErrorCode =
  | 'usage'
  | 'login_required'
  | 'broker_unreachable'
  | 'broker_tls'
  | 'clock_skew'
  | 'broker_error'
  | 'idp_error'
  | 'login_timeout'
  | 'not_dev_mode'
  | 'unknown_cluster'
  | 'config_invalid'
  | 'lock_timeout'
  | 'policy_denied'
  /** Signed in, but not allowed (e.g. `tether audit` without one of the audit reader groups). */
  | 'forbidden';

export const exitCodes = {
  ok: 0,
  error: 1,
  usage: 2,
  loginRequired: 3,
  brokerUnreachable: 4,
  policyDenied: 5,
  forbidden: 6,
} as const;

export class CliError extends Error {
  constructor(
    readonly code: CliErrorCode,
    message: string,
    /** What the person can do about it, printed on its own line. */
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** An HTTP answer from the broker that is not a success, with its OAuth-style `error` code when it sent one. */
export class BrokerHttpError extends CliError {
  constructor(
    code: CliErrorCode,
    message: string,
    readonly status: number,
    readonly oauthError: string | undefined,
    hint?: string,
  ) {
    super(code, message, hint);
    this.name = 'BrokerHttpError';
  }
}

export function exitCodeFor(code: CliErrorCode): number {
  switch (code) {
    case 'usage':
      return exitCodes.usage;
    case 'login_required':
      return exitCodes.loginRequired;
    case 'broker_unreachable':
      return exitCodes.brokerUnreachable;
    case 'policy_denied':
      return exitCodes.policyDenied;
    case 'forbidden':
      return exitCodes.forbidden;
    default:
      return exitCodes.error;
  }
}
