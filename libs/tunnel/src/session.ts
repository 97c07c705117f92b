/**
 * One multiplexed connection over one WebSocket. Symmetric: either side may open streams (the broker
 * opens them towards the agent). Owns the handshake, frame dispatch, stream table, keepalive and drain;
 * anything the peer does wrong closes the connection with a logged reason and never throws out.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import { WebSocket } from 'ws';
import type { RawData } from 'ws';
import {
  TunnelClosedError,
  TunnelDrainingError,
  TunnelProtocolError,
  TunnelStreamHeadTooLargeError,
} from './errors.js';
import { TunnelStreamResetError } from './errors.js';
import {
  CloseCode,
  FLAG_FIN,
  FrameType,
  closeReason,
  decodeMessage,
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
import type { Frame, FrameHeader, Hello, HelloSettings } from './frame.js';
import { WindowBudget } from './flow-control.js';
import { Keepalive } from './keepalive.js';
import { silentLogger } from './logger.js';
import type { TunnelLogger } from './logger.js';
import { FairScheduler } from './scheduler.js';
import { TunnelStream } from './stream.js';
import type { StreamController, StreamHead } from './stream.js';

/** Limits and timings; every field has a production default. */
export interface SessionSettings {
  /** Receive window granted per stream; bounds buffered bytes per stream. Default 256 KiB. */
  initialWindow?: number;
  /** A stream whose reader keeps up may have its window doubled up to this. Default 16 MiB. */
  maxWindow?: number;
  /** How much all stream windows of the session may grow past initialWindow together. Default 64 MiB. */
  windowGrowthBudget?: number;
  /** Largest frame payload accepted. Default 32 KiB. */
  maxFramePayload?: number;
  /** Streams the peer may have open towards this side. Default 4096. */
  maxConcurrentStreams?: number;
  /** WebSocket ping interval. Default 5 s. */
  keepaliveIntervalMs?: number;
  /** Peer declared dead after this long without any traffic. Default 15 s. */
  keepaliveTimeoutMs?: number;
  /** Peer's HELLO must arrive within this. Default 10 s. */
  handshakeTimeoutMs?: number;
  /** No more data frames while this many bytes wait in the socket. Default 1 MiB. */
  socketHighWaterMark?: number;
  /** Frames are batched into WebSocket messages of about this size. Default 64 KiB. */
  batchBytes?: number;
}

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
}

export type SessionState = 'handshaking' | 'open' | 'closed';

export interface TunnelSessionEvents {
  ready: [];
  stream: [stream: TunnelStream];
  /** The peer is draining: it accepts no new streams; its in-flight ones continue. */
  goaway: [reason: string];
  close: [error: TunnelClosedError];
}

export const defaultSessionSettings: Required<SessionSettings> = {
  initialWindow: 256 * 1024,
  maxWindow: 16 * 1024 * 1024,
  windowGrowthBudget: 64 * 1024 * 1024,
  maxFramePayload: 32 * 1024,
  maxConcurrentStreams: 4096,
  keepaliveIntervalMs: 5_000,
  keepaliveTimeoutMs: 15_000,
  handshakeTimeoutMs: 10_000,
  socketHighWaterMark: 1024 * 1024,
  batchBytes: 64 * 1024,
};

