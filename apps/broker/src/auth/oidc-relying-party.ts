import * as client from 'openid-client';
import { AuthError } from './auth.errors';

export interface RelyingPartySettings {
  issuer: string;
  clientId: string;
  clientSecret?: string;
  scopes: string;
  redirectUri: string;
  /** When the ID token lacks this claim (or the user name claim), userinfo is asked for it. */
  groupsClaim?: string;
  usernameClaim?: string;
  /** Plain-HTTP issuers are accepted only in dev mode (the embedded dev IdP). */
  allowHttpIssuer: boolean;
}

export interface LoginChecks {
  state: string;
  nonce: string;
  codeVerifier: string;
}

export interface IdpTokens {
  claims: Record<string, unknown>;
  refreshToken?: string;
  /** When the IdP says its refresh token (its session) ends, if it says so. */
  sessionExpiresAtMs?: number;
}

/** The broker as an OpenID Connect relying party of the company's IdP (openid-client). */
export class OidcRelyingParty {
  private constructor(
    private readonly config: client.Configuration,
    private readonly settings: RelyingPartySettings,
  ) {}

  static async discover(settings: RelyingPartySettings): Promise<OidcRelyingParty> {
    const issuer = new URL(settings.issuer);
    if (issuer.protocol !== 'https:' && !settings.allowHttpIssuer) {
      throw new Error(`OIDC issuer ${settings.issuer} must use https (plain http only in dev mode)`);
    }
    const auth = settings.clientSecret ? client.ClientSecretPost(settings.clientSecret) : client.None();
    const options = issuer.protocol === 'http:' ? { execute: [client.allowInsecureRequests] } : undefined;
    const config = await client.discovery(issuer, settings.clientId, undefined, auth, options);
    // openid-client trusts TLS for ID tokens from the token endpoint and skips their signature;
    // Tether verifies it against the IdP's JWKS as well (a proxy or a DNS mistake is not an IdP).
    client.enableNonRepudiationChecks(config);
    return new OidcRelyingParty(config, settings);
  }

  get issuer(): string {
    return this.config.serverMetadata().issuer;
  }

  async startLogin(): Promise<{ url: string; checks: LoginChecks }> {
    const checks = {
      state: client.randomState(),
      nonce: client.randomNonce(),
      codeVerifier: client.randomPKCECodeVerifier(),
    };
    const url = client.buildAuthorizationUrl(this.config, {
      redirect_uri: this.settings.redirectUri,
      scope: this.settings.scopes,
      state: checks.state,
      nonce: checks.nonce,
      code_challenge: await client.calculatePKCECodeChallenge(checks.codeVerifier),
      code_challenge_method: 'S256',
      // Most IdPs hand out a refresh token for offline_access only after an explicit consent prompt.
      ...(this.settings.scopes.split(' ').includes('offline_access') ? { prompt: 'consent' } : {}),
    });
    return { url: url.href, checks };
  }

  /** Redeems the IdP's code; the ID token is fully validated (signature, issuer, audience, expiry, nonce). */
  async finishLogin(callbackUrl: URL, checks: LoginChecks): Promise<IdpTokens> {
    return this.tokens(() =>
      client.authorizationCodeGrant(this.config, callbackUrl, {
        pkceCodeVerifier: checks.codeVerifier,
        expectedState: checks.state,
        expectedNonce: checks.nonce,
        idTokenExpected: true,
      }),
    );
  }

  async startDeviceLogin(): Promise<client.DeviceAuthorizationResponse> {
    try {
      return await client.initiateDeviceAuthorization(this.config, { scope: this.settings.scopes });
    } catch (error) {
      throw idpError(error);
    }
  }

  finishDeviceLogin(response: client.DeviceAuthorizationResponse, signal: AbortSignal): Promise<IdpTokens> {
    return this.tokens(() =>
      client.pollDeviceAuthorizationGrant(this.config, response, undefined, { signal }),
    );
  }

  /** Confirms the IdP session still lives, and picks up changed groups. */
  refresh(refreshToken: string): Promise<IdpTokens> {
    return this.tokens(() => client.refreshTokenGrant(this.config, refreshToken));
  }

  private async tokens(
    grant: () => Promise<client.TokenEndpointResponse & client.TokenEndpointResponseHelpers>,
  ): Promise<IdpTokens> {
    let response;
    try {
      response = await grant();
    } catch (error) {
      throw idpError(error);
    }
    const idTokenClaims = response.claims();
    if (!idTokenClaims) throw new AuthError('idp_error', 'the identity provider returned no ID token');
    const claims = await this.withUserinfo(idTokenClaims as Record<string, unknown>, response.access_token);
    const refreshExpiresIn = (response as { refresh_expires_in?: unknown }).refresh_expires_in;
    return {
      claims,
      ...(response.refresh_token ? { refreshToken: response.refresh_token } : {}),
      ...(typeof refreshExpiresIn === 'number' && refreshExpiresIn > 0
        ? { sessionExpiresAtMs: Date.now() + refreshExpiresIn * 1000 }
        : {}),
    };
  }

  /** Many IdPs put groups only in userinfo; its claims never override the ID token's. */
  private async withUserinfo(
    claims: Record<string, unknown>,
    accessToken: string,
  ): Promise<Record<string, unknown>> {
    const wanted = [this.settings.groupsClaim, this.settings.usernameClaim].filter(
      (name): name is string => !!name,
    );
    const missing = wanted.some((name) => claims[name] === undefined);
    if (!missing || !this.config.serverMetadata().userinfo_endpoint || typeof claims.sub !== 'string')
      return claims;
    try {
      const userinfo = await client.fetchUserInfo(this.config, accessToken, claims.sub);
      return { ...(userinfo as Record<string, unknown>), ...claims };
    } catch (error) {
      throw idpError(error);
    }
  }
}

function idpError(error: unknown): AuthError {
  if (error instanceof AuthError) return error;
  const oauth = error as { error?: string; error_description?: string; message?: string; code?: string };
  if (oauth.error === 'access_denied')
    return new AuthError('access_denied', oauth.error_description ?? 'the sign-in was denied');
  if (oauth.error === 'expired_token')
    return new AuthError('expired_token', 'the device code expired; start again');
  if (oauth.error === 'invalid_grant')
    return new AuthError(
      'invalid_grant',
      `the identity provider ended the session: ${oauth.error_description ?? 'invalid_grant'}`,
    );
  const detail = oauth.error_description ?? oauth.error ?? oauth.message ?? String(error);
  return new AuthError('idp_error', `identity provider error: ${detail}`, 502);
}
