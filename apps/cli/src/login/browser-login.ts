import type { BrokerApi } from '../broker/broker-api.js';
import type { StoredSession } from '../session/stored-session.js';
import { startLoopbackReceiver } from './loopback-server.js';
import { createPkce, createState } from './pkce.js';

export interface BrowserLoginOptions {
  api: BrokerApi;
  /** Takes the sign-in URL to a browser (or, for --dev-user, follows it headlessly). */
  visit: (loginUrl: string) => Promise<void> | void;
  timeoutMs?: number;
}

/** Authorization code + PKCE through a loopback redirect (contract: browser flow, steps 1–3). */
export async function browserLogin(options: BrowserLoginOptions): Promise<StoredSession> {
  const { api } = options;
  const state = createState();
  const pkce = createPkce();
  const receiver = await startLoopbackReceiver(state, options.timeoutMs);
  try {
    const loginUrl = api.loginUrl({
      redirectUri: receiver.redirectUri,
      state,
      codeChallenge: pkce.challenge,
    });
    // A failed visit (e.g. the headless follower) ends the wait at once; otherwise the callback or the timeout does.
    const visited = Promise.resolve().then(() => options.visit(loginUrl));
    const code = await Promise.race([visited.then(() => receiver.code), receiver.code]);
    return await api.exchangeCode(code, pkce.verifier, receiver.redirectUri);
  } finally {
    receiver.close();
  }
}
