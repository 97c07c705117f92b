/**
 * The broker end: accepts agents' WebSocket upgrades on one path, authenticates each before it becomes a
 * session (a refused agent gets a plain HTTP 401/403 with the reason, and no stream ever opens), binds
 * the cluster identity to the connection and keeps the live sessions by cluster name.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { STATUS_CODES } from 'node:http';
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import { TunnelAuthError, TunnelUnavailableError } from './errors.js';
import type { TunnelClosedError } from './errors.js';
import { MAX_MESSAGE_BYTES, SUBPROTOCOL } from './frame.js';
import { silentLogger } from './logger.js';
import type { TunnelLogger } from './logger.js';
import { SessionRegistry } from './session-registry.js';
import { defaultSessionSettings } from './session-settings.js';
import type { SessionSettings } from './session-settings.js';
import { TunnelSession } from './session.js';
import type { TunnelStream } from './stream.js';

/** Who an agent is, as decided by `authenticate`; `clusterName` binds the connection to one cluster. */
export interface AgentIdentity {
  clusterName: string;
  [key: string]: unknown;
}

/**
 * Checks the agent's credential on the upgrade request (headers, TLS client certificate). Throw
 * TunnelAuthError to refuse with its status and reason; any other error refuses with a generic 401.
 */
export type AuthenticateAgent = (request: IncomingMessage) => Promise<AgentIdentity> | AgentIdentity;

export interface TunnelServerOptions {
  authenticate: AuthenticateAgent;
  /** URL path agents connect to. Default `/tunnel/v1`. */
  path?: string;
  session?: SessionSettings;
  logger?: TunnelLogger;
  /** Called each time a broker-side stream waits for credit (for a metrics counter). */
  onFlowControlStall?: () => void;
}

export interface TunnelServerEvents {
  /** An agent connected, authenticated and finished the handshake. */
  session: [session: TunnelSession];
  sessionClosed: [session: TunnelSession, error: TunnelClosedError];
}

export class TunnelServer extends EventEmitter<TunnelServerEvents> {
  readonly path: string;
  private readonly authenticate: AuthenticateAgent;
  private readonly settings: SessionSettings;
  /** Called each time a stream of a session started from now on waits for credit (for a metrics counter). */
  onFlowControlStall: (() => void) | undefined;
  private readonly logger: TunnelLogger;
  private readonly wss: WebSocketServer;
  private readonly registry = new SessionRegistry();
  /** Every session including those still handshaking, so shutdown reaches them all. */
  private readonly live = new Set<TunnelSession>();
  private draining = false;
  private closed = false;

