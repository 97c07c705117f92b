// The durable audit spool: an append-only log of framed records in numbered segment files, fsynced in
// groups, read back in order from a checkpoint, whole segments deleted once delivered. Opening it
// recovers from a crash: a torn or corrupt tail is cut back to the last whole record, with a warning.
import { mkdir, open, readdir, readFile, stat, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { readCheckpoint, syncDirectory, writeCheckpoint } from './spool-checkpoint';
import {
  announcedPayloadLength,
  FRAME_HEADER_BYTES,
  MAX_FRAME_PAYLOAD_BYTES,
  scanFrames,
  sealFrame,
} from './spool-frame';

export interface FileSpoolOptions {
  /** Folder of the spool; created if missing. One process at a time. */
  dir: string;
  /** Undelivered bytes (frames included) the spool holds at most; `append` reports full beyond it. */
  maxBytes: number;
  logger: Logger;
  /** Group commit: appended records are written and fsynced at least this often (default 20 ms). */
  syncIntervalMs?: number;
  /** …or as soon as this many bytes wait (default 1 MiB). */
  syncBytes?: number;
  /** A segment file is closed for appends past this size (default maxBytes / 8, 64 KiB to 64 MiB). */
  segmentBytes?: number;
}

/** A place in the spool: after `index` records (counted from where this process opened it). */
export interface SpoolPosition {
  segment: number;
  offset: number;
  index: number;
  /** Bytes of frames before this position, counted as `index` is. */
  byteIndex: number;
}

export interface SpoolBatch {
  /** Payloads, oldest first. */
  records: Buffer[];
  /** Where the batch ends: pass it to `acknowledge` once the records are delivered. */
  end: SpoolPosition;
}

export interface SpoolReadLimits {
  maxRecords: number;
  /** Frame bytes per batch; a single larger record is still returned alone. */
  maxBytes: number;
}

interface Segment {
  id: number;
  path: string;
  /** Where counting starts: the checkpoint's offset in the first segment recovered, else 0. */
  base: number;
  firstIndex: number;
  firstByteIndex: number;
  /** Bytes and records appended, buffered ones included (records counted from `base`). */
  size: number;
  records: number;
  /** What is written and fsynced, so readable. */
  durableSize: number;
  /** True once its file exists and its directory entry is durable. */
  created: boolean;
  /** No more appends (rolled over, or cut after a corrupt read). */
  sealed: boolean;
  handle?: FileHandle;
}

/** Frames waiting for the next group write, in large buffers filled in place. */
interface PendingWrite {
  segment: Segment;
  chunks: Array<{ buffer: Buffer; used: number }>;
  bytes: number;
  records: number;
}

const SEGMENT_NAME = /^segment-(\d{20})\.log$/;
const segmentName = (id: number) => `segment-${String(id).padStart(20, '0')}.log`;
const MAX_LAG_SAMPLES = 100_000;
const CHUNK_BYTES = 256 * 1024;

export class FileSpool {
  private readonly segments: Segment[] = [];
  private pending: PendingWrite[] = [];
  private bufferedBytes = 0;
  private appendedRecords = 0;
  private appendedBytes = 0;
  private durableRecords = 0;
  private ack: SpoolPosition;
  private checkpointed: SpoolPosition;
  private flushTimer?: NodeJS.Timeout;
  private flushing?: Promise<void>;
  private checkpointing?: Promise<void>;
  private readableWaiters: Array<() => void> = [];
  // Append times, sparse (one per `lagSampleSpacingMs`), to tell the age of the oldest pending record.
  private lagSamples: Array<{ index: number; time: number }> = [];
  private lagSampleSpacingMs = 100;
  private closed = false;
  private readonly syncIntervalMs: number;
  private readonly syncBytes: number;
  private readonly segmentBytes: number;

  private constructor(
    private readonly options: FileSpoolOptions,
    private readonly log: Logger,
  ) {
    this.syncIntervalMs = options.syncIntervalMs ?? 20;
    this.syncBytes = options.syncBytes ?? 1024 * 1024;
    this.segmentBytes =
      options.segmentBytes ??
      Math.min(64 * 1024 * 1024, Math.max(64 * 1024, Math.floor(options.maxBytes / 8)));
    this.ack = { segment: 0, offset: 0, index: 0, byteIndex: 0 };
    this.checkpointed = this.ack;
  }

  /** Opens (creating or recovering) the spool in `options.dir`. */
  static async open(options: FileSpoolOptions): Promise<FileSpool> {
    if (!(options.maxBytes > 0)) throw new Error('spool maxBytes must be positive');
    const spool = new FileSpool(options, options.logger.child({ component: 'audit-spool' }));
    await spool.recover();
    return spool;
  }

  get dir(): string {
    return this.options.dir;
  }

  get maxBytes(): number {
    return this.options.maxBytes;
  }

  /** Records appended and not yet acknowledged. */
  get pendingRecords(): number {
    return this.appendedRecords - this.ack.index;
  }

  /** Frame bytes appended and not yet acknowledged: what counts against `maxBytes`. */
  get pendingBytes(): number {
    return this.appendedBytes - this.ack.byteIndex;
  }

  /** Bytes `append` can still take (frame headers included). */
  get freeBytes(): number {
    return Math.max(0, this.options.maxBytes - this.pendingBytes);
  }

  /**
   * Milliseconds since the oldest pending record was appended, 0 when none. Sampled: it may read up to
   * ~100 ms high; for records recovered from an earlier run it counts from their segment's last write.
   */
  oldestPendingAgeMs(now = Date.now()): number {
    if (this.pendingRecords === 0) return 0;
    while (this.lagSamples.length > 1 && this.lagSamples[1]!.index <= this.ack.index) this.lagSamples.shift();
    const oldest = this.lagSamples[0];
    return oldest ? Math.max(0, now - oldest.time) : 0;
  }

  /**
   * Queues one record; it becomes durable (and readable) with the next group fsync, within
   * `syncIntervalMs`. Returns false, keeping nothing, when it would take the spool past `maxBytes`.
   */
  append(payload: Buffer): boolean {
    return this.appendWith(payload.length, (target) => payload.copy(target));
  }

  /**
   * `append` for a payload of `length` bytes that `fill` writes straight into the spool's write
   * buffer, saving a copy per record on the request path.
   */
  appendWith(length: number, fill: (target: Buffer) => void): boolean {
    if (this.closed) throw new Error('the audit spool is closed');
    if (!(length >= 1 && length <= MAX_FRAME_PAYLOAD_BYTES)) {
      throw new RangeError(`a spool record holds 1 to ${MAX_FRAME_PAYLOAD_BYTES} bytes, not ${length}`);
    }
    const frameLength = FRAME_HEADER_BYTES + length;
    if (this.pendingBytes + frameLength > this.options.maxBytes) return false;
    let segment = this.segments[this.segments.length - 1]!;
    if (segment.sealed || (segment.size > segment.base && segment.size + frameLength > this.segmentBytes)) {
      segment.sealed = true;
      segment = this.addSegment(segment.id + 1, 0);
    }
    const write = this.pendingWriteFor(segment);
    let chunk = write.chunks[write.chunks.length - 1];
    if (!chunk || chunk.buffer.length - chunk.used < frameLength) {
      chunk = { buffer: Buffer.allocUnsafeSlow(Math.max(CHUNK_BYTES, frameLength)), used: 0 };
      write.chunks.push(chunk);
    }
    const frame = chunk.buffer.subarray(chunk.used, chunk.used + frameLength);
    fill(frame.subarray(FRAME_HEADER_BYTES));
    sealFrame(frame);
    chunk.used += frameLength;
    write.bytes += frameLength;
    write.records += 1;

    const index = this.appendedRecords;
    segment.size += frameLength;
    segment.records += 1;
    this.appendedRecords += 1;
    this.appendedBytes += frameLength;
    this.sampleAppendTime(index);
    this.bufferedBytes += frameLength;
    if (this.bufferedBytes >= this.syncBytes) this.scheduleFlush(0);
    else this.scheduleFlush(this.syncIntervalMs);
    return true;
  }

  /** Writes and fsyncs everything appended so far; rejects if the disk refuses (appends are kept). */
  async flush(): Promise<void> {
    const target = this.appendedRecords;
    while (this.durableRecords < target) {
      if (this.flushing) {
        await this.flushing.catch(() => undefined);
        continue;
      }
      await this.startFlush();
    }
  }

  /**
   * Durable records from the acknowledged position on, in order, within the limits. Empty when all
   * durable records are acknowledged (wait with `whenReadable`). Only one reader at a time.
   */
  async readBatch(limits: SpoolReadLimits): Promise<SpoolBatch> {
    for (;;) {
      const position = this.ack;
      const segment = this.segmentById(position.segment);
      if (!segment) return { records: [], end: position };
      if (position.offset >= segment.durableSize) {
        const next = this.segments[this.segments.indexOf(segment) + 1];
        if (next && segment.sealed && segment.durableSize === segment.size) {
          this.moveAck(this.startOf(next));
          continue;
        }
        return { records: [], end: position };
      }
      const available = segment.durableSize - position.offset;
      let buffer = await this.readAt(
        segment,
        position.offset,
        Math.min(available, Math.max(1, limits.maxBytes)),
      );
      let scan = scanFrames(buffer, Math.max(1, limits.maxRecords));
      if (scan.payloads.length === 0 && scan.stop === 'incomplete') {
        // The first record is larger than maxBytes: return it alone.
        const length = announcedPayloadLength(buffer);
        const whole = length === undefined ? available : Math.min(available, FRAME_HEADER_BYTES + length);
        buffer = await this.readAt(segment, position.offset, whole);
        scan = scanFrames(buffer, 1);
      }
      if (scan.payloads.length === 0) {
        this.skipCorruptRest(segment, position);
        continue;
      }
      return {
        records: scan.payloads,
        end: {
          segment: segment.id,
          offset: position.offset + scan.end,
          index: position.index + scan.payloads.length,
          byteIndex: position.byteIndex + scan.end,
        },
      };
    }
  }

  /**
   * Marks everything before `upTo` (a batch's `end`) delivered. The checkpoint is written in the
   * background; segments wholly before it are deleted after it is durable.
   */
  acknowledge(upTo: SpoolPosition): void {
    if (this.closed || upTo.index < this.ack.index || upTo.byteIndex <= this.ack.byteIndex) return;
    this.moveAck(upTo);
  }

  /** Resolves when durable records are waiting to be read (at once if some already are), or on close. */
  whenReadable(): Promise<void> {
    if (this.closed || this.durableRecords > this.ack.index) return Promise.resolve();
    return new Promise((resolve) => this.readableWaiters.push(resolve));
  }

  /** Resolves once the latest acknowledgement is in the checkpoint file. */
  async checkpointDurable(): Promise<void> {
    while (this.checkpointed !== this.ack) {
      if (!this.checkpointing) this.startCheckpoint();
      await this.checkpointing;
    }
  }

  /** Flushes, writes the checkpoint, closes the files. Appending afterwards throws. */
  async close(): Promise<void> {
    if (this.closed) return;
    clearTimeout(this.flushTimer);
    try {
      await this.flush();
      await this.checkpointDurable();
    } finally {
      this.closed = true;
      this.wakeReaders();
      await Promise.all(this.segments.map((segment) => this.closeHandle(segment)));
    }
  }

  // -------------------------------------------------------------------------------------------------
  // Recovery

  private async recover(): Promise<void> {
    const dir = this.options.dir;
    await mkdir(dir, { recursive: true });
    let checkpoint: { segment: number; offset: number } | undefined;
    try {
      checkpoint = await readCheckpoint(dir);
    } catch (error) {
      // Without a checkpoint everything still on disk is delivered again: duplicates, never a loss.
      this.log.warn({ err: error, dir }, 'audit spool checkpoint unreadable; redelivering every segment');
    }
    const ids = (await readdir(dir))
      .map((name) => SEGMENT_NAME.exec(name)?.[1])
      .filter((id): id is string => id !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
    for (const id of ids) {
      if (checkpoint && id < checkpoint.segment) {
        // Delivered, and the process stopped before deleting it.
        await unlink(join(dir, segmentName(id)));
        continue;
      }
      const start = checkpoint && id === checkpoint.segment ? checkpoint.offset : 0;
      await this.recoverSegment(id, start);
    }
    if (this.segments.length === 0) this.addSegment(checkpoint?.segment ?? 0, 0);
    const first = this.segments[0]!;
    this.ack = this.startOf(first);
    this.checkpointed = this.ack;
    this.segments[this.segments.length - 1]!.sealed = false;
    const oldest = this.segments.find((segment) => segment.records > 0);
    if (oldest) {
      const { mtimeMs } = await stat(oldest.path);
      this.lagSamples.push({ index: 0, time: mtimeMs });
      this.log.info(
        { dir, records: this.pendingRecords, bytes: this.pendingBytes, segments: this.segments.length },
        'audit spool holds undelivered records from an earlier run',
      );
    }
    await syncDirectory(dir);
  }

  private async recoverSegment(id: number, checkpointOffset: number): Promise<void> {
    const path = join(this.options.dir, segmentName(id));
    const content = await readFile(path);
    let start = checkpointOffset;
    if (start > content.length) {
      this.log.warn(
        { segment: path, checkpointOffset, size: content.length },
        'audit spool checkpoint lies past the end of its segment; resuming at the end',
      );
      start = content.length;
    }
    const scan = scanFrames(content.subarray(start));
    const size = start + scan.end;
    if (scan.stop) {
      this.log.warn(
        {
          segment: path,
          offset: size,
          discardedBytes: content.length - size,
          reason: scan.stop === 'corrupt' ? 'bad length or CRC' : 'partial frame',
        },
        'audit spool segment ends in a torn or corrupt record; truncated to the last whole record',
      );
      const handle = await open(path, 'r+');
      try {
        await handle.truncate(size);
        await handle.sync();
      } finally {
        await handle.close();
      }
    }
    const segment = this.addSegment(id, start);
    segment.size = size;
    segment.durableSize = size;
    segment.records = scan.payloads.length;
    segment.created = true;
    // Appends go on at the end of the newest segment only.
    segment.sealed = true;
    this.appendedRecords += scan.payloads.length;
    this.appendedBytes += scan.end;
    this.durableRecords += scan.payloads.length;
  }

  // -------------------------------------------------------------------------------------------------
  // Group commit

  private scheduleFlush(delayMs: number): void {
    if (this.closed) return;
    if (this.flushTimer && delayMs > 0) return;
    clearTimeout(this.flushTimer);
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      if (this.flushing) {
        // The running flush reschedules when it ends with more waiting.
        return;
      }
      this.startFlush().catch(() => undefined);
    }, delayMs);
    this.flushTimer.unref();
  }

  private startFlush(): Promise<void> {
    const writes = this.pending;
    this.pending = [];
    this.bufferedBytes = 0;
    const run = this.writeDurably(writes).then(
      () => {
        this.flushing = undefined;
        if (writes.length > 0) this.wakeReaders();
        if (this.pending.length > 0)
          this.scheduleFlush(this.bufferedBytes >= this.syncBytes ? 0 : this.syncIntervalMs);
      },
      (error: unknown) => {
        this.flushing = undefined;
        // Positional writes: retrying rewrites the same bytes at the same offsets.
        this.pending = [...writes, ...this.pending];
        this.bufferedBytes = this.pending.reduce((sum, write) => sum + write.bytes, 0);
        this.log.error({ err: error, dir: this.options.dir }, 'audit spool write or fsync failed; retrying');
        if (!this.closed) this.scheduleFlush(1000);
        throw error;
      },
    );
    this.flushing = run;
    return run;
  }

  private async writeDurably(writes: PendingWrite[]): Promise<void> {
    let created = false;
    const touched = new Set<Segment>();
    for (const write of writes) {
      const segment = write.segment;
      if (!segment.created) created = true;
      const handle = await this.handleOf(segment);
      let position = segment.durableSize;
      for (const chunk of write.chunks) {
        let done = 0;
        while (done < chunk.used) {
          const { bytesWritten } = await handle.write(chunk.buffer, done, chunk.used - done, position + done);
          done += bytesWritten;
        }
        position += chunk.used;
      }
      touched.add(segment);
    }
    for (const segment of touched) await segment.handle!.datasync();
    if (created) await syncDirectory(this.options.dir);
    for (const write of writes) {
      write.segment.created = true;
      write.segment.durableSize += write.bytes;
      this.durableRecords += write.records;
    }
  }

  private pendingWriteFor(segment: Segment): PendingWrite {
    const last = this.pending[this.pending.length - 1];
    if (last?.segment === segment) return last;
    const write: PendingWrite = { segment, chunks: [], bytes: 0, records: 0 };
    this.pending.push(write);
    return write;
  }

  // -------------------------------------------------------------------------------------------------
  // Checkpoint and deletion

  private moveAck(position: SpoolPosition): void {
    this.ack = position;
    if (!this.checkpointing) this.startCheckpoint();
  }

  private startCheckpoint(): void {
    const run = async () => {
      while (this.checkpointed !== this.ack) {
        const target = this.ack;
        try {
          await writeCheckpoint(this.options.dir, { segment: target.segment, offset: target.offset });
        } catch (error) {
          this.log.error(
            { err: error, dir: this.options.dir },
            'audit spool checkpoint write failed; retrying',
          );
          await new Promise((resolve) => setTimeout(resolve, 1000));
          continue;
        }
        this.checkpointed = target;
        await this.deleteSegmentsBefore(target.segment);
      }
    };
    this.checkpointing = run().finally(() => {
      this.checkpointing = undefined;
    });
  }

  private async deleteSegmentsBefore(id: number): Promise<void> {
    const delivered = this.segments.filter((segment) => segment.id < id);
    if (delivered.length === 0) return;
    this.segments.splice(0, delivered.length);
    for (const segment of delivered) {
      await this.closeHandle(segment);
      try {
        await unlink(segment.path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
          this.log.warn(
            { err: error, segment: segment.path },
            'could not delete a delivered audit spool segment',
          );
        }
      }
    }
    await syncDirectory(this.options.dir).catch(() => undefined);
  }

  // -------------------------------------------------------------------------------------------------
  // Segments

  private addSegment(id: number, base: number): Segment {
    const segment: Segment = {
      id,
      path: join(this.options.dir, segmentName(id)),
      base,
      firstIndex: this.appendedRecords,
      firstByteIndex: this.appendedBytes,
      size: base,
      records: 0,
      durableSize: base,
      created: false,
      sealed: false,
    };
    this.segments.push(segment);
    return segment;
  }

  private segmentById(id: number): Segment | undefined {
    return this.segments.find((segment) => segment.id === id);
  }

  private startOf(segment: Segment): SpoolPosition {
    return {
      segment: segment.id,
      offset: segment.base,
      index: segment.firstIndex,
      byteIndex: segment.firstByteIndex,
    };
  }

  // A record that passed recovery (or was written by this process) no longer reads back intact: the
  // disk changed under us. The rest of that segment cannot be framed, so it is given up, loudly.
  private skipCorruptRest(segment: Segment, position: SpoolPosition): void {
    const lostRecords = segment.firstIndex + segment.records - position.index;
    this.log.error(
      { segment: segment.path, offset: position.offset, lostRecords },
      'audit spool record failed its CRC on read; skipping the rest of the segment',
    );
    segment.sealed = true;
    const next = this.segments[this.segments.indexOf(segment) + 1];
    this.moveAck(
      next
        ? this.startOf(next)
        : {
            segment: segment.id,
            offset: segment.size,
            index: segment.firstIndex + segment.records,
            byteIndex: segment.firstByteIndex + (segment.size - segment.base),
          },
    );
  }

  private async handleOf(segment: Segment): Promise<FileHandle> {
    segment.handle ??= await open(segment.path, segment.created ? 'r+' : 'w+');
    return segment.handle;
  }

  private async readAt(segment: Segment, offset: number, length: number): Promise<Buffer> {
    const handle = await this.handleOf(segment);
    const buffer = Buffer.allocUnsafe(length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await handle.read(buffer, done, length - done, offset + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return buffer.subarray(0, done);
  }

  private async closeHandle(segment: Segment): Promise<void> {
    const handle = segment.handle;
    segment.handle = undefined;
    await handle?.close().catch(() => undefined);
  }

  private sampleAppendTime(index: number): void {
    const now = Date.now();
    const last = this.lagSamples[this.lagSamples.length - 1];
    if (last && now - last.time < this.lagSampleSpacingMs && this.lagSamples.length > 0) return;
    this.lagSamples.push({ index, time: now });
    if (this.lagSamples.length > MAX_LAG_SAMPLES) {
      // A long outage: keep every other sample and space new ones wider.
      this.lagSamples = this.lagSamples.filter((_, i) => i % 2 === 0);
      this.lagSampleSpacingMs *= 2;
    }
  }

  private wakeReaders(): void {
    const waiters = this.readableWaiters;
    this.readableWaiters = [];
    for (const wake of waiters) wake();
  }
}
