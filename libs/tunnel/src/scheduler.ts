/**
 * The one writer of a session. Control frames go first (a WINDOW_UPDATE must never wait behind bulk
 * data, or both sides could stall); data frames are taken one per stream in round-robin order, so a
 * bulk stream cannot delay its neighbours by more than one frame each turn. Small frames are batched
 * into one WebSocket message, and data stops while the socket holds `highWaterMark` unflushed bytes.
 */
import {
  FLAG_DEFERRED,
  FLAG_FIN,
  FRAME_HEADER_BYTES,
  FrameType,
  encodeWindowUpdate,
  writeFrameHeader,
} from './frame.js';

/** Payloads this big go to the socket as their own message (no copy); smaller ones are batched. */
const DEFER_PAYLOAD_BYTES = 16 * 1024;

export interface OutboundFrame {
  payload: Buffer;
  fin: boolean;
  /**
   * Runs once the socket has taken the message holding this frame: only then may the writer reuse the
   * payload's memory (deferred payloads go to the socket uncopied).
   */
  onSent?: () => void;
}

/** A stream as the scheduler sees it. */
export interface FrameSource {
  readonly id: number;
  /** True when the source has data and credit, or a FIN to send. */
  hasFrameReady(): boolean;
  /** Takes the next frame of at most `maxPayload` bytes, consuming credit; undefined when blocked. */
  takeFrame(maxPayload: number): OutboundFrame | undefined;
}

export interface SchedulerOptions {
  /** Stop adding frames to a message once it holds this many bytes. */
  batchBytes: number;
  /** No data frames while this many bytes are handed to the socket and not yet flushed to the kernel. */
  highWaterMark: number;
  /** The peer's maximum frame payload. */
  maxFramePayload: number;
}

/** Writes one WebSocket message; `done` runs once the bytes have left user space (or failed to). */
export type SendMessage = (message: Buffer, done: () => void) => void;

export class FairScheduler {
  private readonly ready = new Set<FrameSource>();
  private control: Buffer[] = [];
  private readonly credit = new Map<number, number>();
  private inflight = 0;
  private scheduled = false;
  private stopped = false;

  constructor(
    private readonly sendMessage: SendMessage,
    private readonly options: SchedulerOptions,
  ) {}

  /** Bytes handed to the socket and not yet flushed. */
  get bufferedBytes(): number {
    return this.inflight;
  }

  set maxFramePayload(bytes: number) {
    this.options.maxFramePayload = bytes;
  }

  markReady(source: FrameSource): void {
    if (this.stopped || this.ready.has(source)) return;
    this.ready.add(source);
    this.schedule();
  }

  remove(source: FrameSource): void {
    this.ready.delete(source);
  }

  sendControl(frame: Buffer): void {
    if (this.stopped) return;
    this.control.push(frame);
    this.schedule();
  }

  /** Credit for one stream is summed until the next flush, so a burst of reads costs one frame. */
  grantCredit(streamId: number, increment: number): void {
    if (this.stopped) return;
    this.credit.set(streamId, (this.credit.get(streamId) ?? 0) + increment);
    this.schedule();
  }

  /** Sends what is queued now, e.g. RSTs right before the connection closes. */
  flushNow(): void {
    this.flush();
  }

  stop(): void {
    this.stopped = true;
    this.ready.clear();
    this.control = [];
    this.credit.clear();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    // Everything written in this turn of the event loop goes out together: a request head, its body and
    // its end written from separate callbacks then cost one socket write, not three.
    setImmediate(this.flush);
  }

  private readonly flush = (): void => {
    this.scheduled = false;
    const { batchBytes, highWaterMark } = this.options;
    while (!this.stopped) {
      const pieces: Buffer[] = this.control;
      let bytes = 0;
      for (const frame of pieces) bytes += frame.length;
      this.control = [];
      for (const [streamId, increment] of this.credit) {
        const frame = encodeWindowUpdate(streamId, increment);
        pieces.push(frame);
        bytes += frame.length;
      }
      this.credit.clear();
      // Large payloads are deferred: their headers end the message and they follow as messages of their
      // own. Once a stream defers a frame, its later frames in this batch are deferred too, so its bytes
      // stay in order.
      const deferredHeaders: Buffer[] = [];
      const deferredPayloads: Buffer[] = [];
      const deferring = new Set<FrameSource>();
      const onSent: Array<() => void> = [];
      let deferredBytes = 0;
      while (bytes + deferredBytes < batchBytes && this.inflight + bytes + deferredBytes < highWaterMark) {
        const source = this.ready.values().next().value;
        if (!source) break;
        this.ready.delete(source);
        const frame = source.takeFrame(this.options.maxFramePayload);
        if (frame) {
          const length = frame.payload.length;
          if (frame.onSent) onSent.push(frame.onSent);
          const header = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
          const fin = frame.fin ? FLAG_FIN : 0;
          if (length >= DEFER_PAYLOAD_BYTES || deferring.has(source)) {
            writeFrameHeader(header, 0, FrameType.Data, fin | FLAG_DEFERRED, source.id, length);
            deferring.add(source);
            deferredHeaders.push(header);
            deferredPayloads.push(frame.payload);
            deferredBytes += FRAME_HEADER_BYTES + length;
          } else {
            writeFrameHeader(header, 0, FrameType.Data, fin, source.id, length);
            pieces.push(header);
            if (length > 0) pieces.push(frame.payload);
            bytes += FRAME_HEADER_BYTES + length;
          }
        }
        // Back of the line: the next stream with data gets the next frame.
        if (source.hasFrameReady()) this.ready.add(source);
      }
      if (pieces.length === 0 && deferredHeaders.length === 0) return;
      pieces.push(...deferredHeaders);
      const message = pieces.length === 1 ? pieces[0] : Buffer.concat(pieces);
      const total = bytes + deferredBytes;
      this.inflight += total;
      const done = (): void => {
        this.inflight -= total;
        for (const callback of onSent) callback();
        if (this.ready.size > 0 && this.inflight <= highWaterMark / 2) this.schedule();
      };
      // The socket writes in order, so the last message's callback means all of them are out.
      this.sendMessage(message, deferredPayloads.length === 0 ? done : noop);
      deferredPayloads.forEach((payload, i) => {
        this.sendMessage(payload, i === deferredPayloads.length - 1 ? done : noop);
      });
      if (this.inflight >= highWaterMark) return;
    }
  };
}

const noop = (): void => {};
