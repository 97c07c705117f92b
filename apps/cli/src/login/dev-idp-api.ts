import { BrokerClient } from '../broker/broker-client.js';
import { BrokerHttpError, CliError } from '../errors/cli-error.js';

/**
 * The dev IdP's headless sign-in API (libs/testing/src/idp/dev-login-endpoint.ts), the only IdP-specific
 * part of `--dev-user`. It walks the IdP's own login and consent pages for `username`, so the real
 * authorization-code flow still runs; only the person typing is replaced.
 */
export interface DevIdpApiOptions {
  /** Extra CA (PEM) to trust when the dev IdP serves HTTPS with a private certificate. */
  caPem?: string;
}

/** `POST <idp>/dev/login`: resolves to where the IdP sends the browser next (the broker's callback). */
export async function completeDevLogin(
  authorizationUrl: string,
  username: string,
  options: DevIdpApiOptions = {},
): Promise<string> {
  const idp = new URL(authorizationUrl).origin;
  const body = await call(
    idp,
    '/dev/login',
    { authorization_url: authorizationUrl, username },
    username,
    options,
  );
  const redirectTo = (body as { redirect_to?: unknown }).redirect_to;
  if (typeof redirectTo !== 'string')
    throw new CliError('idp_error', `${idp}/dev/login answered without redirect_to`);
  return redirectTo;
}

/** `POST <idp>/dev/device`: approves a device sign-in's user code as `username`. */
export async function approveDevDevice(
  idpIssuer: string,
  userCode: string,
  username: string,
  options: DevIdpApiOptions = {},
): Promise<void> {
  await call(new URL(idpIssuer).origin, '/dev/device', { user_code: userCode, username }, username, options);
}

async function call(
  idp: string,
  path: string,
  body: Record<string, string>,
  username: string,
  options: DevIdpApiOptions,
): Promise<unknown> {
  const client = new BrokerClient(idp, {
    label: 'the dev IdP',
    ...(options.caPem ? { caPem: options.caPem } : {}),
  });
  try {
    return await client.postJson<unknown>(path, body);
  } catch (error) {
    if (error instanceof BrokerHttpError) {
      const hint =
        error.oauthError === 'unknown_user'
          ? `Pick one of the dev IdP's demo users (e.g. alice, bob, carol).`
          : error.status === 404
            ? 'The IdP has no headless sign-in API: --dev-user works only with the dev IdP.'
            : undefined;
      throw new CliError('idp_error', `dev IdP sign-in as ${username} failed: ${error.message}`, hint);
    }
    throw error;
  }
}
