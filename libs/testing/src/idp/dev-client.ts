import { IdpError } from './idp-error.js';

export const DEVICE_CODE_GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:device_code';

export type DevGrantType = 'authorization_code' | 'refresh_token' | typeof DEVICE_CODE_GRANT_TYPE;

/** A relying party registered at the dev IdP, in OAuth dynamic-registration field names. */
export interface DevClient {
  client_id: string;
  client_secret?: string;
  redirect_uris?: string[];
  post_logout_redirect_uris?: string[];
  grant_types: DevGrantType[];
  token_endpoint_auth_method: 'none' | 'client_secret_basic' | 'client_secret_post';
  /**
   * `native` lets a loopback redirect URI match on any port (RFC 8252 §7.3), as a CLI listening on
   * `127.0.0.1:0` needs. Defaults to `native` for public clients (`none`) and `web` for the rest.
   */
  application_type?: 'web' | 'native';
  client_name?: string;
}

/** The client metadata oidc-provider registers, after the checks that would otherwise surface only at sign-in. */
export function clientMetadata(client: DevClient): Record<string, unknown> {
  const problems: string[] = [];
  const usesCode = client.grant_types.includes('authorization_code');
  if (!client.client_id) problems.push('client_id is empty');
  if (client.token_endpoint_auth_method !== 'none' && !client.client_secret) {
    problems.push(`${client.token_endpoint_auth_method} needs a client_secret`);
  }
  if (usesCode && !client.redirect_uris?.length) problems.push('authorization_code needs redirect_uris');
  if (client.grant_types.length === 0) problems.push('grant_types is empty');
  if (problems.length > 0) {
    throw new IdpError('IDP_INVALID_OPTIONS', `dev IdP client ${client.client_id}: ${problems.join('; ')}`);
  }
  return {
    ...client,
    application_type:
      client.application_type ?? (client.token_endpoint_auth_method === 'none' ? 'native' : 'web'),
    redirect_uris: client.redirect_uris ?? [],
    response_types: usesCode ? ['code'] : [],
  };
}
