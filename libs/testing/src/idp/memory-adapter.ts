import type { Adapter, AdapterPayload } from 'oidc-provider';

interface Entry {
  payload: AdapterPayload;
  expiresAt: number;
}

const SWEEP_EVERY_WRITES = 200;

/**
 * One dev IdP's storage (sessions, interactions, codes, tokens, grants), private to that start.
 * oidc-provider's bundled memory adapter keeps at most 1000 entries and warns on every start; this one
 * keeps everything until it expires and lets `revokeByGrantId` find every token of a grant.
 */
export class MemoryStore {
  private readonly entries = new Map<string, Entry>();
  private readonly grantMembers = new Map<string, Set<string>>();
  private readonly userCodes = new Map<string, string>();
  private readonly sessionUids = new Map<string, string>();
  private writes = 0;

  adapterFor(model: string): Adapter {
    const key = (id: string) => `${model}:${id}`;
    return {
      upsert: async (id, payload, expiresIn) => this.upsert(model, key(id), id, payload, expiresIn),
      find: async (id) => this.read(key(id)),
      findByUserCode: async (userCode) => this.readVia(this.userCodes.get(userCode), key),
      findByUid: async (uid) => this.readVia(this.sessionUids.get(uid), key),
      consume: async (id) => {
        const payload = this.read(key(id));
        if (payload) payload.consumed = Math.floor(Date.now() / 1000);
      },
      destroy: async (id) => void this.entries.delete(key(id)),
      revokeByGrantId: async (grantId) => {
        for (const member of this.grantMembers.get(grantId) ?? []) this.entries.delete(member);
        this.grantMembers.delete(grantId);
      },
    };
  }

  private upsert(model: string, key: string, id: string, payload: AdapterPayload, expiresIn?: number): void {
    const expiresAt =
      typeof expiresIn === 'number' ? Date.now() + expiresIn * 1000 : Number.POSITIVE_INFINITY;
    this.entries.set(key, { payload, expiresAt });
    if (payload.grantId && model !== 'Grant') {
      const members = this.grantMembers.get(payload.grantId) ?? new Set<string>();
      members.add(key);
      this.grantMembers.set(payload.grantId, members);
    }
    if (payload.userCode) this.userCodes.set(payload.userCode, id);
    if (model === 'Session' && payload.uid) this.sessionUids.set(payload.uid, id);
    if (++this.writes % SWEEP_EVERY_WRITES === 0) this.sweep();
  }

  private read(key: string): AdapterPayload | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.payload;
  }

  private readVia(id: string | undefined, key: (id: string) => string): AdapterPayload | undefined {
    return id === undefined ? undefined : this.read(key(id));
  }

  // Drops expired entries and the indexes that point only at dropped entries, so a long `npm start` stays small.
  private sweep(): void {
    const now = Date.now();
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
    for (const [grantId, members] of this.grantMembers) {
      for (const member of members) if (!this.entries.has(member)) members.delete(member);
      if (members.size === 0) this.grantMembers.delete(grantId);
    }
    for (const [userCode, id] of this.userCodes)
      if (!this.entries.has(`DeviceCode:${id}`)) this.userCodes.delete(userCode);
    for (const [uid, id] of this.sessionUids)
      if (!this.entries.has(`Session:${id}`)) this.sessionUids.delete(uid);
  }
}
