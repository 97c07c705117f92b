import { CliError } from '../errors/cli-error.js';

export interface SessionUser {
  username: string;
  email?: string;
  groups: string[];
}

/** One broker's sign-in as kept in the token cache. Times are RFC 3339, computed on this machine's clock. */
export interface StoredSession {
  broker: string;
  accessToken: string;
  accessExpiresAt: string;
  refreshToken: string;
  refreshExpiresAt: string;
  user: SessionUser;
}

/**
 * Turns the broker's token response into what the cache keeps. Expiry is `now + expires_in` on the local
 * clock rather than the JWT's `exp`, so a skewed laptop clock still renews on time, and kubectl (which
 * compares `expirationTimestamp` with the same local clock) agrees.
 */
export function sessionFromTokenResponse(broker: string, body: unknown, nowMs: number): StoredSession {
  const b = (body ?? {}) as Record<string, unknown>;
  const user = (b.user ?? {}) as Record<string, unknown>;
  if (
    typeof b.access_token !== 'string' ||
    typeof b.refresh_token !== 'string' ||
    typeof b.expires_in !== 'number' ||
    typeof user.username !== 'string'
  ) {
    throw new CliError(
      'broker_error',
      `the broker at ${broker} sent a token response without the expected fields`,
    );
  }
  const refreshIn = typeof b.refresh_expires_in === 'number' ? b.refresh_expires_in : b.expires_in;
  return {
    broker,
    accessToken: b.access_token,
    accessExpiresAt: new Date(nowMs + b.expires_in * 1000).toISOString(),
    refreshToken: b.refresh_token,
    refreshExpiresAt: new Date(nowMs + refreshIn * 1000).toISOString(),
    user: {
      username: user.username,
      ...(typeof user.email === 'string' ? { email: user.email } : {}),
      groups: Array.isArray(user.groups) ? user.groups.filter((g): g is string => typeof g === 'string') : [],
    },
  };
}

export function isStoredSession(value: unknown): value is StoredSession {
  const v = value as Partial<StoredSession> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.broker === 'string' &&
    typeof v.accessToken === 'string' &&
    typeof v.refreshToken === 'string' &&
    typeof v.accessExpiresAt === 'string' &&
    typeof v.refreshExpiresAt === 'string' &&
    typeof v.user?.username === 'string'
  );
}
