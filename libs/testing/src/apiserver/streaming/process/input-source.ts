import type { Readable } from 'node:stream';

/**
 * The bytes a client sends on stdin, pulled on demand so an idle process applies backpressure.
 * `unread` hands bytes back, so a shell and the commands it runs can share one stdin.
 */
export class InputSource {
  private readonly iterator: AsyncIterator<Buffer>;
  private pending: Buffer[] = [];
  private ended = false;

  constructor(
    readable: Readable,
    private readonly signal: AbortSignal,
  ) {
    this.iterator = readable[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  }

  /** The next chunk, or null once stdin is closed (or the session is over). */
  async read(): Promise<Buffer | null> {
    const pushedBack = this.pending.shift();
    if (pushedBack !== undefined) return pushedBack;
    if (this.ended || this.signal.aborted) return null;
    const next = await this.nextOrAbort();
    if (next === null || next.done === true) {
      this.ended = true;
      return null;
    }
    return Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value as string);
  }

  unread(bytes: Buffer): void {
    if (bytes.length > 0) this.pending.unshift(bytes);
  }

  private nextOrAbort(): Promise<IteratorResult<Buffer> | null> {
    return new Promise((resolve) => {
      const onAbort = () => resolve(null);
      this.signal.addEventListener('abort', onAbort, { once: true });
      this.iterator.next().then(
        (result) => {
          this.signal.removeEventListener('abort', onAbort);
          resolve(result);
        },
        () => {
          // A stdin torn down by the client reads as end of input.
          this.signal.removeEventListener('abort', onAbort);
          resolve(null);
        },
      );
    });
  }
}
