import type { Duplex } from 'node:stream';
import { SpdyProtocolError } from './spdy-protocol-error.js';

/** Queued frames beyond this mean the peer floods us (e.g. with pings) while never reading. */
const MAX_QUEUED_FRAMES = 4096;

interface Queued {
  bytes: Buffer | Promise<Buffer>;
  resolve: () => void;
  reject: (error: Error) => void;
}

export function connectionClosedError(): SpdyProtocolError {
  return new SpdyProtocolError('SPDY_CONNECTION_CLOSED', 'SPDY connection closed');
}

/**
 * Writes frames to the transport strictly in the order they were queued, even when a frame's bytes
 * are still being produced (a SYN_REPLY waits for header compression). Each promise settles once the
 * transport took the frame and has room again, which is how stream writers feel backpressure.
 */
export class SpdyFrameWriter {
  private readonly queue: Queued[] = [];
  private writing = false;
  private closed = false;
  private readonly closeListeners = new Set<() => void>();

  constructor(
    private readonly transport: Duplex,
    private readonly onOverflow: () => void,
  ) {}

  send(bytes: Buffer | Promise<Buffer>): Promise<void> {
    if (this.closed) return Promise.reject(connectionClosedError());
    if (this.queue.length >= MAX_QUEUED_FRAMES) {
      this.onOverflow();
      return Promise.reject(connectionClosedError());
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ bytes, resolve, reject });
      void this.pump();
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const item of this.queue.splice(0)) item.reject(connectionClosedError());
    for (const listener of [...this.closeListeners]) listener();
  }

  private async pump(): Promise<void> {
    if (this.writing) return;
    this.writing = true;
    try {
      while (this.queue.length > 0) {
        const item = this.queue.shift()!;
        try {
          const bytes = await item.bytes;
          if (this.closed) throw connectionClosedError();
          if (!this.transport.write(bytes)) await this.drained();
          item.resolve();
        } catch (error) {
          item.reject(error instanceof Error ? error : connectionClosedError());
        }
      }
    } finally {
      this.writing = false;
    }
  }

  private drained(): Promise<void> {
    return new Promise((resolve, reject) => {
      const done = (error?: Error) => {
        this.transport.off('drain', onDrain);
        this.closeListeners.delete(onClose);
        if (error === undefined) resolve();
        else reject(error);
      };
      const onDrain = () => done();
      const onClose = () => done(connectionClosedError());
      this.transport.on('drain', onDrain);
      this.closeListeners.add(onClose);
    });
  }
}
