import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { rejectUpgrade } from './reject-upgrade.js';
import { headerTokens } from './upgrade-request.js';

/** kubectl's stdin writes are at most 32 KiB; anything far larger is not a client we serve. */
const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

/**
 * Completes a WebSocket handshake choosing the first of `serverProtocols` (newest first) that the
 * client offered. A client offering none of them gets 400, which kubectl treats as an upgrade
 * failure (and falls back to SPDY). `allowNoProtocol` accepts clients that offer no subprotocol.
 */
export function acceptWebSocket(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  serverProtocols: readonly string[],
  allowNoProtocol: boolean,
  onOpen: (ws: WebSocket, protocol: string) => void,
): void {
  const offered = headerTokens(req, 'sec-websocket-protocol');
  let chosen: string | undefined;
  if (offered.length === 0 && allowNoProtocol) chosen = '';
  else chosen = serverProtocols.find((protocol) => offered.includes(protocol));
  if (chosen === undefined) {
    rejectUpgrade(
      socket,
      400,
      `unable to upgrade: requested protocol(s) are not supported: [${offered.join(' ')}]; supports [${serverProtocols.join(' ')}]`,
    );
    return;
  }
  const protocol = chosen;
  const server = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    perMessageDeflate: false,
    maxPayload: MAX_MESSAGE_BYTES,
  });
  // `ws` rejects subprotocols that are not RFC 6455 tokens, and kubectl's port-forward protocol
  // `SPDY/3.1+portforward.k8s.io` contains a '/': negotiate here and answer the header ourselves.
  delete req.headers['sec-websocket-protocol'];
  if (protocol !== '')
    server.on('headers', (headers: string[]) => headers.push(`Sec-WebSocket-Protocol: ${protocol}`));
  server.handleUpgrade(req, socket, head, (ws) => {
    // Errors surface as 'close' to the session; unhandled they would end the process.
    ws.on('error', () => ws.terminate());
    onOpen(ws, protocol);
  });
}
