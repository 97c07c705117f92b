import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { AuthError } from './auth.errors';
import type { MappedIdentity } from './identity-mapper';

export interface BrokerSession {
  id: string;
  identity: MappedIdentity;
  createdAtMs: number;
  /** Never later than the IdP session allows; refreshes cannot extend it. */
  expiresAtMs: number;
  /** Kept to re-check the IdP session on every refresh. */
  idpRefreshToken?: string;
}

interface StoredSession extends BrokerSession {
  refreshHash: Buffer;
  refreshExpiresAtMs: number;
  retiredRefreshHashes: Buffer[];
}

const hash = (secret: string) => createHash('sha256').update(secret).digest();

/**
 * Broker sessions and their rotating refresh tokens, in memory (one broker; shared storage comes with
 * high availability). A refresh token works once; presenting a used one again revokes the session,
 * since only a thief or a bug would do that.
 */
export class SessionStore {
  private readonly sessions = new Map<string, StoredSession>();
  private readonly revoked = new Map<string, number>();

  constructor(
    private readonly refreshTtlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  create(
    identity: MappedIdentity,
    limits: { expiresAtMs?: number; idpRefreshToken?: string } = {},
  ): { session: BrokerSession; refreshToken: string } {
    this.prune();
    const now = this.now();
    const id = randomUUID();
    const secret = randomBytes(32).toString('base64url');
    const expiresAtMs = Math.min(limits.expiresAtMs ?? Number.POSITIVE_INFINITY, now + this.refreshTtlMs);
    const session: StoredSession = {
      id,
      identity,
      createdAtMs: now,
      expiresAtMs,
      ...(limits.idpRefreshToken ? { idpRefreshToken: limits.idpRefreshToken } : {}),
      refreshHash: hash(secret),
      refreshExpiresAtMs: expiresAtMs,
      retiredRefreshHashes: [],
    };
    this.sessions.set(id, session);
    return { session: publicView(session), refreshToken: `${id}.${secret}` };
  }

  /** Exchanges a refresh token for a new one; the old one is dead from now on. */
  rotate(
    refreshToken: string,
    update: { identity?: MappedIdentity; idpRefreshToken?: string; expiresAtMs?: number } = {},
  ): { session: BrokerSession; refreshToken: string } {
    const session = this.sessionForRefresh(refreshToken);
    const secret = randomBytes(32).toString('base64url');
    session.retiredRefreshHashes.push(session.refreshHash);
    session.refreshHash = hash(secret);
    if (update.identity) session.identity = update.identity;
    if (update.idpRefreshToken) session.idpRefreshToken = update.idpRefreshToken;
    if (update.expiresAtMs !== undefined)
      session.expiresAtMs = Math.min(session.expiresAtMs, update.expiresAtMs);
    return { session: publicView(session), refreshToken: `${session.id}.${secret}` };
  }

  /** The session a refresh token belongs to, checked, without rotating it (to ask the IdP first). */
  peek(refreshToken: string): BrokerSession {
    return publicView(this.sessionForRefresh(refreshToken));
  }

  revokeByRefreshToken(refreshToken: string): void {
    const [id] = refreshToken.split('.');
    if (id && this.sessions.has(id)) this.revoke(id);
  }

  revoke(sessionId: string): void {
    const session = this.sessions.get(sessionId);
    this.sessions.delete(sessionId);
    this.revoked.set(sessionId, session?.expiresAtMs ?? this.now() + this.refreshTtlMs);
  }

  isRevoked(sessionId: string): boolean {
    return (
      this.revoked.has(sessionId) || (this.sessions.get(sessionId)?.expiresAtMs ?? Infinity) <= this.now()
    );
  }

  get(sessionId: string): BrokerSession | undefined {
    const session = this.sessions.get(sessionId);
    return session && session.expiresAtMs > this.now() ? publicView(session) : undefined;
  }

  private sessionForRefresh(refreshToken: string): StoredSession {
    const [id, secret] = refreshToken.split('.');
    const session = id ? this.sessions.get(id) : undefined;
    if (!session || !secret)
      throw new AuthError('invalid_grant', 'refresh token is not valid; run `tether login`');
    const presented = hash(secret);
    if (!timingSafeEqual(presented, session.refreshHash)) {
      if (session.retiredRefreshHashes.some((old) => timingSafeEqual(old, presented))) {
        this.revoke(session.id);
        throw new AuthError(
          'invalid_grant',
          'refresh token was already used; the session is revoked, run `tether login`',
        );
      }
      throw new AuthError('invalid_grant', 'refresh token is not valid; run `tether login`');
    }
    if (session.expiresAtMs <= this.now()) {
      this.revoke(session.id);
      throw new AuthError('invalid_grant', 'session expired; run `tether login`');
    }
    return session;
  }

  private prune(): void {
    const now = this.now();
    for (const [id, session] of this.sessions) if (session.expiresAtMs <= now) this.sessions.delete(id);
    for (const [id, until] of this.revoked) if (until <= now) this.revoked.delete(id);
  }
}

function publicView(session: StoredSession): BrokerSession {
  return {
    id: session.id,
    identity: session.identity,
    createdAtMs: session.createdAtMs,
    expiresAtMs: session.expiresAtMs,
    ...(session.idpRefreshToken ? { idpRefreshToken: session.idpRefreshToken } : {}),
  };
}
