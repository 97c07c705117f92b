import { CliError } from '../errors/cli-error.js';

const unreachableCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ERR_TETHER_TIMEOUT',
]);
const untrustedCodes = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
]);
const clockCodes = new Set(['CERT_NOT_YET_VALID', 'CERT_HAS_EXPIRED']);

/** Explains a failed connection to the broker (or the IdP on the way) in terms a person can act on. */
export function explainNetworkError(error: unknown, target: string, nowMs = Date.now()): CliError {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  const detail = error instanceof Error ? error.message : String(error);
  if (unreachableCodes.has(code)) {
    return new CliError(
      'broker_unreachable',
      `cannot reach ${target} (${detail})`,
      'Check the URL, your network or VPN, and that the broker is running.',
    );
  }
  if (untrustedCodes.has(code)) {
    return new CliError(
      'broker_tls',
      `the certificate of ${target} is not trusted (${detail})`,
      `If the broker uses a private CA, sign in once with: tether login --broker ${origin(target)} --broker-ca <ca.pem>`,
    );
  }
  if (clockCodes.has(code)) {
    return new CliError(
      'clock_skew',
      `the certificate of ${target} is ${code === 'CERT_HAS_EXPIRED' ? 'expired' : 'not valid yet'} by this computer's clock (${new Date(nowMs).toISOString()})`,
      "Check that your system clock is right (enable NTP); if it is, the broker's certificate needs renewing.",
    );
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return new CliError(
      'broker_tls',
      `the certificate of ${target} does not name that host (${detail})`,
      'Use the broker URL its certificate was issued for.',
    );
  }
  return new CliError('broker_unreachable', `request to ${target} failed (${code || detail})`);
}

function origin(target: string): string {
  try {
    return new URL(target).origin;
  } catch {
    return target;
  }
}
