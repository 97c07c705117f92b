import * as oidc from 'openid-client';
import { DEVICE_CODE_GRANT_TYPE, type DevClient, type DevIdentityProvider } from '@tether/testing';

/** The CLI: a public native client that signs in on a loopback port or with a device code. */
export const cliClient: DevClient = {
  client_id: 'tether-cli',
  redirect_uris: ['http://127.0.0.1/callback'],
  grant_types: ['authorization_code', 'refresh_token', DEVICE_CODE_GRANT_TYPE],
  token_endpoint_auth_method: 'none',
};

/** The broker: a confidential web client with a fixed callback. */
export const brokerClient: DevClient = {
  client_id: 'tether-broker',
  client_secret: 'broker-secret-for-tests',
  redirect_uris: ['http://127.0.0.1:8443/auth/callback'],
  post_logout_redirect_uris: ['http://127.0.0.1:8443/signed-out'],
  grant_types: ['authorization_code', 'refresh_token'],
  token_endpoint_auth_method: 'client_secret_basic',
};

export const SCOPE = 'openid email profile groups';

/** openid-client set up as the CLI; the dev IdP serves plain HTTP on 127.0.0.1, which must be allowed. */
export function discoverAsCli(idp: DevIdentityProvider): Promise<oidc.Configuration> {
  return oidc.discovery(new URL(idp.issuer), cliClient.client_id, undefined, oidc.None(), {
    execute: [oidc.allowInsecureRequests],
  });
}

export function discoverAsBroker(idp: DevIdentityProvider): Promise<oidc.Configuration> {
  const secret = brokerClient.client_secret ?? '';
  return oidc.discovery(
    new URL(idp.issuer),
    brokerClient.client_id,
    undefined,
    oidc.ClientSecretBasic(secret),
    {
      execute: [oidc.allowInsecureRequests],
    },
  );
}

export interface PkceRequest {
  url: URL;
  verifier: string;
  state: string;
  nonce: string;
  redirectUri: string;
}

/** An authorization request as the CLI builds it: PKCE S256, state and nonce, a loopback redirect. */
export async function pkceRequest(
  config: oidc.Configuration,
  redirectUri: string,
  scope = SCOPE,
): Promise<PkceRequest> {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
  });
  return { url, verifier, state, nonce, redirectUri };
}

/** Signs `username` in for `request` and redeems the code as openid-client would on the loopback callback. */
export async function signInWithPkce(
  idp: DevIdentityProvider,
  config: oidc.Configuration,
  request: PkceRequest,
  username: string,
) {
  const callback = await idp.completeLogin(request.url, username);
  return oidc.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier: request.verifier,
    expectedState: request.state,
    expectedNonce: request.nonce,
    idTokenExpected: true,
  });
}
