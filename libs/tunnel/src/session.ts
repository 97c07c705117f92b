/**
 * One multiplexed connection over one WebSocket. Symmetric: either side may open streams (the broker
 * opens them towards the agent). Owns the handshake, frame dispatch, stream table, keepalive and drain;
 * anything the peer does wrong closes the connection with a logged reason and never throws out.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { WebSocket } from 'ws';
import type { RawData } from 'ws';
import {
  TunnelClosedError,
  TunnelDrainingError,
  TunnelProtocolError,
  TunnelStreamHeadTooLargeError,
  TunnelStreamResetError,
} from './errors.js';
import {
  CloseCode,
  FLAG_FIN,
  FrameType,
  closeReason,
  decodeGoAway,
  decodeHello,
  decodeOpen,
  decodeReset,
  decodeWindowUpdate,
  encodeGoAway,
  encodeHello,
  encodeOpen,
  encodeReset,
} from './frame.js';
import type { Frame, Hello, HelloSettings } from './frame.js';
import { WindowBudget } from './flow-control.js';
import { Keepalive } from './keepalive.js';
import { silentLogger } from './logger.js';
import type { TunnelLogger } from './logger.js';
import { MessageReader } from './message-reader.js';
import { FairScheduler } from './scheduler.js';
import { resolveSessionSettings } from './session-settings.js';
import type { SessionSettings } from './session-settings.js';
import { StreamTable } from './stream-table.js';
import { TunnelStream } from './stream.js';
import type { StreamController, StreamHead } from './stream.js';

export interface SessionOptions extends SessionSettings {
  /** The WebSocket client uses odd stream ids, the server even ones. */
  role: 'client' | 'server';
  logger?: TunnelLogger;
  /** Named in errors and logs; the client learns it from the broker's HELLO when not given. */
  clusterName?: string;
  /** Sent to the peer in HELLO. */
  info?: Record<string, unknown>;
  /** Who the peer authenticated as (the broker sets the agent's identity). */
  identity?: Readonly<Record<string, unknown>>;
  /** Session id for logs on both sides; a random UUID when not given. */
  id?: string;
  /** Counts flow-control stalls: a stream of this side ran out of send credit with bytes waiting. */
  onFlowControlStall?: () => void;
}

export type SessionState = 'handshaking' | 'open' | 'closed';

export interface TunnelSessionEvents {
  ready: [];
  stream: [stream: TunnelStream];
  /** The peer is draining: it accepts no new streams; its in-flight ones continue. */
  goaway: [reason: string];
  close: [error: TunnelClosedError];
}

/** How long a close handshake may take before the socket is destroyed. */
const CLOSE_GRACE_MS = 2_000;

export class TunnelSession extends EventEmitter<TunnelSessionEvents> {
  readonly id: string;
  readonly role: 'client' | 'server';
  /** Who the peer authenticated as, when this side checked it. */
  readonly identity: Readonly<Record<string, unknown>> | undefined;
  /** Resolves once both HELLOs are exchanged; rejects with TunnelClosedError if the session dies first. */
  readonly ready: Promise<void>;
  clusterName: string | undefined;
  /** What the peer sent in its HELLO. */
  peerInfo: Record<string, unknown> = {};

  private sessionState: SessionState = 'handshaking';
  private closeError: TunnelClosedError | undefined;
  private socketError: Error | undefined;
  private draining = false;
  private peerGoAway: string | undefined;
  private drainPromise: Promise<void> | undefined;
  private onIdle: (() => void) | undefined;
  private readonly streams: StreamTable;
  private readonly reader: MessageReader;
  private readonly local: HelloSettings;
  private peer: HelloSettings | undefined;
  private readonly settings: Required<SessionSettings>;
  private readonly logger: TunnelLogger;
  private readonly scheduler: FairScheduler;
  private readonly keepalive: Keepalive;
  private readonly budget: WindowBudget;
  private handshakeTimer: NodeJS.Timeout | undefined;
  private resolveReady!: () => void;
  private rejectReady!: (error: TunnelClosedError) => void;
  private readonly controller: StreamController;

