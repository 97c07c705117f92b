import * as oidc from 'openid-client';
import { DevIdentityProvider } from '@tether/testing';
import { cliClient, discoverAsCli, SCOPE } from './dev-idp-clients.js';

// openid-client waits the RFC 8628 default interval (5 s) before each poll; these tests approve first, then poll once.
describe('dev identity provider: device authorization grant', () => {
  let idp: DevIdentityProvider;
  let cli: oidc.Configuration;

  beforeAll(async () => {
    idp = await DevIdentityProvider.start({ clients: [cliClient] });
    cli = await discoverAsCli(idp);
  });

  afterAll(async () => {
    await idp?.close();
  });

  it('gives the device carol’s tokens once carol approves its user code', async () => {
    const device = await oidc.initiateDeviceAuthorization(cli, { scope: SCOPE });
    expect(device.verification_uri).toBe(`${idp.issuer}/device`);
    expect(device.user_code).toMatch(/^[A-Z]{4}-[A-Z]{4}$/);

    await idp.approveDevice(device.user_code, 'carol');
    const tokens = await oidc.pollDeviceAuthorizationGrant(cli, device);

    expect(tokens.claims()).toMatchObject({
      iss: idp.issuer,
      aud: 'tether-cli',
      sub: 'dev-user-carol',
      preferred_username: 'carol',
      groups: ['security-auditors'],
    });
    expect(tokens.refresh_token).toBeTruthy();
    const refreshed = await oidc.refreshTokenGrant(cli, tokens.refresh_token!);
    expect(refreshed.claims()).toMatchObject({ sub: 'dev-user-carol', groups: ['security-auditors'] });
  });

  it('lets a user code be approved only once', async () => {
    const device = await oidc.initiateDeviceAuthorization(cli, { scope: SCOPE });
    await idp.approveDevice(device.user_code, 'carol');
    await expect(idp.approveDevice(device.user_code, 'alice')).rejects.toMatchObject({
      code: 'IDP_DEVICE_APPROVAL_FAILED',
    });
    const tokens = await oidc.pollDeviceAuthorizationGrant(cli, device);
    expect(tokens.claims()?.['preferred_username']).toBe('carol');
  });

  it('refuses to approve a user code it never issued', async () => {
    await expect(idp.approveDevice('BBBB-CCCC', 'carol')).rejects.toMatchObject({
      code: 'IDP_DEVICE_APPROVAL_FAILED',
    });
  });

  it('tells the polling device access_denied when the user aborts on the verification page', async () => {
    const device = await oidc.initiateDeviceAuthorization(cli, { scope: SCOPE });
    const verification = new URL(device.verification_uri_complete!);
    const form = await fetch(verification);
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(await form.text())?.[1];
    const cookie = form.headers
      .getSetCookie()
      .map((line) => line.split(';')[0])
      .join('; ');
    const abort = await fetch(`${idp.issuer}/device`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ xsrf: xsrf!, user_code: device.user_code, abort: 'yes' }),
    });
    expect(abort.status).toBe(400);

    await expect(oidc.pollDeviceAuthorizationGrant(cli, device)).rejects.toMatchObject({
      error: 'access_denied',
    });
  });
});
