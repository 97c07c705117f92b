import { BrokerApi } from '../broker/broker-api.js';
import type { BrokerTarget, CommandContext } from '../commands/command-context.js';
import { withFileLock } from '../files/file-lock.js';
import type { StoredSession } from '../session/stored-session.js';
import { TokenCache } from '../session/token-cache.js';
import { browserLogin } from './browser-login.js';
import { systemBrowserOpener } from './browser-opener.js';
import { deviceLogin } from './device-login.js';
import { devUserDeviceLogin, devUserLogin } from './dev-user-login.js';

export interface SignInMode {
  device?: boolean;
  devUser?: string;
}

/**
 * Signs in to `target` with the chosen flow, stores the session (under the cache lock, so it never races a
 * refresh) and makes the broker current. A previous session of the same broker is revoked afterwards.
 */
export async function signIn(
  ctx: CommandContext,
  target: BrokerTarget,
  mode: SignInMode,
): Promise<StoredSession> {
  const log = (line: string) => ctx.io.err(`${line}\n`);
  const api = new BrokerApi(target.url, target.caPem ? { caPem: target.caPem } : {}, ctx.now);
  const config = await api.authConfig();
  const caOption = target.caPem ? { caPem: target.caPem } : {};
  let session: StoredSession;
  if (mode.devUser) {
    const options = { api, config, username: mode.devUser, log, ...caOption };
    session = await (mode.device ? devUserDeviceLogin(options) : devUserLogin(options));
  } else if (mode.device) {
    session = await deviceLogin({
      api,
      prompt: (authorization) => {
        log(`To sign in to ${target.url}, open ${authorization.verification_uri}`);
        log(`and enter the code:  ${authorization.user_code}`);
        if (authorization.verification_uri_complete)
          log(`(or open ${authorization.verification_uri_complete})`);
        log(`Waiting for approval (the code expires in ${Math.round(authorization.expires_in / 60)} min)...`);
      },
    });
  } else {
    const open = ctx.openBrowser ?? systemBrowserOpener(ctx.env);
    session = await browserLogin({
      api,
      visit: (loginUrl) => {
        log(`Sign in to ${target.url} in your browser:\n\n  ${loginUrl}\n`);
        log(
          open(loginUrl)
            ? 'Opened your browser; waiting for sign-in...'
            : 'Waiting for sign-in (3 min). No browser here? Use: tether login --device',
        );
      },
    });
  }
  const skew = api.client.clockSkewWarning();
  if (skew) log(`tether: warning: ${skew}`);
  const previous = await storeSession(ctx, target, session);
  if (
    previous &&
    previous.refreshToken !== session.refreshToken &&
    Date.parse(previous.refreshExpiresAt) > ctx.now()
  ) {
    await api.revoke(previous.refreshToken).catch(() => undefined); // best effort: it expires on its own
  }
  return session;
}

async function storeSession(
  ctx: CommandContext,
  target: BrokerTarget,
  session: StoredSession,
): Promise<StoredSession | undefined> {
  const cache = new TokenCache(ctx.env.configDir, target.url);
  cache.ensureDir();
  const previous = await withFileLock(cache.lockPath, async () => {
    const old = cache.read();
    cache.write(session);
    return old;
  });
  const config = target.store.read();
  const settings = { ...config.brokers[target.url], ...(target.caPem ? { caPem: target.caPem } : {}) };
  target.store.write({
    ...config,
    currentBroker: target.url,
    brokers: { ...config.brokers, [target.url]: settings },
  });
  return previous;
}
