// Header blocks share one zlib stream per direction for the whole connection, primed with the SPDY
// dictionary and sync-flushed after every block (§2.6.10.1), so each block can only be (de)compressed
// after the previous one: operations are queued.
import { constants, createDeflate, createInflate, type Deflate, type Inflate } from 'node:zlib';
import { decodeHeaderBlock, encodeHeaderBlock, type SpdyHeaders } from './spdy-header-block.js';
import { SPDY_HEADER_DICTIONARY } from './spdy-dictionary.js';
import { SpdyProtocolError } from './spdy-protocol-error.js';

/** A decompressed header block larger than this is a compression bomb, not headers. */
const MAX_HEADER_BLOCK_BYTES = 64 * 1024;

class FlushedZlibStream {
  private queue: Promise<unknown> = Promise.resolve();
  private output: Buffer[] = [];
  private outputBytes = 0;
  private failure: Error | undefined;
  private rejectCurrent: ((error: Error) => void) | undefined;

  constructor(
    private readonly stream: Inflate | Deflate,
    private readonly maxOutput: number,
  ) {
    stream.on('data', (chunk: Buffer) => {
      this.outputBytes += chunk.length;
      if (this.outputBytes > this.maxOutput) {
        this.fail(new SpdyProtocolError('SPDY_HEADER_COMPRESSION', 'header block too large'));
        return;
      }
      this.output.push(chunk);
    });
    stream.on('error', (error: Error) => {
      this.fail(
        new SpdyProtocolError('SPDY_HEADER_COMPRESSION', `header compression failed: ${error.message}`),
      );
    });
  }

  process(input: Buffer): Promise<Buffer> {
    const run = this.queue.then(() => this.runOne(input));
    this.queue = run.catch(() => undefined);
    return run;
  }

  close(): void {
    this.fail(new SpdyProtocolError('SPDY_CONNECTION_CLOSED', 'connection closed'));
  }

  private fail(error: Error): void {
    if (this.failure !== undefined) return;
    this.failure = error;
    this.rejectCurrent?.(error);
    this.stream.destroy();
  }

  private runOne(input: Buffer): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      if (this.failure !== undefined) return reject(this.failure);
      this.output = [];
      this.outputBytes = 0;
      this.rejectCurrent = reject;
      if (input.length > 0) this.stream.write(input);
      this.stream.flush(constants.Z_SYNC_FLUSH, () => {
        this.rejectCurrent = undefined;
        // Output still held in the readable buffer is emitted as 'data' by read().
        while (this.stream.readableLength > 0 && this.stream.read() !== null);
        if (this.failure !== undefined) reject(this.failure);
        else resolve(Buffer.concat(this.output));
      });
    });
  }
}

/** One per connection: decompresses the peer's header blocks, compresses ours. */
export class SpdyHeaderCodec {
  private readonly inflater = new FlushedZlibStream(
    createInflate({ dictionary: SPDY_HEADER_DICTIONARY }),
    MAX_HEADER_BLOCK_BYTES,
  );
  private readonly deflater = new FlushedZlibStream(
    createDeflate({ dictionary: SPDY_HEADER_DICTIONARY }),
    Number.MAX_SAFE_INTEGER,
  );

  async decode(compressed: Buffer): Promise<SpdyHeaders> {
    return decodeHeaderBlock(await this.inflater.process(compressed));
  }

  encode(headers: SpdyHeaders): Promise<Buffer> {
    return this.deflater.process(encodeHeaderBlock(headers));
  }

  close(): void {
    this.inflater.close();
    this.deflater.close();
  }
}
