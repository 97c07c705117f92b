import type { BrokerTarget, CommandContext } from '../commands/command-context.js';
import { type StoredSession } from './stored-session.js';
import { validSession } from './session-provider.js';
import { TokenCache } from './token-cache.js';

/** The broker's timeout for a refresh stays below the lock's stale age, so a slow refresh is never "stale". */
const refreshTimeoutMs = 8_000;

/**
 * A session with a usable access token for this broker, refreshing it if needed. The HTTPS client is
 * loaded only when a refresh is due, so the cached path of `kube credential` stays cheap.
 */
export async function activeSession(ctx: CommandContext, target: BrokerTarget): Promise<StoredSession> {
  return validSession({
    cache: new TokenCache(ctx.env.configDir, target.url),
    now: ctx.now,
    lock: { staleMs: 10_000 },
    refresh: async (refreshToken) => {
      const { BrokerApi } = await import('../broker/broker-api.js');
      const options = { timeoutMs: refreshTimeoutMs, ...(target.caPem ? { caPem: target.caPem } : {}) };
      return new BrokerApi(target.url, options, ctx.now).refresh(refreshToken);
    },
  });
}
