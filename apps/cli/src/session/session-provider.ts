import { CliError } from '../errors/cli-error.js';
import { withFileLock, type FileLockOptions } from '../files/file-lock.js';
import type { StoredSession } from './stored-session.js';
import type { TokenCache } from './token-cache.js';

/** Trades a refresh token for a new session; throws `BrokerHttpError` with `oauthError: 'invalid_grant'` when dead. */
export type SessionRefresher = (refreshToken: string) => Promise<StoredSession>;

export interface SessionProviderOptions {
  cache: TokenCache;
  refresh: SessionRefresher;
  /** The access token must stay valid at least this long, or it is refreshed first. */
  minValidityMs?: number;
  now?: () => number;
  lock?: FileLockOptions;
}

export function hasValidAccess(session: StoredSession, nowMs: number, minValidityMs: number): boolean {
  return Date.parse(session.accessExpiresAt) - nowMs > minValidityMs;
}

export function loginRequired(broker: string, reason: 'missing' | 'expired'): CliError {
  const what =
    reason === 'missing' ? `you are not signed in to ${broker}` : `your session for ${broker} expired`;
  return new CliError('login_required', `${what}; run: tether login --broker ${broker}`);
}

/**
 * A session whose access token is valid for at least `minValidityMs`: the cached one, or a refreshed one.
 * Refresh tokens rotate and reuse revokes the whole session, so refreshing happens under the cache's lock,
 * and whoever gets the lock first re-reads the cache: ten concurrent kubectl calls make one refresh.
 */
export async function validSession(options: SessionProviderOptions): Promise<StoredSession> {
  const { cache } = options;
  const now = options.now ?? Date.now;
  const minValidityMs = options.minValidityMs ?? 30_000;
  const cached = cache.read();
  if (cached && hasValidAccess(cached, now(), minValidityMs)) return cached;
  if (!cached) throw loginRequired(cache.broker, 'missing');
  cache.ensureDir();
  return withFileLock(
    cache.lockPath,
    async () => {
      const current = cache.read();
      if (!current) throw loginRequired(cache.broker, 'missing');
      if (hasValidAccess(current, now(), minValidityMs)) return current;
      if (Date.parse(current.refreshExpiresAt) <= now()) {
        cache.remove();
        throw loginRequired(cache.broker, 'expired');
      }
      let refreshed: StoredSession;
      try {
        refreshed = await options.refresh(current.refreshToken);
      } catch (error) {
        if (isDeadGrant(error)) {
          cache.remove();
          throw loginRequired(cache.broker, 'expired');
        }
        throw error;
      }
      cache.write(refreshed);
      return refreshed;
    },
    options.lock,
  );
}

function isDeadGrant(error: unknown): boolean {
  return (error as { oauthError?: unknown }).oauthError === 'invalid_grant';
}
