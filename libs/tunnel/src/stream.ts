/**
 * One multiplexed stream: a Node Duplex whose backpressure is the credit window. `write()` buffers at
 * most one window before returning false; data goes out only as the peer grants credit; credit is
 * granted back as the local reader takes data. `end()` half-closes (FIN), `reset()`/`destroy(err)`
 * abort both directions (RST) with a reason the peer receives as a TunnelStreamResetError.
 */
import { Duplex } from 'node:stream';
import { ChunkQueue } from './chunk-queue.js';
import { TunnelStreamResetError } from './errors.js';
import type { ResetCode } from './errors.js';
import { ReceiveWindow, SendWindow } from './flow-control.js';
import type { WindowBudget } from './flow-control.js';
import type { FrameSource, OutboundFrame } from './scheduler.js';

/** The JSON object sent with OPEN: for HTTP, method, path, headers and the signed decision. */
export type StreamHead = Record<string, unknown>;

/** What a stream needs from its session. */
export interface StreamController {
  markReady(stream: TunnelStream): void;
  grantCredit(stream: TunnelStream, increment: number): void;
  /** The stream ended early on this side: send RST and forget it. */
  resetStream(stream: TunnelStream, code: ResetCode, reason: string): void;
  /** FIN went both ways: forget the stream (its reader may still be draining buffered data). */
  streamDone(stream: TunnelStream): void;
  /** The stream has bytes to send and no credit left: its writer now waits for the peer's reader. */
  creditStalled?(stream: TunnelStream): void;
}

export interface TunnelStreamOptions {
  id: number;
  head: StreamHead;
  /** The peer's initial window: our starting send credit, and how much `write()` buffers. */
  sendWindow: number;
  /** Our initial window: what the peer may send before we grant more. */
  receiveWindow: number;
  initiator: 'local' | 'remote';
  /** Lets the receive window grow past `receiveWindow` for a fast reader. */
  budget?: WindowBudget;
}

const READ_BUFFER = 64 * 1024;
// Writes up to this size (and within the send window) are acknowledged before they leave; see queueOutbound.
const eagerAcknowledgeBytes = 64 * 1024;
const EMPTY = Buffer.alloc(0);

export class TunnelStream extends Duplex implements FrameSource {
  readonly id: number;
  readonly head: StreamHead;
  /** Whether this side opened the stream. */
  readonly initiator: 'local' | 'remote';

  private readonly sendWindow: SendWindow;
  private readonly receiveWindow: ReceiveWindow;
  private readonly outbound = new ChunkQueue();
  private readonly inbound = new ChunkQueue();
  private writeCallback: ((error?: Error | null) => void) | undefined;
  private finalCallback: ((error?: Error | null) => void) | undefined;
  private finRequested = false;
  private finSent = false;
  private finReceived = false;
  private endPushed = false;
  private readerWantsData = false;
  /** The session no longer routes frames to this stream. */
  private detached = false;
  private localReset: { code: ResetCode; reason: string } | undefined;

  constructor(
    private readonly controller: StreamController,
    options: TunnelStreamOptions,
  ) {
    super({
      allowHalfOpen: true,
      writableHighWaterMark: options.sendWindow,
      readableHighWaterMark: READ_BUFFER,
    });
    this.id = options.id;
    this.head = options.head;
    this.initiator = options.initiator;
    this.sendWindow = new SendWindow(options.sendWindow);
    this.receiveWindow = new ReceiveWindow(options.receiveWindow, options.budget);
    // Resets and tunnel failures are driven by the peer; one without an 'error' listener must not be
    // able to crash the process. pipeline(), finished() and 'error' listeners still see every error.
    this.on('error', () => {});
  }

  /** Bytes received and not yet read, waiting in this stream (bounded by the receive window). */
  get receiveBuffered(): number {
    return this.inbound.byteLength;
  }

  /** The current receive window (it grows for a reader that keeps up). */
  get receiveWindowSize(): number {
    return this.receiveWindow.size;
  }

  /** Aborts both directions; the peer sees a TunnelStreamResetError with this code and reason. */
  reset(reason: string, code: ResetCode = 'CANCEL'): void {
    if (this.destroyed) return;
    this.localReset = { code, reason };
    this.destroy();
  }