  constructor(
    private readonly ws: WebSocket,
    options: SessionOptions,
  ) {
    super();
    this.id = options.id ?? randomUUID();
    this.role = options.role;
    this.identity = options.identity;
    this.clusterName = options.clusterName;
    this.logger = options.logger ?? silentLogger;
    this.settings = resolveSessionSettings(options);
    this.local = {
      initialWindow: this.settings.initialWindow,
      maxFramePayload: this.settings.maxFramePayload,
      maxConcurrentStreams: this.settings.maxConcurrentStreams,
    };
    this.streams = new StreamTable(this.role);
    this.reader = new MessageReader(this.local.maxFramePayload);
    this.budget = new WindowBudget(
      Math.max(this.settings.maxWindow, this.settings.initialWindow),
      this.settings.windowGrowthBudget,
    );
    this.ready = new Promise<void>((resolve, reject) => {
      this.resolveReady = resolve;
      this.rejectReady = reject;
    });
    this.ready.catch(() => {});
    this.controller = {
      markReady: (stream) => this.scheduler.markReady(stream),
      grantCredit: (stream, increment) => this.scheduler.grantCredit(stream.id, increment),
      resetStream: (stream, code, reason) => {
        if (this.forget(stream)) this.scheduler.sendControl(encodeReset(stream.id, code, reason));
      },
      streamDone: (stream) => void this.forget(stream),
      ...(options.onFlowControlStall ? { creditStalled: options.onFlowControlStall } : {}),
    };
    this.scheduler = new FairScheduler(this.sendMessage, {
      batchBytes: this.settings.batchBytes,
      highWaterMark: this.settings.socketHighWaterMark,
      maxFramePayload: this.settings.maxFramePayload,
    });
    this.keepalive = new Keepalive(
      { intervalMs: this.settings.keepaliveIntervalMs, timeoutMs: this.settings.keepaliveTimeoutMs },
      () => this.ws.readyState === WebSocket.OPEN && this.ws.ping(),
      (silentMs) =>
        this.terminate(`no traffic from the peer for ${Math.round(silentMs)} ms (keepalive timeout)`),
    );

    ws.binaryType = 'nodebuffer';
    ws.on('message', this.onMessage);
    ws.on('ping', this.onHeard);
    ws.on('pong', this.onPong);
    ws.on('error', this.onSocketError);
    ws.on('close', this.onSocketClose);
    if (ws.readyState !== WebSocket.OPEN) {
      this.shutdown(new TunnelClosedError('the WebSocket is not open', this.clusterName));
      return;
    }
    this.handshakeTimer = setTimeout(() => {
      const error = new TunnelProtocolError(
        `no HELLO from the peer within ${this.settings.handshakeTimeoutMs} ms`,
        CloseCode.HandshakeTimeout,
      );
      this.fail(error);
    }, this.settings.handshakeTimeoutMs);
    this.handshakeTimer.unref();
    this.keepalive.start();
    ws.send(encodeHello({ ...this.local, info: options.info ?? {} }), { binary: true, compress: false });
  }

  get state(): SessionState {
    return this.sessionState;
  }

  /** Neither side is draining and the handshake is done: `openStream` will succeed. */
  get acceptingStreams(): boolean {
    return this.sessionState === 'open' && !this.draining && this.peerGoAway === undefined;
  }

  get isDraining(): boolean {
    return this.draining;
  }

  /** Streams not yet finished in both directions. */
  get streamCount(): number {
    return this.streams.size;
  }

  /** Milliseconds since anything arrived from the peer. */
  get silentMs(): number {
    return this.keepalive.silentMs;
  }

  /** Latest round trip measured with a WebSocket ping, once known. */
  get rttMs(): number | undefined {
    return this.budget.rttMs;
  }

