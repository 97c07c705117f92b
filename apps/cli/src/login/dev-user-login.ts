import { setTimeout as delay } from 'node:timers/promises';
import type { AuthConfig, BrokerApi } from '../broker/broker-api.js';
import { CliError } from '../errors/cli-error.js';
import type { StoredSession } from '../session/stored-session.js';
import { browserLogin } from './browser-login.js';
import { CookieJar } from './cookie-jar.js';
import { approveDevDevice, completeDevLogin } from './dev-idp-api.js';
import { deviceLogin } from './device-login.js';

const maxRedirects = 20;

export interface DevUserLoginOptions {
  api: BrokerApi;
  config: AuthConfig;
  username: string;
  caPem?: string;
  log: (line: string) => void;
}

/** Dev mode only: refuses unless the broker says `devMode: true`, so it can never sign in to a real IdP. */
export function assertDevMode(config: AuthConfig, broker: string): void {
  if (!config.devMode) {
    throw new CliError(
      'not_dev_mode',
      `${broker} is not in dev mode, so --dev-user is refused`,
      'Sign in as yourself with: tether login (or tether login --device)',
    );
  }
}

/**
 * `--dev-user NAME`: the browser flow with this process as the browser. It follows the broker's redirects
 * with plain GETs (keeping cookies per host), lets the dev IdP's headless API sign NAME in where the chain
 * reaches the IdP, and follows the IdP's answer on through the broker's callback to the loopback receiver.
 */
export async function devUserLogin(options: DevUserLoginOptions): Promise<StoredSession> {
  const { api, config, username } = options;
  assertDevMode(config, api.broker);
  const idpOrigin = config.idpIssuer ? new URL(config.idpIssuer).origin : undefined;
  const jar = new CookieJar();
  return browserLogin({
    api,
    visit: async (loginUrl) => {
      let url = new URL(loginUrl);
      const loopback = new URL(new URL(loginUrl).searchParams.get('redirect_uri') ?? 'http://127.0.0.1/');
      for (let hop = 0; hop < maxRedirects; hop++) {
        const atIdp = idpOrigin ? url.origin === idpOrigin : url.origin !== new URL(api.broker).origin;
        if (atIdp && url.origin !== loopback.origin) {
          options.log(`signing in as ${username} at the dev IdP ${url.origin}`);
          url = new URL(await completeDevLogin(url.href, username, withCa(options.caPem)), url);
          continue;
        }
        const response = await api.client.send('GET', url.href, undefined, undefined, jar);
        if (url.origin === loopback.origin && url.pathname === loopback.pathname) {
          if (response.status === 200) return;
          throw new CliError(
            'idp_error',
            `the loopback callback refused the answer: ${visibleText(response.body)}`,
          );
        }
        const location = response.headers.location;
        if (response.status < 300 || response.status >= 400 || !location) {
          throw new CliError(
            'idp_error',
            `sign-in stopped at ${url.origin}${url.pathname} with HTTP ${response.status}: ${visibleText(response.body)}`,
          );
        }
        url = new URL(location, url);
      }
      throw new CliError(
        'idp_error',
        `sign-in did not reach the loopback callback within ${maxRedirects} redirects`,
      );
    },
  });
}

/** `--device --dev-user NAME`: the device flow, with the code approved through the dev IdP's headless API. */
export async function devUserDeviceLogin(options: DevUserLoginOptions): Promise<StoredSession> {
  const { api, config, username } = options;
  assertDevMode(config, api.broker);
  const idpIssuer = config.idpIssuer;
  if (!idpIssuer) throw new CliError('broker_error', `${api.broker}/auth/config does not name its idpIssuer`);
  let approvalError: unknown;
  return deviceLogin({
    api,
    prompt: (authorization) => {
      options.log(`approving device code ${authorization.user_code} as ${username} at the dev IdP`);
      approveDevDevice(idpIssuer, authorization.user_code, username, withCa(options.caPem)).catch(
        (error: unknown) => (approvalError = error ?? new Error('approval failed')),
      );
    },
    // A failed approval ends the polling at once instead of when the device code expires.
    sleep: async (ms) => {
      await delay(ms);
      if (approvalError) throw approvalError;
    },
  });
}

function withCa(caPem: string | undefined): { caPem?: string } {
  return caPem ? { caPem } : {};
}

// An OAuth-style JSON error from the broker, or the visible text of an HTML page: for messages only.
function visibleText(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: unknown; error_description?: unknown };
    if (typeof parsed.error === 'string') {
      return [parsed.error, parsed.error_description].filter((part) => typeof part === 'string').join(': ');
    }
  } catch {
    // not JSON
  }
  return body
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 200);
}
