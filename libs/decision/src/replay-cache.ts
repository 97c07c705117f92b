/**
 * Request ids seen while their decisions are still valid. Memory is bounded by the request rate
 * times the decision lifetime; past `maxEntries` the cache refuses rather than forgets, because
 * forgetting would let a replay through.
 */
export class ReplayCache {
  // Insertion order is expiry order closely enough: decisions share one short lifetime.
  private readonly expiries = new Map<string, number>();

  constructor(private readonly maxEntries = 1_000_000) {}

  /** Records the id; false when it was already there (a replay) or the cache is full. */
  remember(requestId: string, expiresAtMs: number, nowMs: number): 'new' | 'replayed' | 'full' {
    this.prune(nowMs);
    if (this.expiries.has(requestId)) return 'replayed';
    if (this.expiries.size >= this.maxEntries) return 'full';
    this.expiries.set(requestId, expiresAtMs);
    return 'new';
  }

  get size(): number {
    return this.expiries.size;
  }

  private prune(nowMs: number): void {
    for (const [id, expiresAt] of this.expiries) {
      if (expiresAt > nowMs) break;
      this.expiries.delete(id);
    }
  }
}
