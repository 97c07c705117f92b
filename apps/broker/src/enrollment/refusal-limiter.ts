import { EnrollmentError } from './enrollment.errors';

/**
 * Slows down whoever keeps presenting bad join tokens or credentials: after `limit` refusals from one
 * address within `windowMs`, further attempts are refused with 429 until the window passes. Tokens are
 * 256-bit, so this is about log floods and noisy scanners, not guessing. Per replica, in memory, bounded.
 */
export class RefusalLimiter {
  private readonly refusals = new Map<string, { count: number; since: number }>();

  constructor(
    private readonly limit = 60,
    private readonly windowMs = 60_000,
    private readonly maxAddresses = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  check(address: string): void {
    const entry = this.current(address);
    if (entry && entry.count >= this.limit)
      throw new EnrollmentError(
        'rate_limited',
        `too many refused enrollment attempts from ${address}; try again in a minute`,
      );
  }

  refused(address: string): void {
    const entry = this.current(address);
    if (entry) {
      entry.count += 1;
      return;
    }
    if (this.refusals.size >= this.maxAddresses) {
      const oldest = this.refusals.keys().next().value;
      if (oldest !== undefined) this.refusals.delete(oldest);
    }
    this.refusals.set(address, { count: 1, since: this.now() });
  }

  private current(address: string): { count: number; since: number } | undefined {
    const entry = this.refusals.get(address);
    if (entry && this.now() - entry.since >= this.windowMs) {
      this.refusals.delete(address);
      return undefined;
    }
    return entry;
  }
}
