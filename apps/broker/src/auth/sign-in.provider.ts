import type { Provider } from '@nestjs/common';
import type { BrokerConfig } from '@tether/config';
import { brokerIssuer } from '../broker-core.providers';
import { BROKER_CONFIG } from '../broker-config.provider';
import { AuthError } from './auth.errors';
import { OidcRelyingParty } from './oidc-relying-party';
import { SessionStore } from './session-store';
import { SessionTokens } from './session-tokens';
import { SignInService } from './sign-in.service';

/**
 * Sign-in needs the IdP's discovery document. It is fetched on first use and again after a failure,
 * so a broker starts (and serves kubectl for existing sessions) while the IdP is briefly down.
 */
export class SignIn {
  private service: Promise<SignInService> | undefined;

  constructor(private readonly create: (() => Promise<SignInService>) | undefined) {}

  get enabled(): boolean {
    return this.create !== undefined;
  }

  async get(): Promise<SignInService> {
    if (!this.create)
      throw new AuthError(
        'sign_in_disabled',
        'sign-in is not configured on this broker (TETHER_BROKER_OIDC_ISSUER)',
        503,
      );
    this.service ??= this.create().catch((error: unknown) => {
      this.service = undefined;
      throw new AuthError(
        'idp_error',
        `cannot reach the identity provider: ${(error as Error).message}`,
        502,
      );
    });
    return this.service;
  }
}

export const signInProvider: Provider = {
  provide: SignIn,
  useFactory: (config: BrokerConfig, sessions: SessionStore, tokens: SessionTokens) => {
    if (!config.OIDC_ISSUER || !config.OIDC_CLIENT_ID) return new SignIn(undefined);
    const { OIDC_ISSUER: issuer, OIDC_CLIENT_ID: clientId } = config;
    return new SignIn(async () => {
      const idp = await OidcRelyingParty.discover({
        issuer,
        clientId,
        ...(config.OIDC_CLIENT_SECRET ? { clientSecret: config.OIDC_CLIENT_SECRET } : {}),
        scopes: config.OIDC_SCOPES,
        redirectUri: `${brokerIssuer(config)}/auth/callback`,
        allowHttpIssuer: config.DEV_MODE,
        groupsClaim: config.OIDC_GROUPS_CLAIM,
        usernameClaim: config.OIDC_USERNAME_CLAIM,
      });
      const identity = {
        usernameClaim: config.OIDC_USERNAME_CLAIM,
        groupsClaim: config.OIDC_GROUPS_CLAIM,
        groupsPrefix: config.OIDC_GROUPS_PREFIX,
        groupsMap: config.OIDC_GROUPS_MAP,
        allowedEmailDomains: config.OIDC_ALLOWED_EMAIL_DOMAINS,
      };
      return new SignInService(idp, sessions, tokens, identity, config.ACCESS_TOKEN_TTL_SECONDS);
    });
  },
  inject: [BROKER_CONFIG, SessionStore, SessionTokens],
};
