import type { PodView } from '../pod-view.js';

/** Lines every container has written by the time it was created (its start-up output). */
export const STARTUP_LINES = 3;
/** Older lines are rotated away, as the kubelet rotates container logs. */
export const RETAINED_LINES = 1000;

export interface LogLine {
  /** 1-based, counted since the container started. */
  index: number;
  /** Epoch milliseconds the line was written. */
  time: number;
  text: string;
}

/**
 * The deterministic output of one container: STARTUP_LINES lines at the pod's creation time, then
 * one line every `intervalMs`. Line N reads `<ISO time> pod <ns>/<name> container <c>: line N`, so
 * the same line looks the same to every reader, whether it follows or not.
 */
export class ContainerLog {
  private readonly startedAt: number;

  constructor(
    private readonly pod: PodView,
    private readonly container: string,
    private readonly intervalMs: number,
    now = Date.now(),
  ) {
    const created = Date.parse(pod.creationTimestamp);
    this.startedAt = Number.isFinite(created) ? Math.min(created, now) : now;
  }

  timeOf(index: number): number {
    return index <= STARTUP_LINES ? this.startedAt : this.startedAt + (index - STARTUP_LINES) * this.interval;
  }

  /** Index of the last line written at `now`. */
  lastIndexAt(now: number): number {
    if (now < this.startedAt) return STARTUP_LINES;
    return STARTUP_LINES + Math.floor((now - this.startedAt) / this.interval);
  }

  /** Index of the oldest line still kept at `now`. */
  firstIndexAt(now: number): number {
    return Math.max(1, this.lastIndexAt(now) - RETAINED_LINES + 1);
  }

  line(index: number): LogLine {
    const time = this.timeOf(index);
    const text = `${new Date(time).toISOString()} pod ${this.pod.namespace}/${this.pod.name} container ${this.container}: line ${index}`;
    return { index, time, text };
  }

  private get interval(): number {
    return Math.max(1, this.intervalMs);
  }
}
