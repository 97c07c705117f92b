export interface SessionRevocationsOptions {
  /**
   * How long a verdict is reused without asking the database. The change feed drops a verdict as
   * soon as any replica revokes the session; this bound only matters when a notification is lost.
   */
  ttlMs: number;
  /** While the database cannot be asked, a verdict this young still counts (then requests fail closed). */
  staleOnErrorMs: number;
  maxEntries?: number;
  now?: () => number;
}

interface Verdict {
  revoked: boolean;
  atMs: number;
}

/**
 * The revocation check on the kubectl hot path: one database read per session per `ttlMs`, shared
 * by concurrent requests, with `forget` and `forgetAll` for the change feed. A read that started
 * before a `forget` is answered but not cached, so a revocation is never papered over by a slow read.
 */
export class SessionRevocations {
  private readonly verdicts = new Map<string, Verdict>();
  private readonly reads = new Map<string, Promise<boolean>>();
  private epoch = 0;
  private readonly now: () => number;

  constructor(
    private readonly lookup: (sessionId: string) => Promise<boolean>,
    private readonly options: SessionRevocationsOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  async isRevoked(sessionId: string): Promise<boolean> {
    const now = this.now();
    const known = this.verdicts.get(sessionId);
    if (known !== undefined && now - known.atMs < this.options.ttlMs) return known.revoked;
    try {
      return await this.read(sessionId);
    } catch (error) {
      if (known !== undefined && now - known.atMs < this.options.staleOnErrorMs) return known.revoked;
      throw new Error(`cannot check whether the session was revoked: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  /** The session changed somewhere: ask the database next time. */
  forget(sessionId: string): void {
    this.epoch += 1;
    this.verdicts.delete(sessionId);
    this.reads.delete(sessionId);
  }

  /** After a gap in the change feed nothing cached can be trusted. */
  forgetAll(): void {
    this.epoch += 1;
    this.verdicts.clear();
    this.reads.clear();
  }

  get size(): number {
    return this.verdicts.size;
  }

  private read(sessionId: string): Promise<boolean> {
    const pending = this.reads.get(sessionId);
    if (pending !== undefined) return pending;
    const epoch = this.epoch;
    const read = this.lookup(sessionId).then(
      (revoked) => {
        if (this.reads.get(sessionId) === read) this.reads.delete(sessionId);
        if (epoch === this.epoch) this.remember(sessionId, revoked);
        return revoked;
      },
      (error: unknown) => {
        if (this.reads.get(sessionId) === read) this.reads.delete(sessionId);
        throw error;
      },
    );
    this.reads.set(sessionId, read);
    return read;
  }

  private remember(sessionId: string, revoked: boolean): void {
    this.verdicts.delete(sessionId);
    this.verdicts.set(sessionId, { revoked, atMs: this.now() });
    const max = this.options.maxEntries ?? 100_000;
    while (this.verdicts.size > max) this.verdicts.delete(this.verdicts.keys().next().value as string);
  }
}
