/**
 * Per-stream credit accounting. The receiver grants bytes; the sender never has more unacknowledged
 * bytes in flight than it was granted, so a stream's receive buffer is bounded by its window.
 *
 * Windows start at the session's initial window and auto-tune like HTTP/2 and yamux receivers do: when a
 * reader drains half a window within a few round trips, the window is what limits the stream, so it
 * doubles, up to a per-stream maximum and within a budget shared by all streams of the session. Memory
 * therefore stays bounded by streams x initial window + the session's growth budget.
 */
import { performance } from 'node:perf_hooks';
import { TunnelProtocolError } from './errors.js';
import { MAX_WINDOW } from './frame.js';

/** Credit the peer gave us on one stream: how many more bytes we may send. */
export class SendWindow {
  constructor(private credit: number) {}

  get available(): number {
    return this.credit;
  }

  consume(bytes: number): void {
    if (bytes > this.credit)
      throw new RangeError(`sending ${bytes} bytes with only ${this.credit} of credit`);
    this.credit -= bytes;
  }

  /** Throws TunnelProtocolError when the peer grants past the 2^31-1 limit. */
  grant(increment: number): void {
    if (this.credit + increment > MAX_WINDOW) {
      throw new TunnelProtocolError(
        `window update overflows the send window (${this.credit} + ${increment})`,
      );
    }
    this.credit += increment;
  }
}

/**
 * A ping on an idle localhost connection measures a fraction of a millisecond, while the credit loop
 * also waits for both event loops; below this floor a measured round trip would keep windows too small.
 */
const TUNING_RTT_FLOOR_MS = 2;

/** What all receive windows of one session may grow by together, and the round-trip time to judge by. */
export class WindowBudget {
  /** Latest measured round trip to the peer; no growth until it is known. */
  rttMs: number | undefined;

  constructor(
    /** Largest window one stream may grow to. */
    readonly maxWindow: number,
    /** Bytes of growth still available to the session's streams. */
    private available: number,
  ) {}

  get remaining(): number {
    return this.available;
  }

  reserve(bytes: number): boolean {
    if (bytes > this.available) return false;
    this.available -= bytes;
    return true;
  }

  release(bytes: number): void {
    this.available += bytes;
  }
}

/** Credit we gave the peer on one stream, and when to grant more. */
export class ReceiveWindow {
  private windowSize: number;
  /** Bytes the peer may still send without waiting for more credit. */
  private peerCredit: number;
  /** Bytes received and not yet taken by the reader. */
  private buffered = 0;
  /** Growth reserved from the budget, returned when the stream ends. */
  private grown = 0;
  private epochStart: number;

  constructor(
    size: number,
    private readonly budget?: WindowBudget,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.windowSize = size;
    this.peerCredit = size;
    this.epochStart = now();
  }

  get size(): number {
    return this.windowSize;
  }

  get bufferedBytes(): number {
    return this.buffered;
  }

  /** Returns false when the peer sent more than it was granted: a protocol violation. */
  receive(bytes: number): boolean {
    if (bytes > this.peerCredit) return false;
    this.peerCredit -= bytes;
    this.buffered += bytes;
    return true;
  }

  /**
   * The reader took `bytes`; returns the increment to grant the peer now, or 0 to wait. Credit goes back
   * in batches of at least half a window, so a fast reader costs one small frame per half window.
   */
  consume(bytes: number): number {
    this.buffered -= bytes;
    if (this.size - this.buffered - this.peerCredit < this.size / 2) return 0;
    this.maybeGrow();
    const room = this.size - this.buffered - this.peerCredit;
    this.peerCredit += room;
    return room;
  }

  /** Gives the growth back to the session budget; call once the stream is finished. */
  release(): void {
    this.budget?.release(this.grown);
    this.grown = 0;
  }

  private maybeGrow(): void {
    const now = this.now();
    const rtt = this.budget?.rttMs;
    // Half a window drained within four round trips: the window, not the reader, limits this stream.
    if (this.budget && rtt !== undefined && now - this.epochStart < 4 * Math.max(rtt, TUNING_RTT_FLOOR_MS)) {
      const extra = Math.min(this.windowSize, this.budget.maxWindow - this.windowSize);
      if (extra > 0 && this.budget.reserve(extra)) {
        this.windowSize += extra;
        this.grown += extra;
      }
    }
    this.epochStart = now;
  }
}
