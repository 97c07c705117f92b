import { get } from 'node:https';
import * as oidc from 'openid-client';
import { CertificateAuthority } from '@tether/pki';
import { DevIdentityProvider } from '@tether/testing';
import { brokerClient, cliClient, discoverAsCli, pkceRequest, SCOPE } from './dev-idp-clients.js';

async function postJson(
  url: string,
  body: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

function httpsGet(url: string, caPem: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get(url, { ca: caPem }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

describe('dev identity provider: sign-in for people and scripts', () => {
  let idp: DevIdentityProvider;
  let cli: oidc.Configuration;
  const loopback = 'http://127.0.0.1:49152/callback';

  beforeAll(async () => {
    idp = await DevIdentityProvider.start({ clients: [cliClient] });
    cli = await discoverAsCli(idp);
  });

  afterAll(async () => {
    await idp?.close();
  });

  it('shows a person a login form listing the demo users', async () => {
    const request = await pkceRequest(cli, loopback);
    const redirect = await fetch(request.url, { redirect: 'manual' });
    expect(redirect.status).toBe(303);
    const cookie = redirect.headers
      .getSetCookie()
      .map((line) => line.split(';')[0])
      .join('; ');
    const page = await fetch(new URL(redirect.headers.get('location')!, idp.issuer), { headers: { cookie } });
    const html = await page.text();

    expect(page.status).toBe(200);
    expect(idp.users.map((user) => user.username)).toEqual(['alice', 'bob', 'carol']);
    for (const username of ['alice', 'bob', 'carol']) expect(html).toContain(`<option value="${username}"`);
    expect(html).toContain('type="password"');
  });

  it('signs a script in through POST /dev/login and the code redeems for bob', async () => {
    const request = await pkceRequest(cli, loopback);
    const { status, json } = await postJson(`${idp.issuer}/dev/login`, {
      authorization_url: request.url.href,
      username: 'bob',
    });
    expect(status).toBe(200);

    const tokens = await oidc.authorizationCodeGrant(cli, new URL(String(json['redirect_to'])), {
      pkceCodeVerifier: request.verifier,
      expectedState: request.state,
      expectedNonce: request.nonce,
    });
    expect(tokens.claims()).toMatchObject({ preferred_username: 'bob', groups: ['developers'] });
  });

  it('refuses POST /dev/login for an unknown user or an authorization URL of another server', async () => {
    const request = await pkceRequest(cli, loopback);
    const unknown = await postJson(`${idp.issuer}/dev/login`, {
      authorization_url: request.url.href,
      username: 'mallory',
    });
    expect(unknown).toMatchObject({ status: 404, json: { error: 'unknown_user' } });

    const elsewhere = await postJson(`${idp.issuer}/dev/login`, {
      authorization_url: 'http://127.0.0.1:1/auth?client_id=tether-cli',
      username: 'bob',
    });
    expect(elsewhere).toMatchObject({ status: 400, json: { error: 'invalid_request' } });
  });

  it('approves a device through POST /dev/device', async () => {
    const device = await oidc.initiateDeviceAuthorization(cli, { scope: SCOPE });
    const { status, json } = await postJson(`${idp.issuer}/dev/device`, {
      user_code: device.user_code,
      username: 'alice',
    });
    expect({ status, json }).toEqual({ status: 200, json: { approved: true } });

    const tokens = await oidc.pollDeviceAuthorizationGrant(cli, device);
    expect(tokens.claims()).toMatchObject({ preferred_username: 'alice', groups: ['platform-admins'] });
  });

  it('serves no script sign-in when started without it', async () => {
    const closed = await DevIdentityProvider.start({ clients: [cliClient], devLoginEndpoint: false });
    try {
      const response = await fetch(`${closed.issuer}/dev/login`, { method: 'POST', body: '{}' });
      expect(response.status).toBe(404);
    } finally {
      await closed.close();
    }
  });

  it('refuses to start with a confidential client that has no secret or an issuer with a path', async () => {
    const { client_secret: _secret, ...withoutSecret } = brokerClient;
    await expect(DevIdentityProvider.start({ clients: [withoutSecret] })).rejects.toMatchObject({
      code: 'IDP_INVALID_OPTIONS',
    });
    await expect(
      DevIdentityProvider.start({ clients: [cliClient], issuer: 'http://127.0.0.1:9/tenant' }),
    ).rejects.toMatchObject({ code: 'IDP_INVALID_OPTIONS' });
  });

  it('serves HTTPS with a certificate from a private CA, and scripts sign in over it', async () => {
    const ca = await CertificateAuthority.create('dev-idp-test-ca');
    const cert = await ca.issueServerCertificate({ commonName: '127.0.0.1', ipAddresses: ['127.0.0.1'] });
    const secure = await DevIdentityProvider.start({
      clients: [cliClient],
      tls: { certPem: cert.certPem, keyPem: cert.keyPem, caPem: ca.certPem },
    });
    try {
      expect(secure.issuer).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const discovery = await httpsGet(`${secure.issuer}/.well-known/openid-configuration`, ca.certPem);
      expect(discovery.status).toBe(200);
      const metadata = JSON.parse(discovery.body) as Record<string, string>;
      expect(metadata['issuer']).toBe(secure.issuer);

      const authorize = new URL(metadata['authorization_endpoint']!);
      authorize.search = new URLSearchParams({
        client_id: 'tether-cli',
        response_type: 'code',
        redirect_uri: loopback,
        scope: SCOPE,
        code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
        code_challenge_method: 'S256',
      }).toString();
      const callback = await secure.completeLogin(authorize, 'bob');
      expect(callback.searchParams.get('code')).toBeTruthy();
    } finally {
      await secure.close();
    }
  });
});
