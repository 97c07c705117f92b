/**
 * A FIFO of byte chunks with O(1) push and take. Received payloads are stored so that memory tracks the
 * bytes counted against the window: tiny payloads are packed together (a flood of 1-byte frames costs
 * bytes, not one object each), and a small payload is copied out of a much larger socket buffer rather
 * than pinning the whole buffer while a slow reader holds it.
 */

/** Received payloads at most this big are packed into shared blocks. */
const SMALL_PAYLOAD = 1024;
const PACK_BLOCK = 16 * 1024;
/** A received slice is copied when its backing buffer is more than this many times its size. */
const MAX_RETENTION = 4;

export class ChunkQueue {
  private chunks: Buffer[] = [];
  private head = 0;
  private bytes = 0;
  private block: Buffer | undefined;
  private blockStart = 0;
  private blockEnd = 0;
  /** The last chunk is a view of `block` that later small payloads may still extend. */
  private lastIsOpenBlock = false;

  get byteLength(): number {
    return this.bytes;
  }

  get isEmpty(): boolean {
    return this.head === this.chunks.length;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.bytes += chunk.length;
    this.lastIsOpenBlock = false;
  }

  pushReceived(payload: Buffer): void {
    if (payload.length === 0) return;
    if (payload.length > SMALL_PAYLOAD) {
      const wasteful = payload.length * MAX_RETENTION < payload.buffer.byteLength;
      this.push(wasteful ? Buffer.from(payload) : payload);
      return;
    }
    if (this.lastIsOpenBlock && this.block && this.block.length - this.blockEnd >= payload.length) {
      payload.copy(this.block, this.blockEnd);
      this.blockEnd += payload.length;
      this.chunks[this.chunks.length - 1] = this.block.subarray(this.blockStart, this.blockEnd);
      this.bytes += payload.length;
      return;
    }
    if (!this.block || this.block.length - this.blockEnd < payload.length) {
      this.block = Buffer.allocUnsafeSlow(PACK_BLOCK);
      this.blockEnd = 0;
    }
    this.blockStart = this.blockEnd;
    payload.copy(this.block, this.blockEnd);
    this.blockEnd += payload.length;
    this.chunks.push(this.block.subarray(this.blockStart, this.blockEnd));
    this.bytes += payload.length;
    this.lastIsOpenBlock = true;
  }

  /** Removes and returns the first chunk whole. */
  shift(): Buffer | undefined {
    if (this.isEmpty) return undefined;
    if (this.head === this.chunks.length - 1) this.lastIsOpenBlock = false;
    const chunk = this.chunks[this.head];
    this.chunks[this.head++] = EMPTY;
    this.bytes -= chunk.length;
    this.compact();
    return chunk;
  }

  /** Removes `size` bytes (at most byteLength) from the front: a slice of one chunk when possible. */
  take(size: number): Buffer {
    const first = this.chunks[this.head];
    if (first.length > size) {
      if (this.head === this.chunks.length - 1) this.lastIsOpenBlock = false;
      this.chunks[this.head] = first.subarray(size);
      this.bytes -= size;
      return first.subarray(0, size);
    }
    if (first.length === size) return this.shift()!;
    const parts: Buffer[] = [];
    let needed = size;
    while (needed > 0) {
      const next = this.chunks[this.head];
      if (next.length <= needed) {
        parts.push(this.shift()!);
        needed -= next.length;
      } else {
        parts.push(this.take(needed));
        needed = 0;
      }
    }
    return Buffer.concat(parts, size);
  }

  clear(): void {
    this.chunks = [];
    this.head = 0;
    this.bytes = 0;
    this.block = undefined;
    this.lastIsOpenBlock = false;
  }

  private compact(): void {
    if (this.head === this.chunks.length) {
      this.chunks = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.chunks.length) {
      this.chunks = this.chunks.slice(this.head);
      this.head = 0;
    }
  }
}

const EMPTY = Buffer.alloc(0);
