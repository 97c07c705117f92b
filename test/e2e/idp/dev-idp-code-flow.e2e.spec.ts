import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import { completeDevLogin, DevIdentityProvider, freePort } from '@tether/testing';
import {
  brokerClient,
  cliClient,
  discoverAsBroker,
  discoverAsCli,
  pkceRequest,
  SCOPE,
  signInWithPkce,
} from './dev-idp-clients.js';

async function expectOAuthError(promise: Promise<unknown>, error: string): Promise<void> {
  await expect(promise).rejects.toMatchObject({ error });
}

describe('dev identity provider: authorization code with PKCE', () => {
  let idp: DevIdentityProvider;
  let cli: oidc.Configuration;
  let loopback: string;

  beforeAll(async () => {
    idp = await DevIdentityProvider.start({ clients: [cliClient, brokerClient] });
    cli = await discoverAsCli(idp);
    loopback = `http://127.0.0.1:${await freePort()}/callback`;
  });

  afterAll(async () => {
    await idp?.close();
  });

  it('advertises every endpoint the CLI and broker use in its discovery document', () => {
    const metadata = cli.serverMetadata();
    expect(metadata.issuer).toBe(idp.issuer);
    expect(idp.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    for (const endpoint of [
      'authorization_endpoint',
      'token_endpoint',
      'userinfo_endpoint',
      'jwks_uri',
      'revocation_endpoint',
      'end_session_endpoint',
      'device_authorization_endpoint',
    ] as const) {
      expect(metadata[endpoint], endpoint).toMatch(new RegExp(`^${idp.issuer}/`));
    }
    expect(metadata.code_challenge_methods_supported).toEqual(['S256']);
    expect(metadata.scopes_supported).toEqual(
      expect.arrayContaining(['openid', 'email', 'profile', 'groups']),
    );
    expect(metadata.claims_supported).toEqual(
      expect.arrayContaining(['groups', 'email', 'preferred_username']),
    );
  });

  it('signs bob in on any loopback port and puts his groups in the ID token and userinfo', async () => {
    const request = await pkceRequest(cli, loopback);
    const tokens = await signInWithPkce(idp, cli, request, 'bob');

    const claims = tokens.claims();
    expect(claims).toMatchObject({
      iss: idp.issuer,
      aud: 'tether-cli',
      sub: 'dev-user-bob',
      email: 'bob@example.com',
      email_verified: true,
      name: 'bob',
      preferred_username: 'bob',
      groups: ['developers'],
      nonce: request.nonce,
    });
    const userinfo = await oidc.fetchUserInfo(cli, tokens.access_token, 'dev-user-bob');
    expect(userinfo).toMatchObject({ sub: 'dev-user-bob', email: 'bob@example.com', groups: ['developers'] });
  });

  it('gives each demo user their own groups', async () => {
    for (const [username, groups] of [
      ['alice', ['platform-admins']],
      ['carol', ['security-auditors']],
    ] as const) {
      const tokens = await signInWithPkce(idp, cli, await pkceRequest(cli, loopback), username);
      expect(tokens.claims()).toMatchObject({ preferred_username: username, groups });
    }
  });

  it('refuses to redeem a code with the wrong code_verifier', async () => {
    const request = await pkceRequest(cli, loopback);
    const callback = await idp.completeLogin(request.url, 'bob');
    const redeem = oidc.authorizationCodeGrant(cli, callback, {
      pkceCodeVerifier: oidc.randomPKCECodeVerifier(),
      expectedState: request.state,
      expectedNonce: request.nonce,
    });
    await expectOAuthError(redeem, 'invalid_grant');
  });

  it('refuses to redeem the same code twice', async () => {
    const request = await pkceRequest(cli, loopback);
    const callback = await idp.completeLogin(request.url, 'bob');
    const checks = {
      pkceCodeVerifier: request.verifier,
      expectedState: request.state,
      expectedNonce: request.nonce,
    };
    await oidc.authorizationCodeGrant(cli, callback, checks);
    await expectOAuthError(oidc.authorizationCodeGrant(cli, callback, checks), 'invalid_grant');
  });

  it('answers an authorization request without PKCE with invalid_request at the redirect URI', async () => {
    const url = oidc.buildAuthorizationUrl(cli, { redirect_uri: loopback, scope: SCOPE, state: 'no-pkce' });
    const callback = await idp.completeLogin(url, 'bob');
    expect(callback.searchParams.get('error')).toBe('invalid_request');
    expect(callback.searchParams.get('code')).toBeNull();
  });

  it('never sends a code to a redirect URI the client did not register', async () => {
    const request = await pkceRequest(cli, 'http://attacker.example/callback');
    await expect(idp.completeLogin(request.url, 'bob')).rejects.toMatchObject({ code: 'IDP_LOGIN_FAILED' });
  });

  it('rejects a wrong password on the login form', async () => {
    const request = await pkceRequest(cli, loopback);
    await expect(completeDevLogin(request.url, 'bob', { password: 'guess' })).rejects.toMatchObject({
      code: 'IDP_LOGIN_REJECTED',
    });
  });

  it('refreshes with rotation: the new refresh token works, the used one is dead', async () => {
    const tokens = await signInWithPkce(idp, cli, await pkceRequest(cli, loopback), 'bob');
    const first = tokens.refresh_token;
    expect(first).toBeTruthy();

    const refreshed = await oidc.refreshTokenGrant(cli, first!);
    expect(refreshed.refresh_token).toBeTruthy();
    expect(refreshed.refresh_token).not.toBe(first);
    expect(refreshed.access_token).not.toBe(tokens.access_token);
    expect(refreshed.claims()).toMatchObject({ sub: 'dev-user-bob', groups: ['developers'] });

    await expectOAuthError(oidc.refreshTokenGrant(cli, first!), 'invalid_grant');
  });

  it('refuses a refresh token after the client revoked it', async () => {
    const tokens = await signInWithPkce(idp, cli, await pkceRequest(cli, loopback), 'alice');
    await oidc.tokenRevocation(cli, tokens.refresh_token!);
    await expectOAuthError(oidc.refreshTokenGrant(cli, tokens.refresh_token!), 'invalid_grant');
  });

  it('signs the broker (a confidential client) in and shows the sign-out page for its session', async () => {
    const broker = await discoverAsBroker(idp);
    const request = await pkceRequest(broker, brokerClient.redirect_uris![0]!);
    const tokens = await signInWithPkce(idp, broker, request, 'carol');
    expect(tokens.claims()).toMatchObject({ aud: 'tether-broker', groups: ['security-auditors'] });

    const endSession = oidc.buildEndSessionUrl(broker, {
      id_token_hint: tokens.id_token!,
      post_logout_redirect_uri: brokerClient.post_logout_redirect_uris![0]!,
    });
    const page = await fetch(endSession);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('name="logout"');
  });

  it('issues ID tokens that only its own keys verify: another start of the IdP cannot forge them', async () => {
    const other = await DevIdentityProvider.start({ clients: [cliClient] });
    try {
      const otherCli = await discoverAsCli(other);
      const foreign = await signInWithPkce(other, otherCli, await pkceRequest(otherCli, loopback), 'alice');
      const own = await signInWithPkce(idp, cli, await pkceRequest(cli, loopback), 'alice');

      const jwks = createRemoteJWKSet(new URL(cli.serverMetadata().jwks_uri!));
      const expected = { audience: 'tether-cli' };
      await expect(jwtVerify(own.id_token!, jwks, { ...expected, issuer: idp.issuer })).resolves.toBeTruthy();
      await expect(jwtVerify(foreign.id_token!, jwks, expected)).rejects.toThrow();
    } finally {
      await other.close();
    }
  });
});
