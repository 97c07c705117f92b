import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { DeviceAuthorizationResponse } from 'openid-client';
import { AuthError } from './auth.errors';
import { ExpiringMap } from './expiring-map';
import { type IdentitySettings, mapIdentity } from './identity-mapper';
import { checkLoopbackRedirect } from './loopback-redirect';
import type { IdpTokens, LoginChecks, OidcRelyingParty } from './oidc-relying-party';
import type { BrokerSession, SessionStore } from './session-store';
import type { SessionTokens } from './session-tokens';

export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  refresh_token: string;
  refresh_expires_in: number;
  user: { username: string; email?: string; groups: string[] };
}

interface PendingLogin {
  checks: LoginChecks;
  cliRedirect: URL;
  cliState: string;
  cliChallenge: string;
}

interface IssuedCode {
  session: BrokerSession;
  refreshToken: string;
  cliChallenge: string;
  cliRedirect: string;
}

interface DeviceLogin {
  outcome?: { session: BrokerSession; refreshToken: string } | AuthError;
  intervalMs: number;
  lastPollMs: number;
  abort: AbortController;
}

const pendingTtlMs = 10 * 60_000;
const codeTtlMs = 60_000;

/** Sign-in use cases: browser login with PKCE, device login, refresh, logout. */
export class SignInService {
  private readonly pending = new ExpiringMap<PendingLogin>(pendingTtlMs, 10_000);
  private readonly codes = new ExpiringMap<IssuedCode>(codeTtlMs, 10_000);
  private readonly devices = new ExpiringMap<DeviceLogin>(pendingTtlMs, 10_000);

  constructor(
    private readonly idp: OidcRelyingParty,
    private readonly sessions: SessionStore,
    private readonly tokens: SessionTokens,
    private readonly identity: IdentitySettings,
    private readonly accessTtlSeconds: number,
  ) {}

  /** Step 1: remember the CLI's loopback and PKCE challenge, send the browser to the IdP. */
  async startBrowserLogin(query: Record<string, unknown>): Promise<string> {
    const cliRedirect = checkLoopbackRedirect(stringParam(query.redirect_uri));
    const cliState = stringParam(query.state);
    const cliChallenge = stringParam(query.code_challenge);
    if (!cliState || cliState.length > 512) throw new AuthError('invalid_request', 'state is required');
    if (
      query.code_challenge_method !== 'S256' ||
      !cliChallenge ||
      !/^[A-Za-z0-9_-]{43}$/.test(cliChallenge)
    ) {
      throw new AuthError('invalid_request', 'a PKCE code_challenge with method S256 is required');
    }
    const { url, checks } = await this.idp.startLogin();
    if (!this.pending.set(checks.state, { checks, cliRedirect, cliState, cliChallenge })) {
      throw new AuthError('invalid_request', 'too many sign-ins in progress; try again shortly', 503);
    }
    return url;
  }

  /** Step 2: the IdP came back; validate, create the session, hand the CLI a one-time code. */
  async finishBrowserLogin(callbackUrl: URL): Promise<string> {
    const state = callbackUrl.searchParams.get('state') ?? '';
    const pending = this.pending.take(state);
    if (!pending)
      throw new AuthError(
        'invalid_request',
        'this sign-in link expired or was already used; run `tether login` again',
      );
    const back = new URL(pending.cliRedirect);
    back.searchParams.set('state', pending.cliState);
    const idpError = callbackUrl.searchParams.get('error');
    if (idpError) {
      back.searchParams.set('error', idpError);
      back.searchParams.set(
        'error_description',
        callbackUrl.searchParams.get('error_description') ?? 'sign-in failed at the identity provider',
      );
      return back.href;
    }
    try {
      const created = await this.createSession(await this.idp.finishLogin(callbackUrl, pending.checks));
      const code = randomBytes(32).toString('base64url');
      this.codes.set(code, {
        ...created,
        cliChallenge: pending.cliChallenge,
        cliRedirect: pending.cliRedirect.href,
      });
      back.searchParams.set('code', code);
    } catch (error) {
      if (!(error instanceof AuthError)) throw error;
      back.searchParams.set('error', error.code);
      back.searchParams.set('error_description', error.message);
    }
    return back.href;
  }

  /** Step 3: the CLI proves it started the login (PKCE) and gets its tokens. */
  async redeemCode(body: Record<string, unknown>): Promise<TokenResponse> {
    const issued = this.codes.take(stringParam(body.code));
    if (!issued) throw new AuthError('invalid_grant', 'the sign-in code is invalid, expired or already used');
    const verifier = stringParam(body.code_verifier);
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    if (
      !verifier ||
      !safeEqual(challenge, issued.cliChallenge) ||
      stringParam(body.redirect_uri) !== issued.cliRedirect
    ) {
      await this.sessions.revoke(issued.session.id);
      throw new AuthError('invalid_grant', 'the code verifier or redirect_uri does not match this sign-in');
    }
    return this.tokenResponse(issued.session, issued.refreshToken);
  }

