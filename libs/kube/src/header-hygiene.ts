// What a proxy in front of the API server must remove before it adds identity (KUBERNETES.md §2).
// The broker applies it to every client request; the agent applies it again before it adds
// impersonation, so a bug on one side of the tunnel cannot let a client's identity through.

/** One header line as received, in order; repeated names stay separate lines. */
export type HeaderLine = [name: string, value: string];

export type HeaderRejectionCode =
  'HEADER_UNSAFE_VALUE' | 'HEADER_CONNECTION_NAMES_SECURITY_HEADER' | 'HEADER_UPGRADE_NOT_ALLOWED';

/** A request whose headers try to smuggle identity or routing; it is refused, never repaired. */
export class HeaderRejectedError extends Error {
  constructor(
    readonly code: HeaderRejectionCode,
    message: string,
  ) {
    super(message);
    this.name = 'HeaderRejectedError';
  }
}

const hopByHop = new Set([
  'connection',
  'keep-alive',
  'te',
  'trailer',
  'transfer-encoding',
  'proxy-connection',
  'upgrade',
]);
const identityHeaders = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'audit-id',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-forwarded-port',
  'forwarded',
  'x-real-ip',
  'x-remote-user',
  'x-remote-group',
  'x-remote-uid',
]);
const identityPrefixes = ['impersonate-', 'x-remote-extra-', 'x-tether-'];
// Headers that are set per hop by Node or the agent, never copied from the client.
const perHop = new Set(['host']);
const upgradeHeaders = (name: string) =>
  name.startsWith('sec-websocket-') || name === 'x-stream-protocol-version';
const allowedUpgrades = new Set(['websocket', 'spdy/3.1']);

export function isIdentityHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return identityHeaders.has(lower) || identityPrefixes.some((prefix) => lower.startsWith(prefix));
}

export interface SanitizedHeaders {
  headers: HeaderLine[];
  /** The protocol the client asked to upgrade to (lower case), when it is an allowed upgrade. */
  upgrade?: 'websocket' | 'spdy/3.1';
}

/** Parses Node's `rawHeaders` ([name, value, name, value, ...]) into lines. */
export function headerLinesFromRaw(rawHeaders: readonly string[]): HeaderLine[] {
  const lines: HeaderLine[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2)
    lines.push([rawHeaders[i] as string, rawHeaders[i + 1] as string]);
  return lines;
}

/**
 * Removes client identity, forwarding and hop-by-hop headers. Refuses CR/LF/NUL in any value, a
 * `Connection` header that names a header carrying identity (CVE-2021-31999), and upgrades other
 * than WebSocket and SPDY/3.1. On an allowed upgrade, `Upgrade`, `Connection: Upgrade`,
 * `Sec-WebSocket-*` and `X-Stream-Protocol-Version` survive.
 */
export function sanitizeClientHeaders(lines: readonly HeaderLine[]): SanitizedHeaders {
  const connectionTokens = new Set<string>();
  let upgradeValue: string | undefined;
  for (const [name, value] of lines) {
    if (/[\r\n\0]/.test(value) || /[\r\n\0:]/.test(name)) {
      throw new HeaderRejectedError(
        'HEADER_UNSAFE_VALUE',
        `header ${JSON.stringify(name)} contains a forbidden character`,
      );
    }
    const lower = name.toLowerCase();
    if (lower === 'connection') {
      for (const token of value.split(',')) {
        const named = token.trim().toLowerCase();
        if (!named) continue;
        if (isIdentityHeader(named) || named === 'host') {
          throw new HeaderRejectedError(
            'HEADER_CONNECTION_NAMES_SECURITY_HEADER',
            `Connection header may not name ${named}: it would strip a header the proxy relies on`,
          );
        }
        connectionTokens.add(named);
      }
    }
    if (lower === 'upgrade') upgradeValue = value.trim().toLowerCase();
  }

  const isUpgrade = upgradeValue !== undefined && connectionTokens.has('upgrade');
  if (isUpgrade && !allowedUpgrades.has(upgradeValue as string)) {
    throw new HeaderRejectedError(
      'HEADER_UPGRADE_NOT_ALLOWED',
      `upgrade to ${JSON.stringify(upgradeValue)} is not allowed`,
    );
  }

  const kept: HeaderLine[] = [];
  for (const [name, value] of lines) {
    const lower = name.toLowerCase();
    if (isIdentityHeader(lower) || perHop.has(lower)) continue;
    if (hopByHop.has(lower) || connectionTokens.has(lower)) continue;
    if (upgradeHeaders(lower) && !isUpgrade) continue;
    kept.push([name, value]);
  }
  if (!isUpgrade) return { headers: kept };
  kept.push(['Connection', 'Upgrade'], ['Upgrade', upgradeValue === 'websocket' ? 'websocket' : 'SPDY/3.1']);
  return { headers: kept, upgrade: upgradeValue as 'websocket' | 'spdy/3.1' };
}