  /** Bytes waiting in the socket (bounded by socketHighWaterMark plus control frames). */
  get socketBufferedBytes(): number {
    return this.scheduler.bufferedBytes;
  }

  /** The error the session closed with, once closed. */
  get closedWith(): TunnelClosedError | undefined {
    return this.closeError;
  }

  /**
   * Opens a stream towards the peer; `head` (a JSON object) reaches the peer's 'stream' listener as
   * `stream.head`. Throws TunnelClosedError, TunnelDrainingError or TunnelStreamHeadTooLargeError.
   */
  openStream(head: object): TunnelStream {
    if (this.sessionState === 'closed') {
      throw this.closeError ?? new TunnelClosedError('session closed', this.clusterName);
    }
    if (this.sessionState === 'handshaking' || !this.peer) {
      throw new TunnelClosedError('the tunnel handshake has not completed', this.clusterName);
    }
    if (this.draining) throw new TunnelDrainingError('this side is shutting down', this.clusterName);
    if (this.peerGoAway !== undefined) {
      throw new TunnelDrainingError(`the peer is shutting down (${this.peerGoAway})`, this.clusterName);
    }
    const encoded = Buffer.from(JSON.stringify(head), 'utf8');
    if (encoded.length > this.peer.maxFramePayload) {
      throw new TunnelStreamHeadTooLargeError(encoded.length, this.peer.maxFramePayload);
    }
    const id = this.streams.allocateLocalId();
    if (id === undefined) {
      // Ids never repeat on a connection; a fresh connection starts over.
      void this.drain(undefined, 'stream ids exhausted');
      throw new TunnelDrainingError('stream ids on this connection are exhausted', this.clusterName);
    }
    const stream = this.createStream(id, head as StreamHead, 'local');
    this.scheduler.sendControl(encodeOpen(id, encoded));
    return stream;
  }

  /**
   * Graceful shutdown: tells the peer (GOAWAY) and refuses new streams, lets in-flight ones finish,
   * resets whatever is left after `deadlineMs`, then closes the connection.
   */
  drain(deadlineMs = 30_000, reason = 'shutting down'): Promise<void> {
    if (this.sessionState === 'closed') return Promise.resolve();
    if (!this.draining) {
      this.draining = true;
      this.logger.info(
        { ...this.logFields(), streams: this.streams.size, deadlineMs, reason },
        'tunnel draining',
      );
      if (this.sessionState === 'open') this.scheduler.sendControl(encodeGoAway(reason));
    }
    this.drainPromise ??= new Promise<void>((resolve) => {
      const finish = (): void => {
        clearTimeout(timer);
        this.onIdle = undefined;
        this.closeGracefully(CloseCode.Normal, `drained: ${reason}`);
        resolve();
      };
      const expire = (): void => {
        const message = `tunnel drain deadline of ${deadlineMs} ms exceeded`;
        this.logger.warn({ ...this.logFields(), streams: this.streams.size }, message);
        for (const stream of this.streams.values()) {
          stream.destroy(new TunnelStreamResetError('DRAIN_TIMEOUT', message, false));
        }
        finish();
      };
      const idle = this.streams.size === 0 || this.sessionState !== 'open';
      const timer = idle ? undefined : setTimeout(expire, deadlineMs);
      if (idle) process.nextTick(finish);
      else this.onIdle = finish;
    });
    return this.drainPromise;
  }

  /** Closes now: every open stream fails with TunnelClosedError carrying `reason`. */
  close(reason = 'closed by this side'): void {
    if (this.sessionState === 'closed') return;
    this.scheduler.flushNow();
    this.closeSocket(CloseCode.GoingAway, reason);
    this.shutdown(new TunnelClosedError(reason, this.clusterName, CloseCode.GoingAway));
  }

  /** Drops the connection without a close handshake (the peer is unresponsive). */
  terminate(reason: string): void {
    if (this.sessionState === 'closed') return;
    this.logger.warn({ ...this.logFields(), reason }, 'tunnel terminated');
    this.ws.terminate();
    this.shutdown(new TunnelClosedError(reason, this.clusterName));
  }