  async startDeviceLogin(): Promise<Record<string, unknown>> {
    const response: DeviceAuthorizationResponse = await this.idp.startDeviceLogin();
    const handle = randomBytes(32).toString('base64url');
    const intervalMs = (response.interval ?? 5) * 1000;
    const device: DeviceLogin = { intervalMs, lastPollMs: 0, abort: new AbortController() };
    if (!this.devices.set(handle, device))
      throw new AuthError('invalid_request', 'too many device sign-ins in progress', 503);
    this.idp
      .finishDeviceLogin(response, device.abort.signal)
      .then((tokens) => this.createSession(tokens))
      .then((created) => (device.outcome = created))
      .catch((error: unknown) => {
        device.outcome = error instanceof AuthError ? error : new AuthError('idp_error', String(error), 502);
      });
    return {
      device_code: handle,
      user_code: response.user_code,
      verification_uri: response.verification_uri,
      ...(response.verification_uri_complete
        ? { verification_uri_complete: response.verification_uri_complete }
        : {}),
      expires_in: response.expires_in,
      interval: response.interval ?? 5,
    };
  }

  async pollDeviceLogin(body: Record<string, unknown>, now = Date.now()): Promise<TokenResponse> {
    const handle = stringParam(body.device_code);
    const device = this.devices.get(handle);
    if (!device) throw new AuthError('expired_token', 'the device code expired or is unknown; start again');
    if (now - device.lastPollMs < device.intervalMs - 250) {
      device.intervalMs += 5000;
      device.lastPollMs = now;
      throw new AuthError('slow_down', 'polling too fast');
    }
    device.lastPollMs = now;
    const outcome = device.outcome;
    if (!outcome) throw new AuthError('authorization_pending', 'waiting for you to approve the sign-in');
    this.devices.delete(handle);
    if (outcome instanceof AuthError) throw outcome;
    return this.tokenResponse(outcome.session, outcome.refreshToken);
  }

  /** Rotates the refresh token; the IdP is asked first, so an ended IdP session ends this one too. */
  async refresh(body: Record<string, unknown>): Promise<TokenResponse> {
    const refreshToken = stringParam(body.refresh_token);
    const current = await this.sessions.peek(refreshToken);
    let update: Parameters<SessionStore['rotate']>[1] = {};
    if (current.idpRefreshToken) {
      try {
        const idp = await this.idp.refresh(current.idpRefreshToken);
        update = {
          identity: mapIdentity(idp.claims, this.identity),
          ...(idp.refreshToken ? { idpRefreshToken: idp.refreshToken } : {}),
          ...(idp.sessionExpiresAtMs ? { expiresAtMs: idp.sessionExpiresAtMs } : {}),
        };
      } catch (error) {
        if (
          error instanceof AuthError &&
          (error.code === 'invalid_grant' || error.code === 'access_denied')
        ) {
          await this.sessions.revoke(current.id);
        }
        throw error;
      }
    }
    const rotated = await this.sessions.rotate(refreshToken, update);
    return this.tokenResponse(rotated.session, rotated.refreshToken);
  }

  async logout(body: Record<string, unknown>): Promise<void> {
    const refreshToken = stringParam(body.refresh_token);
    if (refreshToken) await this.sessions.revokeByRefreshToken(refreshToken);
  }

  private createSession(tokens: IdpTokens): Promise<{ session: BrokerSession; refreshToken: string }> {
    const identity = mapIdentity(tokens.claims, this.identity);
    const idTokenExpiryMs = typeof tokens.claims.exp === 'number' ? tokens.claims.exp * 1000 : undefined;
    // Without an IdP refresh token the ID token's lifetime is all the IdP vouches for.
    const expiresAtMs = tokens.refreshToken ? tokens.sessionExpiresAtMs : idTokenExpiryMs;
    return this.sessions.create(identity, {
      ...(expiresAtMs !== undefined ? { expiresAtMs } : {}),
      ...(tokens.refreshToken ? { idpRefreshToken: tokens.refreshToken } : {}),
    });
  }

  private async tokenResponse(session: BrokerSession, refreshToken: string): Promise<TokenResponse> {
    const remainingSeconds = Math.floor((session.expiresAtMs - Date.now()) / 1000);
    const ttl = Math.max(1, Math.min(this.accessTtlSeconds, remainingSeconds));
    const { identity } = session;
    const accessToken = await this.tokens.issue({ ...identity, sessionId: session.id }, ttl);
    return {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: ttl,
      refresh_token: refreshToken,
      refresh_expires_in: Math.max(0, remainingSeconds),
      user: {
        username: identity.username,
        ...(identity.email ? { email: identity.email } : {}),
        groups: identity.groups,
      },
    };
  }
}

function stringParam(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
