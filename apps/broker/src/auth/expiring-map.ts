/** A map whose entries vanish after a time, with a cap so a flood of logins cannot fill memory. */
export class ExpiringMap<V> {
  private readonly entries = new Map<string, { value: V; expiresAtMs: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
    private readonly now: () => number = Date.now,
  ) {}

  set(key: string, value: V): boolean {
    this.prune();
    if (this.entries.size >= this.maxEntries) return false;
    this.entries.set(key, { value, expiresAtMs: this.now() + this.ttlMs });
    return true;
  }

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (!entry || entry.expiresAtMs <= this.now()) return undefined;
    return entry.value;
  }

  /** Returns and removes: for one-time codes and states. */
  take(key: string): V | undefined {
    const value = this.get(key);
    this.entries.delete(key);
    return value;
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  private prune(): void {
    const now = this.now();
    for (const [key, entry] of this.entries) if (entry.expiresAtMs <= now) this.entries.delete(key);
  }
}
