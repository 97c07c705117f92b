/**
 * The agent end: dials out to the broker, keeps one session up, and reconnects with exponential backoff
 * and full jitter whenever it drops or is refused. When the broker starts draining (GOAWAY) the client
 * dials a fresh session at once while the old one finishes its in-flight streams.
 */
import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { checkServerIdentity } from 'node:tls';
import { WebSocket } from 'ws';
import { ExponentialBackoff } from './backoff.js';
import type { BackoffOptions } from './backoff.js';
import { TunnelRejectedError } from './errors.js';
import type { TunnelClosedError } from './errors.js';
import { MAX_MESSAGE_BYTES, SUBPROTOCOL } from './frame.js';
import { silentLogger } from './logger.js';
import type { TunnelLogger } from './logger.js';
import { TunnelSession } from './session.js';
import type { SessionSettings } from './session-settings.js';
import type { TunnelStream } from './stream.js';

type Headers = Record<string, string>;

export interface TunnelClientOptions {
  /** The broker's tunnel endpoint, e.g. `wss://broker.example.com/tunnel/v1`. */
  url: string;
  /** Sent on every connect, e.g. the agent credential. */
  headers?: Headers;
  /** Called before every connect, for credentials that rotate; merged over `headers`. */
  getHeaders?: () => Headers | Promise<Headers>;
  /** CA bundle to trust for a broker with a private CA. */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Client certificate and key, for brokers that authenticate agents with mTLS. */
  cert?: string | Buffer;
  key?: string | Buffer;
  /**
   * The name the broker's certificate must carry when `url` names it otherwise, e.g. a replica dialed
   * at its pod IP: sent as SNI (unless an IP) and checked against the certificate instead of the URL host.
   */
  tlsServerName?: string;
  /** Every stream the broker opens; `stream.head` says what it is for. */
  onStream: (stream: TunnelStream, session: TunnelSession) => void;
  /** Delays between attempts. Default base 500 ms, max 30 s. */
  reconnect?: BackoffOptions;
  /** Limit for the TCP connect, TLS and HTTP upgrade together. Default 10 s. */
  connectTimeoutMs?: number;
  session?: SessionSettings;
  /** Sent to the broker in HELLO, e.g. the agent version. */
  info?: Record<string, unknown>;
  logger?: TunnelLogger;
  /** Called each time an agent-side stream waits for credit (for a metrics counter). */
  onFlowControlStall?: () => void;
}

export interface TunnelClientEvents {
  connected: [session: TunnelSession];
  /** A session that had been connected closed; `retryInMs` when a new connection is scheduled. */
  disconnected: [event: { session: TunnelSession; error: TunnelClosedError; retryInMs: number | undefined }];
  /** A connection attempt failed (refused, unreachable, handshake timeout). */
  connectFailed: [event: { error: Error; retryInMs: number }];
}

const MAX_REFUSAL_BODY = 4096;

export class TunnelClient extends EventEmitter<TunnelClientEvents> {
  private readonly backoff: ExponentialBackoff;
  private readonly logger: TunnelLogger;
  private readonly sessions = new Set<TunnelSession>();
  private current: TunnelSession | undefined;
  private pendingSocket: WebSocket | undefined;
  private attempting = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private started = false;
  private stopped = false;

