import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { rejectUpgrade } from '../upgrade/reject-upgrade.js';
import { headerTokens, isSpdyUpgrade } from '../upgrade/upgrade-request.js';

/**
 * The HTTP half of a SPDY/3.1 upgrade (apimachinery httpstream.Handshake + spdy.UpgradeResponse):
 * picks the first X-Stream-Protocol-Version the client lists that the server supports and answers
 * 101. Returns the protocol, or undefined after answering with the error the kubelet would.
 */
export function negotiateSpdyUpgrade(
  req: IncomingMessage,
  socket: Duplex,
  serverProtocols: readonly string[],
): string | undefined {
  if (!isSpdyUpgrade(req)) {
    rejectUpgrade(socket, 400, 'unable to upgrade: missing upgrade headers in request');
    return undefined;
  }
  const clientProtocols = headerTokens(req, 'x-stream-protocol-version');
  if (clientProtocols.length === 0) {
    rejectUpgrade(socket, 400, 'unable to upgrade: X-Stream-Protocol-Version is required');
    return undefined;
  }
  const protocol = clientProtocols.find((candidate) => serverProtocols.includes(candidate));
  if (protocol === undefined) {
    rejectUpgrade(
      socket,
      403,
      `unable to upgrade: unable to negotiate protocol: client supports [${clientProtocols.join(' ')}], server accepts [${serverProtocols.join(' ')}]`,
      serverProtocols.map((accepted) => ['X-Accepted-Stream-Protocol-Versions', accepted]),
    );
    return undefined;
  }
  socket.write(
    [
      'HTTP/1.1 101 Switching Protocols',
      'Connection: Upgrade',
      'Upgrade: SPDY/3.1',
      `X-Stream-Protocol-Version: ${protocol}`,
      `Date: ${new Date().toUTCString()}`,
      '',
      '',
    ].join('\r\n'),
  );
  return protocol;
}
