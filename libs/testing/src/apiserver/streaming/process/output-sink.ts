import type { Writable } from 'node:stream';

/** Resolves once `target` can take more data, or is gone. */
export function waitForDrain(target: Writable): Promise<void> {
  if (!target.writableNeedDrain || target.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      target.off('drain', done);
      target.off('close', done);
      target.off('error', done);
      resolve();
    };
    target.on('drain', done);
    target.on('close', done);
    target.on('error', done);
  });
}

/**
 * Where a simulated process writes stdout or stderr. Every write waits for the transport to take
 * the data, so a slow client slows the process instead of growing a buffer. With a TTY, "\n" becomes
 * "\r\n" as the terminal's output processing would do.
 */
export class OutputSink {
  constructor(
    private readonly target: Writable | null,
    private readonly tty = false,
  ) {}

  static discard(): OutputSink {
    return new OutputSink(null);
  }

  async write(data: string | Buffer): Promise<void> {
    const target = this.target;
    if (target === null || target.destroyed || target.writableEnded) return;
    let bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    if (bytes.length === 0) return;
    if (this.tty) bytes = Buffer.from(bytes.toString('utf8').replace(/\r?\n/g, '\r\n'), 'utf8');
    if (!target.write(bytes)) await waitForDrain(target);
  }
}