  // ---- Inbound -------------------------------------------------------------------------------------

  private readonly onHeard = (): void => this.keepalive.touch();

  private readonly onPong = (): void => {
    this.budget.rttMs = this.keepalive.pong() ?? this.budget.rttMs;
  };

  private readonly onMessage = (data: RawData, isBinary: boolean): void => {
    this.keepalive.touch();
    if (this.sessionState === 'closed') return;
    try {
      if (!isBinary) throw new TunnelProtocolError('text message on the tunnel');
      for (const frame of this.reader.read(data as Buffer)) {
        this.dispatch(frame);
        // A frame may have closed the session (a stream handler that closed it, for one).
        if ((this.sessionState as SessionState) === 'closed') return;
      }
    } catch (error) {
      this.fail(
        error instanceof TunnelProtocolError
          ? error
          : new TunnelProtocolError(`internal error while handling a frame: ${describe(error)}`, 1011),
      );
    }
  };

  private dispatch(frame: Frame): void {
    if (this.sessionState === 'handshaking') {
      if (frame.type !== FrameType.Hello) {
        throw new TunnelProtocolError(`expected HELLO, got frame type ${frame.type}`);
      }
      this.onHello(decodeHello(frame.payload));
      return;
    }
    switch (frame.type) {
      case FrameType.Hello:
        throw new TunnelProtocolError('HELLO sent twice');
      case FrameType.Open:
        this.onOpen(frame.streamId, frame.payload);
        return;
      case FrameType.Data: {
        const violation = this.streams
          .target(frame.streamId, 'DATA')
          ?.onData(frame.payload, (frame.flags & FLAG_FIN) !== 0);
        if (violation) throw new TunnelProtocolError(violation);
        return;
      }
      case FrameType.WindowUpdate: {
        const increment = decodeWindowUpdate(frame.payload);
        this.streams.target(frame.streamId, 'WINDOW_UPDATE')?.onWindowUpdate(increment);
        return;
      }
      case FrameType.Reset: {
        const { code, reason } = decodeReset(frame.payload);
        const stream = this.streams.target(frame.streamId, 'RESET');
        if (stream) {
          this.forget(stream);
          stream.abort(new TunnelStreamResetError(code, reason, true));
        }
        return;
      }
      case FrameType.GoAway:
        this.onGoAway(decodeGoAway(frame.payload));
        return;
    }
  }

  private onHello(hello: Hello): void {
    clearTimeout(this.handshakeTimer);
    this.peer = hello;
    this.peerInfo = hello.info;
    if (this.clusterName === undefined && typeof hello.info.clusterName === 'string') {
      this.clusterName = hello.info.clusterName;
    }
    this.scheduler.maxFramePayload = hello.maxFramePayload;
    this.sessionState = 'open';
    this.logger.debug({ ...this.logFields(), peer: hello.info }, 'tunnel session ready');
    this.keepalive.pingNow(); // a first round-trip time for window auto-tuning
    this.resolveReady();
    this.emit('ready');
  }

  private onOpen(id: number, payload: Buffer): void {
    this.streams.acceptPeerId(id);
    const head = decodeOpen(payload);
    const refusal = this.draining
      ? 'tunnel is draining'
      : this.streams.remoteCount >= this.local.maxConcurrentStreams
        ? `too many concurrent streams (limit ${this.local.maxConcurrentStreams})`
        : this.listenerCount('stream') === 0
          ? 'no stream handler'
          : undefined;
    if (refusal) {
      this.scheduler.sendControl(encodeReset(id, 'REFUSED', refusal));
      return;
    }
    const stream = this.createStream(id, head, 'remote');
    try {
      this.emit('stream', stream);
    } catch (error) {
      this.logger.error({ ...this.logFields(), stream: id, err: error }, 'stream handler threw');
      stream.destroy(error instanceof Error ? error : new Error(describe(error)));
    }
  }

