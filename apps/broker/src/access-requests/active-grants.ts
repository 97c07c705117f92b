import type { ActiveGrant } from '@tether/policy';
import type { AccessRequestStore } from './access-request-store';

interface Cached {
  at: number;
  grants: Promise<ActiveGrant[]>;
}

/**
 * The grants the kube proxy passes to the policy, read from the store at most once per `ttlMs` per
 * person: expiry and revocation take effect within that, without re-login. A change on any replica
 * drops the entry at once (through the change feed).
 */
export class ActiveGrants {
  private readonly cache = new Map<string, Cached>();

  constructor(
    private readonly store: AccessRequestStore,
    private readonly ttlMs = 1000,
    private readonly clock: () => number = Date.now,
  ) {}

  async for(username: string): Promise<ActiveGrant[]> {
    const now = this.clock();
    const cached = this.cache.get(username);
    if (cached !== undefined && now - cached.at < this.ttlMs) return cached.grants;
    const grants = this.store.activeGrants(username, new Date(now));
    this.cache.set(username, { at: now, grants });
    if (this.cache.size > 10_000) this.prune(now);
    try {
      return await grants;
    } catch (error) {
      this.cache.delete(username);
      throw error;
    }
  }

  forget(username: string): void {
    this.cache.delete(username);
  }

  /** After a gap in the change feed: anyone's grants may have changed. */
  forgetAll(): void {
    this.cache.clear();
  }

  private prune(now: number): void {
    for (const [username, entry] of this.cache) if (now - entry.at >= this.ttlMs) this.cache.delete(username);
  }
}