const MAX_STREAM_ID = 0xffff_ffff;
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
  private readonly streams = new Map<number, TunnelStream>();
  private remoteStreams = 0;
  private nextStreamId: number;
  private highestLocalId = 0;
  private highestPeerId = 0;
  private readonly local: HelloSettings;
  private peer: HelloSettings | undefined;
  private readonly settings: Required<SessionSettings>;
  private readonly logger: TunnelLogger;
  private readonly scheduler: FairScheduler;
  private readonly keepalive: Keepalive;
  private readonly budget: WindowBudget;
  private pingSentAt: number | undefined;
  /** Deferred DATA headers whose payloads are the next messages. */
  private deferred: FrameHeader[] = [];
  private deferredNext = 0;
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
    this.settings = settingsFrom(options);
    this.local = {
      initialWindow: this.settings.initialWindow,
      maxFramePayload: this.settings.maxFramePayload,
      maxConcurrentStreams: this.settings.maxConcurrentStreams,
    };
    this.nextStreamId = this.role === 'client' ? 1 : 2;
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
    };
    this.scheduler = new FairScheduler(this.sendMessage, {
      batchBytes: this.settings.batchBytes,
      highWaterMark: this.settings.socketHighWaterMark,
      maxFramePayload: this.settings.maxFramePayload,
    });
    this.keepalive = new Keepalive(
      { intervalMs: this.settings.keepaliveIntervalMs, timeoutMs: this.settings.keepaliveTimeoutMs },
      this.ping,
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
    const id = this.nextStreamId;
    if (id > MAX_STREAM_ID) {
      // Ids never repeat on a connection; a fresh connection starts over.
      void this.drain(undefined, 'stream ids exhausted');
      throw new TunnelDrainingError('stream ids on this connection are exhausted', this.clusterName);
    }
    this.nextStreamId += 2;
    this.highestLocalId = id;
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
        for (const stream of [...this.streams.values()]) {
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
    this.keepalive.touch();
    if (this.pingSentAt === undefined) return;
    this.budget.rttMs = performance.now() - this.pingSentAt;
    this.pingSentAt = undefined;
  };

  private readonly onMessage = (data: RawData, isBinary: boolean): void => {
    this.keepalive.touch();
    if (this.sessionState === 'closed') return;
    try {
      if (!isBinary) throw new TunnelProtocolError('text message on the tunnel');
      const message = data as Buffer;
      const header = this.deferred[this.deferredNext];
      if (header) {
        this.deferredNext++;
        if (message.length !== header.length) {
          throw new TunnelProtocolError(
            `deferred DATA payload is ${message.length} bytes, its header said ${header.length}`,
          );
        }
        this.dispatch({
          type: header.type,
          flags: header.flags,
          streamId: header.streamId,
          payload: message,
        });
        return;
      }
      const { frames, deferred } = decodeMessage(message, this.local.maxFramePayload);
      for (const frame of frames) {
        this.dispatch(frame);
        // A frame may have closed the session (a stream handler that closed it, for one).
        if ((this.sessionState as SessionState) === 'closed') return;
      }
      this.deferred = deferred;
      this.deferredNext = 0;
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
        const violation = this.streamFor(frame.streamId, 'DATA')?.onData(
          frame.payload,
          (frame.flags & FLAG_FIN) !== 0,
        );
        if (violation) throw new TunnelProtocolError(violation);
        return;
      }
      case FrameType.WindowUpdate: {
        const increment = decodeWindowUpdate(frame.payload);
        this.streamFor(frame.streamId, 'WINDOW_UPDATE')?.onWindowUpdate(increment);
        return;
      }
      case FrameType.Reset: {
        const { code, reason } = decodeReset(frame.payload);
        const stream = this.streamFor(frame.streamId, 'RESET');
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
    this.ping(); // a first round-trip measurement for window auto-tuning
    this.resolveReady();
    this.emit('ready');
  }

  private onOpen(id: number, payload: Buffer): void {
    if (this.isLocalId(id))
      throw new TunnelProtocolError(`peer opened stream ${id}, an id reserved for this side`);
    if (id <= this.highestPeerId) throw new TunnelProtocolError(`peer reused stream id ${id}`);
    this.highestPeerId = id;
    const head = decodeOpen(payload);
    const refusal = this.draining
      ? 'tunnel is draining'
      : this.remoteStreams >= this.local.maxConcurrentStreams
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

  /** The live stream with this id; undefined for one already finished; throws for one never opened. */
  private streamFor(id: number, frame: string): TunnelStream | undefined {
    const stream = this.streams.get(id);
    if (stream) return stream;
    const opened = this.isLocalId(id) ? id <= this.highestLocalId : id <= this.highestPeerId;
    // Frames for a finished stream are normal: they crossed our RST or FIN on the wire.
    if (opened) return undefined;
    throw new TunnelProtocolError(`${frame} for unknown stream ${id}`);
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

  /** Keepalive, and the round-trip time that window auto-tuning goes by. */
  private readonly ping = (): void => {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    this.pingSentAt ??= performance.now();
    this.ws.ping();
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
    this.streams.set(id, stream);
    if (initiator === 'remote') this.remoteStreams++;
    return stream;
  }

  /** Removes a stream from the table; false if it was not there. */
  private forget(stream: TunnelStream): boolean {
    if (this.streams.get(stream.id) !== stream) return false;
    this.streams.delete(stream.id);
    stream.releaseWindow();
    if (stream.initiator === 'remote') this.remoteStreams--;
    this.scheduler.remove(stream);
    if (this.streams.size === 0 && this.onIdle) process.nextTick(this.onIdle);
    return this.sessionState !== 'closed';
  }

  private isLocalId(id: number): boolean {
    return id % 2 === (this.role === 'client' ? 1 : 0);
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
    const streams = [...this.streams.values()];
    this.streams.clear();
    this.remoteStreams = 0;
    for (const stream of streams) {
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

function settingsFrom(options: SessionSettings): Required<SessionSettings> {
  const settings = { ...defaultSessionSettings };
  for (const key of Object.keys(settings) as Array<keyof SessionSettings>) {
    const value = options[key];
    if (value !== undefined) settings[key] = value;
  }
  return settings;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