  constructor(options: TunnelServerOptions) {
    super();
    this.authenticate = options.authenticate;
    this.path = options.path ?? '/tunnel/v1';
    this.settings = options.session ?? {};
    this.onFlowControlStall = options.onFlowControlStall;
    this.logger = options.logger ?? silentLogger;
    this.wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      perMessageDeflate: false,
      maxPayload: MAX_MESSAGE_BYTES,
      handleProtocols: (offered) => (offered.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
    });
  }

  /**
   * Handles upgrades for `path` on this HTTP(S) server; upgrades to other paths are left to the
   * server's other 'upgrade' listeners. Returns a function that detaches again.
   */
  attach(server: HttpServer | HttpsServer): () => void {
    const listener = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
      this.handleUpgrade(request, socket, head);
    };
    server.on('upgrade', listener);
    return () => server.off('upgrade', listener);
  }

  /** For callers that route upgrades themselves: returns false (and does nothing) for other paths. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    if (pathOf(request) !== this.path) return false;
    void this.accept(request, socket, head);
    return true;
  }

  /** A session of this cluster to open a stream on: round robin over healthy, non-draining ones. */
  sessionFor(clusterName: string): TunnelSession | undefined {
    const keepalive = this.settings.keepaliveIntervalMs ?? defaultSessionSettings.keepaliveIntervalMs;
    return this.registry.pick(clusterName, 2 * keepalive);
  }

  sessionsFor(clusterName: string): readonly TunnelSession[] {
    return this.registry.list(clusterName);
  }

  /** Clusters with at least one connected agent. */
  clusterNames(): string[] {
    return this.registry.clusterNames();
  }

  /** Opens a stream to an agent of this cluster; throws TunnelUnavailableError when none can take it. */
  openStream(clusterName: string, head: object): TunnelStream {
    const session = this.sessionFor(clusterName);
    if (!session) throw new TunnelUnavailableError(clusterName);
    return session.openStream(head);
  }

  /** Refuses new agents (503) and drains every session: in-flight streams get until `deadlineMs`. */
  async drain(deadlineMs = 30_000): Promise<void> {
    this.draining = true;
    await Promise.all([...this.live].map((session) => session.drain(deadlineMs, 'broker shutting down')));
  }

  /** Closes every session now; their open streams fail with TunnelClosedError. */
  close(reason = 'broker shutting down'): void {
    this.closed = true;
    for (const session of [...this.live]) session.close(reason);
    this.wss.close();
  }

  private async accept(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const remote = request.socket.remoteAddress;
    const onEarlyError = (error: Error): void => {
      this.logger.debug({ remote, reason: error.message }, 'agent socket failed during the upgrade');
    };
    socket.on('error', onEarlyError);
    try {
      if (this.closed || this.draining) {
        refuse(socket, 503, 'the broker is shutting down; connect again later');
        return;
      }
      const offered = String(request.headers['sec-websocket-protocol'] ?? '')
        .split(',')
        .map((protocol) => protocol.trim())
        .filter(Boolean);
      if (!offered.includes(SUBPROTOCOL)) {
        const reason = `unsupported tunnel protocol (offered: ${offered.join(', ') || 'none'}); this broker speaks ${SUBPROTOCOL}`;
        this.logger.warn({ remote, offered }, reason);
        refuse(socket, 400, reason);
        return;
      }
      let identity: AgentIdentity;
      try {
        identity = await this.authenticate(request);
      } catch (error) {
        if (error instanceof TunnelAuthError) {
          this.logger.warn({ remote, status: error.status, reason: error.message }, 'agent refused');
          refuse(socket, error.status, error.message);
        } else {
          this.logger.warn({ remote, err: error }, 'agent authentication failed');
          refuse(socket, 401, 'agent authentication failed');
        }
        return;
      }
      if (typeof identity?.clusterName !== 'string' || identity.clusterName === '') {
        this.logger.error({ remote }, 'authenticate returned no cluster name; refusing the agent');
        refuse(socket, 401, 'agent authentication failed');
        return;
      }
      if (socket.destroyed) return;
      if (this.closed || this.draining) {
        refuse(socket, 503, 'the broker is shutting down; connect again later');
        return;
      }
      this.wss.handleUpgrade(request, socket, head, (ws) => this.startSession(ws, identity, remote));
    } catch (error) {
      this.logger.error({ remote, err: error }, 'tunnel upgrade failed');
      socket.destroy();
    } finally {
      socket.off('error', onEarlyError);
    }
  }

  private startSession(ws: WebSocket, identity: AgentIdentity, remote: string | undefined): void {
    const { clusterName } = identity;
    const id = randomUUID();
    const session = new TunnelSession(ws, {
      ...this.settings,
      role: 'server',
      id,
      clusterName,
      identity,
      logger: this.logger,
      info: { clusterName, sessionId: id },
      ...(this.onFlowControlStall ? { onFlowControlStall: this.onFlowControlStall } : {}),
    });
    this.live.add(session);
    this.logger.info({ cluster: clusterName, session: id, remote }, 'agent connected');
    session.once('close', (error) => {
      this.live.delete(session);
      if (!this.registry.remove(clusterName, session)) return;
      this.logger.info({ cluster: clusterName, session: id, reason: error.reason }, 'agent disconnected');
      this.emitSafely('sessionClosed', session, error);
    });
    session.ready.then(
      () => {
        if (this.closed) {
          session.close('broker shutting down');
          return;
        }
        this.registry.add(clusterName, session);
        this.emitSafely('session', session);
        if (this.draining) void session.drain(undefined, 'broker shutting down');
      },
      () => {}, // closed during the handshake; the session logged why
    );
  }

  /** A throwing listener must not become an unhandled rejection that takes the broker down. */
  private emitSafely<K extends keyof TunnelServerEvents>(event: K, ...args: TunnelServerEvents[K]): void {
    try {
      (this.emit as (event: K, ...args: TunnelServerEvents[K]) => boolean)(event, ...args);
    } catch (error) {
      this.logger.error({ event, err: error }, 'tunnel server listener threw');
    }
  }
}

function pathOf(request: IncomingMessage): string | undefined {
  try {
    return new URL(request.url ?? '/', 'http://tunnel.invalid').pathname;
  } catch {
    return undefined;
  }
}

/** Answers the upgrade request with a plain HTTP error the agent can log. */
function refuse(socket: Duplex, status: number, reason: string): void {
  if (socket.destroyed) return;
  // The agent may reset the connection once it has read the answer; that must not crash the broker.
  socket.on('error', () => socket.destroy());
  const body = `${reason}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n` +
      'Connection: close\r\n' +
      'Content-Type: text/plain; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      '\r\n' +
      body,
  );
  setTimeout(() => socket.destroy(), 1_000).unref();
}
