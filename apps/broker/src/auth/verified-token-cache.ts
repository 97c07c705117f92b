/**
 * Tokens whose signature and claims were already checked, so the kubectl hot path skips a second
 * EdDSA verification (a thread-pool hop through WebCrypto) for the same token. Keyed by the whole token
 * string; an entry never outlives the token's own expiry; the oldest entries go first when full.
 * Revocation is not cached: callers check it on every use.
 */
export class VerifiedTokenCache<Value> {
  private readonly entries = new Map<string, { value: Value; validUntilMs: number }>();

  constructor(
    private readonly maxEntries: number,
    private readonly maxAgeMs: number,
  ) {}

  get(token: string, nowMs: number): Value | undefined {
    const entry = this.entries.get(token);
    if (!entry) return undefined;
    if (entry.validUntilMs <= nowMs) {
      this.entries.delete(token);
      return undefined;
    }
    return entry.value;
  }

  set(token: string, value: Value, expiresAtMs: number, nowMs: number): void {
    const validUntilMs = Math.min(expiresAtMs, nowMs + this.maxAgeMs);
    if (validUntilMs <= nowMs) return;
    this.entries.delete(token);
    this.entries.set(token, { value, validUntilMs });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  get size(): number {
    return this.entries.size;
  }
}
