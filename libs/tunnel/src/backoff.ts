/**
 * Reconnect delays: exponential with "full jitter" (a uniformly random delay between 0 and the capped
 * exponential), so a fleet of agents cut off together does not reconnect in lockstep.
 */
export interface BackoffOptions {
  /** Upper bound of the first delay. */
  baseMs?: number;
  /** Cap of the exponential upper bound. */
  maxMs?: number;
  /** Source of randomness in [0, 1); tests pass a fixed one. */
  random?: () => number;
}

export class ExponentialBackoff {
  private attempt = 0;
  private readonly baseMs: number;
  private readonly maxMs: number;
  private readonly random: () => number;

  constructor(options: BackoffOptions = {}) {
    this.baseMs = options.baseMs ?? 500;
    this.maxMs = Math.max(options.maxMs ?? 30_000, this.baseMs);
    this.random = options.random ?? Math.random;
  }

  /** Consecutive failures so far. */
  get attempts(): number {
    return this.attempt;
  }

  /** The delay before the next attempt; each call counts as one more failure. */
  next(): number {
    const ceiling = Math.min(this.maxMs, this.baseMs * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    return Math.floor(this.random() * ceiling);
  }

  /** A connection worked: start again from the base delay. */
  reset(): void {
    this.attempt = 0;
  }
}
