import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { createWebSocketStream } from 'ws';
import type { PodStreamContext } from '../pod-view.js';
import { negotiateSpdyUpgrade } from '../spdy/spdy-upgrade.js';
import { rejectUpgrade } from '../upgrade/reject-upgrade.js';
import { isWebSocketUpgrade } from '../upgrade/upgrade-request.js';
import { acceptWebSocket } from '../upgrade/websocket-upgrade.js';
import { servePortForwardStreams } from './port-forward-session.js';

const PORT_FORWARD_PROTOCOL = 'portforward.k8s.io';
/** kubectl ≥ 1.31 tunnels the SPDY session inside WebSocket binary messages under this subprotocol. */
const TUNNELED_PORT_FORWARD_PROTOCOL = `SPDY/3.1+${PORT_FORWARD_PROTOCOL}`;

/** Takes over an authorised port-forward upgrade: SPDY tunnelled in WebSocket, or plain SPDY/3.1. */
export function servePortForwardUpgrade(
  ctx: PodStreamContext,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
): void {
  socket.on('error', () => socket.destroy());
  if (isWebSocketUpgrade(req)) {
    acceptWebSocket(req, socket, head, [TUNNELED_PORT_FORWARD_PROTOCOL], false, (ws) => {
      const tunnel = createWebSocketStream(ws);
      tunnel.on('error', () => tunnel.destroy());
      servePortForwardStreams(ctx, tunnel);
    });
    return;
  }
  const upgrade = req.headers.upgrade;
  if (upgrade === undefined || !/spdy\/3\.1/i.test(upgrade)) {
    rejectUpgrade(socket, 400, 'Upgrade request required');
    return;
  }
  if (negotiateSpdyUpgrade(req, socket, [PORT_FORWARD_PROTOCOL]) !== undefined) {
    servePortForwardStreams(ctx, socket, head);
  }
}
