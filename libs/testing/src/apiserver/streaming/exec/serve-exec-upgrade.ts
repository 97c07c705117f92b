import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { PodStreamContext } from '../pod-view.js';
import { negotiateSpdyUpgrade } from '../spdy/spdy-upgrade.js';
import { rejectUpgrade } from '../upgrade/reject-upgrade.js';
import { isWebSocketUpgrade } from '../upgrade/upgrade-request.js';
import { acceptWebSocket } from '../upgrade/websocket-upgrade.js';
import { EXEC_WEBSOCKET_PROTOCOLS } from './channel-protocol.js';
import { parseExecOptions } from './exec-options.js';
import { runSpdyExec } from './spdy-exec-session.js';
import { runWebSocketExec } from './websocket-exec-session.js';

/** SPDY exec protocols in the kubelet's order of preference (v5 exists only over WebSocket). */
const EXEC_SPDY_PROTOCOLS = ['v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io'];

/**
 * Takes over an authorised exec or attach upgrade: WebSocket (GET, v5…v1 channel protocols) or
 * SPDY/3.1 (POST with X-Stream-Protocol-Version). See README.md for what the container runs.
 */
export function serveExecUpgrade(
  kind: 'exec' | 'attach',
  ctx: PodStreamContext,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
): void {
  socket.on('error', () => socket.destroy());
  const options = parseExecOptions(ctx.query);
  if (isWebSocketUpgrade(req)) {
    acceptWebSocket(req, socket, head, EXEC_WEBSOCKET_PROTOCOLS, true, (ws, protocol) => {
      runWebSocketExec(kind, ctx, ws, protocol === '' ? 'channel.k8s.io' : protocol, options);
    });
    return;
  }
  const upgrade = req.headers.upgrade;
  if (upgrade === undefined || !/spdy\/3\.1/i.test(upgrade)) {
    rejectUpgrade(socket, 400, 'Upgrade request required');
    return;
  }
  const protocol = negotiateSpdyUpgrade(req, socket, EXEC_SPDY_PROTOCOLS);
  if (protocol !== undefined) runSpdyExec(kind, ctx, socket, head, protocol, options);
}
