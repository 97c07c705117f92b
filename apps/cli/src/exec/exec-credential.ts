/** The client.authentication.k8s.io/v1 exec plugin wire format (KUBERNETES.md §3). */

export const execApiVersion = 'client.authentication.k8s.io/v1';

export interface ExecCredential {
  apiVersion: typeof execApiVersion;
  kind: 'ExecCredential';
  status: { token: string; expirationTimestamp: string };
}

/** The one JSON line kubectl reads from the plugin's stdout; `expirationTimestamp` in RFC 3339 (UTC, seconds). */
export function execCredential(token: string, expiresAt: string): ExecCredential {
  const expiry = new Date(Date.parse(expiresAt));
  expiry.setUTCMilliseconds(0); // RFC 3339 without fractions: a token is never reported to live longer than it does
  return {
    apiVersion: execApiVersion,
    kind: 'ExecCredential',
    status: { token, expirationTimestamp: expiry.toISOString().replace('.000Z', 'Z') },
  };
}

/**
 * Whether kubectl lets the plugin talk to the person, from `$KUBERNETES_EXEC_INFO` (`spec.interactive`).
 * Missing or unreadable means no: never block a script waiting for a browser.
 */
export function execIsInteractive(execInfo: string | undefined): boolean {
  if (!execInfo) return false;
  try {
    const parsed = JSON.parse(execInfo) as { spec?: { interactive?: unknown } };
    return parsed.spec?.interactive === true;
  } catch {
    return false;
  }
}