  constructor(private readonly options: TunnelClientOptions) {
    super();
    const url = new URL(options.url);
    if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
      throw new TypeError(`tunnel url must be ws:// or wss://, got ${url.protocol}`);
    }
    this.backoff = new ExponentialBackoff(options.reconnect);
    this.logger = options.logger ?? silentLogger;
  }

  /** The newest connected session; undefined while (re)connecting. */
  get session(): TunnelSession | undefined {
    return this.current;
  }

  get connected(): boolean {
    return this.current?.state === 'open';
  }

  /** Starts connecting; keeps reconnecting until `close()`. */
  start(): this {
    if (!this.started) {
      this.started = true;
      void this.connect();
    }
    return this;
  }

  /** Stops reconnecting and drains every session: in-flight streams get until `deadlineMs`. */
  async close(deadlineMs = 30_000): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.pendingSocket?.terminate();
    this.current = undefined;
    await Promise.all([...this.sessions].map((session) => session.drain(deadlineMs, 'agent shutting down')));
  }

  private async connect(): Promise<void> {
    this.retryTimer = undefined;
    if (this.stopped || this.attempting) return;
    this.attempting = true;
    let headers: Headers;
    try {
      headers = { ...this.options.headers, ...(await this.options.getHeaders?.()) };
    } catch (error) {
      this.attemptFailed(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    if (this.stopped) {
      this.attempting = false;
      return;
    }
    const { ca, cert, key, tlsServerName } = this.options;
    const ws = new WebSocket(this.options.url, [SUBPROTOCOL], {
      headers,
      ca,
      cert,
      key,
      ...(tlsServerName === undefined
        ? {}
        : {
            ...(isIP(tlsServerName) === 0 ? { servername: tlsServerName } : {}),
            checkServerIdentity: (_host: string, peer: Parameters<typeof checkServerIdentity>[1]) =>
              checkServerIdentity(tlsServerName, peer),
          }),
      perMessageDeflate: false,
      maxPayload: MAX_MESSAGE_BYTES,
      handshakeTimeout: this.options.connectTimeoutMs ?? 10_000,
    });
    this.pendingSocket = ws;
    let settled = false;
    const fail = (error: Error): void => {
      if (settled) return;
      settled = true;
      this.pendingSocket = undefined;
      ws.terminate();
      this.attemptFailed(error);
    };
    const onError = (error: Error): void => fail(error);
    const onClose = (code: number): void => fail(new Error(`connection closed during the upgrade (${code})`));
    ws.on('error', onError);
    ws.once('close', onClose);
    ws.once('unexpected-response', (request, response) => {
      void readRefusal(response).then((reason) => {
        fail(new TunnelRejectedError(response.statusCode ?? 0, reason));
        request.destroy();
      });
    });
    ws.once('open', () => {
      if (settled) return;
      settled = true;
      this.pendingSocket = undefined;
      ws.off('close', onClose);
      ws.off('error', onError);
      this.startSession(ws);
    });
  }

  private startSession(ws: WebSocket): void {
    const session = new TunnelSession(ws, {
      ...this.options.session,
      role: 'client',
      logger: this.logger,
      info: this.options.info,
      ...(this.options.onFlowControlStall ? { onFlowControlStall: this.options.onFlowControlStall } : {}),
    });
    this.sessions.add(session);
    let wasReady = false;
    session.on('stream', (stream) => this.options.onStream(stream, session));
    session.once('goaway', (reason) => {
      if (this.current !== session) return;
      // The broker is going away: dial a replacement now; this session keeps its in-flight streams.
      this.current = undefined;
      this.logger.info(
        { cluster: session.clusterName, reason },
        'broker is draining the tunnel; reconnecting',
      );
      this.scheduleReconnect();
    });
    session.once('close', (error) => {
      this.sessions.delete(session);
      if (this.current === session) this.current = undefined;
      if (!wasReady) return; // the attempt's failure is handled through `ready`
      const retryInMs = this.scheduleReconnect();
      this.logger.warn(
        { cluster: session.clusterName, reason: error.reason, retryInMs },
        'tunnel disconnected',
      );
      this.emit('disconnected', { session, error, retryInMs });
    });
    session.ready.then(
      () => {
        wasReady = true;
        this.attempting = false;
        if (this.stopped) {
          void session.drain(0, 'agent shutting down');
          return;
        }
        this.backoff.reset();
        this.current = session;
        this.logger.info({ cluster: session.clusterName, session: session.id }, 'tunnel connected');
        this.emit('connected', session);
      },
      (error: Error) => this.attemptFailed(error),
    );
  }

  private attemptFailed(error: Error): void {
    this.attempting = false;
    const retryInMs = this.scheduleReconnect();
    if (retryInMs === undefined) return;
    this.logger.warn(
      { url: this.options.url, attempt: this.backoff.attempts, retryInMs, reason: error.message },
      'tunnel connect failed',
    );
    this.emit('connectFailed', { error, retryInMs });
  }

  /** Returns the delay if a reconnect was scheduled, undefined if one is already underway or not wanted. */
  private scheduleReconnect(): number | undefined {
    if (this.stopped || this.current || this.attempting || this.retryTimer) return undefined;
    const delayMs = this.backoff.next();
    this.retryTimer = setTimeout(() => void this.connect(), delayMs);
    return delayMs;
  }
}

/** The broker's reason for refusing, from the HTTP response body (bounded, and given up on after 2 s). */
function readRefusal(response: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (): void => {
      clearTimeout(timer);
      const body = Buffer.concat(chunks).toString('utf8').trim();
      resolve(body || response.statusMessage || 'no reason given');
    };
    const timer = setTimeout(done, 2_000);
    response.on('data', (chunk: Buffer) => {
      if (size < MAX_REFUSAL_BODY) chunks.push(chunk.subarray(0, MAX_REFUSAL_BODY - size));
      size += chunk.length;
    });
    response.once('end', done);
    response.once('error', done);
    response.once('close', done);
  });
}