  // ---- Writable side -------------------------------------------------------------------------------

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.queueOutbound([chunk], callback);
  }

  override _writev(
    chunks: Array<{ chunk: Buffer; encoding: BufferEncoding }>,
    callback: (error?: Error | null) => void,
  ): void {
    this.queueOutbound(
      chunks.map((entry) => entry.chunk),
      callback,
    );
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.finRequested = true;
    this.finalCallback = callback;
    this.controller.markReady(this);
  }

  private queueOutbound(chunks: Buffer[], callback: (error?: Error | null) => void): void {
    const wasWaiting = !this.outbound.isEmpty;
    for (const chunk of chunks) this.outbound.push(chunk);
    if (this.outbound.isEmpty) {
      callback();
      return;
    }
    if (this.sendWindow.available > 0) this.controller.markReady(this);
    else if (!wasWaiting) this.controller.creditStalled?.(this);
    // Bytes the peer has already granted credit for may wait here without breaking flow control; taking
    // them at once lets the writer hand over its next chunk (a response head, its body, its end) in the
    // same turn, so they leave as one message. Bounded by the window and a small cap per stream.
    const buffered = this.outbound.byteLength;
    if (buffered <= this.sendWindow.available && buffered <= eagerAcknowledgeBytes) {
      callback();
      return;
    }
    this.writeCallback = callback;
  }

  hasFrameReady(): boolean {
    if (this.detached) return false;
    if (!this.outbound.isEmpty) return this.sendWindow.available > 0;
    return this.finRequested && !this.finSent;
  }

  takeFrame(maxPayload: number): OutboundFrame | undefined {
    if (this.detached) return undefined;
    if (!this.outbound.isEmpty) {
      const size = Math.min(maxPayload, this.sendWindow.available, this.outbound.byteLength);
      if (size <= 0) return undefined;
      const payload = this.outbound.take(size);
      this.sendWindow.consume(size);
      if (!this.outbound.isEmpty) {
        if (this.sendWindow.available === 0) this.controller.creditStalled?.(this);
        return { payload, fin: false };
      }
      // The writer hears back once the socket has the bytes, as with a net.Socket.
      const onSent = this.writeCallback;
      this.writeCallback = undefined;
      return { payload, fin: false, onSent };
    }
    if (this.finRequested && !this.finSent) {
      this.finSent = true;
      const onSent = this.finalCallback;
      this.finalCallback = undefined;
      if (this.finReceived) this.detachAndForget();
      return { payload: EMPTY, fin: true, onSent };
    }
    return undefined;
  }

  // ---- Readable side -------------------------------------------------------------------------------

  override _read(): void {
    this.readerWantsData = true;
    this.deliver();
  }

  private deliver(): void {
    let taken = 0;
    while (this.readerWantsData && !this.inbound.isEmpty) {
      const chunk = this.inbound.shift()!;
      taken += chunk.length;
      this.readerWantsData = this.push(chunk);
    }
    if (this.inbound.isEmpty && this.finReceived && !this.endPushed) {
      this.endPushed = true;
      this.push(null);
    }
    if (taken === 0) return;
    const increment = this.receiveWindow.consume(taken);
    // After FIN the peer sends nothing more, so credit would be wasted bytes on the wire.
    if (increment > 0 && !this.finReceived && !this.detached) this.controller.grantCredit(this, increment);
  }

  // ---- Frames from the session ---------------------------------------------------------------------

  /** Returns a protocol violation to close the connection with, or undefined. */
  onData(payload: Buffer, fin: boolean): string | undefined {
    if (this.finReceived) return `DATA after FIN on stream ${this.id}`;
    if (payload.length === 0 && !fin) return `empty DATA frame on stream ${this.id}`;
    if (!this.receiveWindow.receive(payload.length)) {
      return `stream ${this.id} sent ${payload.length} bytes beyond its flow-control window`;
    }
    this.inbound.pushReceived(payload);
    if (fin) this.finReceived = true;
    this.deliver();
    if (fin && this.finSent) this.detachAndForget();
    return undefined;
  }

  /** Throws TunnelProtocolError when the grant overflows the window. */
  onWindowUpdate(increment: number): void {
    this.sendWindow.grant(increment);
    if (this.hasFrameReady()) this.controller.markReady(this);
  }

  /** The peer reset the stream, or the tunnel under it failed: fail it without sending anything. */
  abort(error: Error): void {
    this.detached = true;
    this.destroy(error);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (!this.detached) {
      this.detached = true;
      if (this.finSent && this.finReceived) {
        this.controller.streamDone(this);
      } else {
        const { code, reason } = this.localReset ?? resetFor(error);
        this.controller.resetStream(this, code, reason);
      }
    }
    this.outbound.clear();
    this.inbound.clear();
    const pendingWrite = this.writeCallback ?? this.finalCallback;
    this.writeCallback = undefined;
    this.finalCallback = undefined;
    if (pendingWrite) {
      const writeError =
        error ?? new TunnelStreamResetError(this.localReset?.code ?? 'CANCEL', 'stream destroyed', false);
      process.nextTick(pendingWrite, writeError);
    }
    callback(error);
  }

  /** The session forgot this stream: its window growth goes back to the session's budget. */
  releaseWindow(): void {
    this.receiveWindow.release();
  }

  private detachAndForget(): void {
    this.detached = true;
    this.controller.streamDone(this);
  }
}

/** What the peer is told when a stream is destroyed here without `reset()`. */
function resetFor(error: Error | null): { code: ResetCode; reason: string } {
  if (error instanceof TunnelStreamResetError && !error.remote)
    return { code: error.resetCode, reason: error.reason };
  if (error) return { code: 'STREAM_ERROR', reason: error.message };
  return { code: 'CANCEL', reason: 'stream closed before it finished' };
}
