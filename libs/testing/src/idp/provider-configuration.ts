import type { JWK } from 'jose';
import type { ClientView, Configuration } from 'oidc-provider';
import type { AccountStore } from './account-store.js';
import { clientMetadata, type DevClient } from './dev-client.js';
import type { MemoryStore } from './memory-adapter.js';
import { providerPages } from './provider-pages.js';
import type { DevTokenLifetimes } from './token-lifetimes.js';

export interface ProviderConfigurationInput {
  clients: readonly DevClient[];
  accounts: AccountStore;
  signingKeys: JWK[];
  cookieKeys: string[];
  store: MemoryStore;
  lifetimes?: DevTokenLifetimes;
}

const HOUR = 60 * 60;
const DAY = 24 * HOUR;

interface RevocableToken {
  clientId?: string;
}

/** oidc-provider settings for the dev IdP: real flows, demo claims, everything else as strict as it ships. */
export function providerConfiguration(input: ProviderConfigurationInput): Configuration {
  const lifetimes = input.lifetimes ?? {};
  const refreshTokenTtl = lifetimes.refreshToken ?? 14 * DAY;
  return {
    adapter: (model: string) => input.store.adapterFor(model),
    clients: input.clients.map(clientMetadata),
    jwks: { keys: input.signingKeys },
    cookies: { keys: input.cookieKeys },
    findAccount: (_ctx: unknown, sub: string) => input.accounts.findAccount(sub),
    scopes: ['openid', 'offline_access', 'email', 'profile', 'groups'],
    claims: {
      acr: null,
      auth_time: null,
      iss: null,
      sid: null,
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'preferred_username'],
      groups: ['groups'],
    },
    // By default oidc-provider puts scope claims of a code flow only in userinfo; the broker reads groups from the ID token.
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    // Like Keycloak and Dex, not only with offline_access: every client allowed the refresh_token grant gets one.
    issueRefreshToken: async (_ctx: unknown, client: ClientView) => client.grantTypeAllowed('refresh_token'),
    // Always rotate, so clients are tested against the stricter behaviour (a used refresh token is dead).
    rotateRefreshToken: () => true,
    clientBasedCORS: () => false,
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    renderError: providerPages.renderError,
    features: {
      devInteractions: { enabled: false },
      resourceIndicators: { enabled: false },
      userinfo: { enabled: true },
      revocation: {
        enabled: true,
        allowedPolicy: (_ctx: unknown, client: ClientView, token: RevocableToken) =>
          token.clientId === client.clientId,
      },
      deviceFlow: {
        enabled: true,
        userCodeInputSource: providerPages.userCodeInputSource,
        userCodeConfirmSource: providerPages.userCodeConfirmSource,
        successSource: providerPages.successSource,
      },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: providerPages.logoutSource,
        postLogoutSuccessSource: providerPages.postLogoutSuccessSource,
      },
    },
    ttl: {
      AccessToken: lifetimes.accessToken ?? HOUR,
      AuthorizationCode: 60,
      IdToken: lifetimes.idToken ?? HOUR,
      RefreshToken: refreshTokenTtl,
      DeviceCode: lifetimes.deviceCode ?? 10 * 60,
      Interaction: 10 * 60,
      // Refresh tokens without offline_access end with the session, so the session must live as long.
      Session: refreshTokenTtl,
      Grant: refreshTokenTtl,
      ClientCredentials: 10 * 60,
      BackchannelAuthenticationRequest: 10 * 60,
    },
  };
}