  private onGoAway(reason: string): void {
    if (this.peerGoAway !== undefined) return;
    this.peerGoAway = reason;
    this.logger.info({ ...this.logFields(), reason }, 'peer is draining the tunnel');
    this.emit('goaway', reason);
  }

  private readonly onSocketError = (error: Error): void => {
    this.socketError ??= error;
    this.logger.warn({ ...this.logFields(), reason: error.message }, 'tunnel socket error');
  };

  private readonly onSocketClose = (code: number, reasonBytes: Buffer): void => {
    if (this.sessionState === 'closed') return;
    const reason = reasonBytes.toString('utf8');
    const text =
      code === 1006
        ? `connection lost${this.socketError ? ` (${this.socketError.message})` : ''}`
        : `peer closed the connection (${code}${reason ? `: ${reason}` : ''})`;
    const log = code === CloseCode.Normal || code === CloseCode.GoingAway ? 'info' : 'warn';
    this.logger[log]({ ...this.logFields(), closeCode: code, reason: text }, 'tunnel closed');
    this.shutdown(new TunnelClosedError(text, this.clusterName, code));
  };

  // ---- Outbound ------------------------------------------------------------------------------------

  private readonly sendMessage = (message: Buffer, done: () => void): void => {
    if (this.ws.readyState !== WebSocket.OPEN) {
      done();
      return;
    }
    this.ws.send(message, { binary: true, compress: false }, () => done());
  };

  // ---- Lifecycle -----------------------------------------------------------------------------------

  private createStream(id: number, head: StreamHead, initiator: 'local' | 'remote'): TunnelStream {
    const stream = new TunnelStream(this.controller, {
      id,
      head,
      initiator,
      sendWindow: this.peer!.initialWindow,
      receiveWindow: this.local.initialWindow,
      budget: this.budget,
    });
    this.streams.add(stream);
    return stream;
  }

  /** Removes a stream from the table; false if it was not there. */
  private forget(stream: TunnelStream): boolean {
    if (!this.streams.remove(stream)) return false;
    stream.releaseWindow();
    this.scheduler.remove(stream);
    if (this.streams.size === 0 && this.onIdle) process.nextTick(this.onIdle);
    return this.sessionState !== 'closed';
  }

  private fail(error: TunnelProtocolError): void {
    if (this.sessionState === 'closed') return;
    this.logger.warn(
      { ...this.logFields(), closeCode: error.closeCode, reason: error.message },
      'tunnel protocol error, closing the connection',
    );
    this.closeSocket(error.closeCode, error.message);
    this.shutdown(
      new TunnelClosedError(`protocol error: ${error.message}`, this.clusterName, error.closeCode),
    );
  }

  private closeGracefully(code: number, reason: string): void {
    if (this.sessionState === 'closed') return;
    this.scheduler.flushNow();
    this.closeSocket(code, reason);
    this.shutdown(new TunnelClosedError(reason, this.clusterName, code));
  }

  private closeSocket(code: number, reason: string): void {
    try {
      this.ws.close(code, closeReason(reason));
    } catch {
      this.ws.terminate();
      return;
    }
    setTimeout(() => this.ws.terminate(), CLOSE_GRACE_MS).unref();
  }

  /** Fails every stream still open and tells listeners; runs once. */
  private shutdown(error: TunnelClosedError): void {
    if (this.sessionState === 'closed') return;
    this.sessionState = 'closed';
    this.closeError = error;
    clearTimeout(this.handshakeTimer);
    this.keepalive.stop();
    this.scheduler.stop();
    this.rejectReady(error);
    for (const stream of this.streams.clear()) {
      stream.releaseWindow();
      stream.abort(error);
    }
    const onIdle = this.onIdle;
    this.onIdle = undefined;
    onIdle?.();
    this.emit('close', error);
  }

  private logFields(): Record<string, unknown> {
    return { cluster: this.clusterName, session: this.id, role: this.role };
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
