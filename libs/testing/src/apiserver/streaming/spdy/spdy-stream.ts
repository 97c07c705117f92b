import { Duplex } from 'node:stream';
import { DEFAULT_WINDOW_SIZE } from './spdy-frame.js';
import type { SpdyHeaders } from './spdy-header-block.js';

/** What a stream needs from its connection; keeps the two files free of an import cycle. */
export interface SpdyStreamHost {
  accept(stream: SpdyStream): void;
  reset(stream: SpdyStream, status: number): void;
  writeData(stream: SpdyStream, data: Buffer, fin: boolean): Promise<void>;
  consumed(stream: SpdyStream, bytes: number): void;
  released(stream: SpdyStream): void;
  forget(stream: SpdyStream): void;
}

const WINDOW_UPDATE_THRESHOLD = DEFAULT_WINDOW_SIZE / 2;

/**
 * One SPDY stream opened by the peer, as a Node Duplex: readable = the peer's DATA frames (ends on
 * its FIN), writable = our DATA frames (`end()` sends FIN). Reading applies backpressure to the
 * whole connection, like spdystream does.
 */
export class SpdyStream extends Duplex {
  sendWindow: number;
  private received = 0;
  private acknowledged = 0;
  private wasReset = false;
  private remoteFinished = false;

  constructor(
    private readonly host: SpdyStreamHost,
    readonly id: number,
    readonly headers: SpdyHeaders,
    initialSendWindow: number,
  ) {
    super({ allowHalfOpen: true, readableHighWaterMark: DEFAULT_WINDOW_SIZE });
    this.sendWindow = initialSendWindow;
    // A failed stream must never take the process down; the owner learns of it through 'close'.
    this.on('error', () => undefined);
  }

  /** First value of a header (names are case-insensitive, as in Go's http.Header). */
  header(name: string): string | undefined {
    return this.headers.get(name.toLowerCase())?.[0];
  }

  /** Sends SYN_REPLY: the peer may now send data and reads ours. */
  accept(): void {
    this.host.accept(this);
  }

  /** Sends RST_STREAM and tears the stream down. */
  reset(status: number): void {
    if (this.wasReset || this.destroyed) return;
    this.wasReset = true;
    this.host.reset(this, status);
    this.destroy();
  }

  /** Called by the connection; false means the consumer is behind and reading should pause. */
  deliver(data: Buffer): boolean {
    if (this.remoteFinished || this.destroyed) return true;
    this.received += data.length;
    const more = this.push(data);
    // In flowing mode a push may be consumed at once; count it now, _read may not run again.
    this.acknowledgeConsumed();
    return more;
  }

  deliverEnd(): void {
    if (this.remoteFinished) return;
    this.remoteFinished = true;
    this.push(null);
  }

  /** The peer reset the stream: no RST goes back. */
  remoteReset(): void {
    this.wasReset = true;
    this.destroy();
  }

  override _read(): void {
    this.acknowledgeConsumed();
    this.host.released(this);
  }

  /** Returns receive window to the peer (WINDOW_UPDATE) for what the consumer has taken. */
  private acknowledgeConsumed(): void {
    const consumed = this.received - this.readableLength - this.acknowledged;
    if (consumed >= WINDOW_UPDATE_THRESHOLD) {
      this.acknowledged += consumed;
      this.host.consumed(this, consumed);
    }
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.host.writeData(this, chunk, false).then(() => callback(), callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.host.writeData(this, Buffer.alloc(0), true).then(() => callback(), callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    // Torn down before both sides finished: tell the peer, unless it was the one resetting.
    if (!this.wasReset && !(this.writableFinished && this.readableEnded)) {
      this.wasReset = true;
      this.host.reset(this, 5 /* CANCEL */);
    }
    this.host.forget(this);
    callback(error);
  }
}
