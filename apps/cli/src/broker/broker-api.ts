import { CliError } from '../errors/cli-error.js';
import { sessionFromTokenResponse, type StoredSession } from '../session/stored-session.js';
import { BrokerClient, type BrokerClientOptions } from './broker-client.js';

/** The broker's sign-in and cluster endpoints (see the auth contract), typed for the CLI. */

export interface AuthConfig {
  issuer: string;
  devMode: boolean;
  /** False when the broker has no IdP configured. */
  signInEnabled?: boolean;
  clientId: string;
  accessTokenTtlSeconds?: number;
  idpIssuer?: string;
  /** The auditor's base URL, when the audit log is served there and not by the broker itself. */
  auditUrl?: string;
}

export interface DeviceAuthorization {
  device_code: string;
  user_code: string;
  verification_uri: string;
  verification_uri_complete?: string;
  expires_in: number;
  interval?: number;
}

export interface WhoAmI {
  username: string;
  email?: string;
  groups: string[];
  expiresAt?: string;
  sessionExpiresAt?: string;
}

export interface ClusterSummary {
  name: string;
  labels?: Record<string, string>;
  online: boolean;
  access: string;
}

export class BrokerApi {
  readonly client: BrokerClient;

  constructor(
    readonly broker: string,
    options: BrokerClientOptions = {},
    private readonly now: () => number = Date.now,
  ) {
    this.client = new BrokerClient(broker, options);
  }

  async authConfig(): Promise<AuthConfig> {
    const body = await this.client.getJson<Partial<AuthConfig>>('/auth/config');
    if (typeof body.devMode !== 'boolean') {
      throw new CliError('broker_error', `${this.broker}/auth/config does not look like a Tether broker`);
    }
    if (body.signInEnabled === false) {
      throw new CliError(
        'broker_error',
        `${this.broker} has no sign-in configured (no OpenID Connect provider)`,
        "Ask the broker's operator to configure its identity provider.",
      );
    }
    return body as AuthConfig;
  }

  /** The browser page that starts sign-in (step 2 of the browser flow). */
  loginUrl(params: { redirectUri: string; state: string; codeChallenge: string }): string {
    const query = new URLSearchParams({
      redirect_uri: params.redirectUri,
      state: params.state,
      code_challenge: params.codeChallenge,
      code_challenge_method: 'S256',
    });
    return `${this.broker}/auth/login?${query.toString()}`;
  }

  async exchangeCode(code: string, codeVerifier: string, redirectUri: string): Promise<StoredSession> {
    return this.token({
      grant_type: 'authorization_code',
      code,
      code_verifier: codeVerifier,
      redirect_uri: redirectUri,
    });
  }

  async refresh(refreshToken: string): Promise<StoredSession> {
    return this.token({ grant_type: 'refresh_token', refresh_token: refreshToken });
  }

  startDevice(): Promise<DeviceAuthorization> {
    return this.client.postJson<DeviceAuthorization>('/auth/device', {});
  }

  pollDevice(deviceCode: string): Promise<StoredSession> {
    return this.token({
      grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
      device_code: deviceCode,
    });
  }

  async revoke(refreshToken: string): Promise<void> {
    await this.client.postJson('/auth/revoke', { refresh_token: refreshToken });
  }

  whoami(accessToken: string): Promise<WhoAmI> {
    return this.client.getJson<WhoAmI>('/auth/whoami', accessToken);
  }

  async clusters(accessToken: string): Promise<ClusterSummary[]> {
    const body = await this.client.getJson<{ clusters?: unknown }>('/api/clusters', accessToken);
    if (!Array.isArray(body.clusters)) {
      throw new CliError('broker_error', `${this.broker}/api/clusters did not return a cluster list`);
    }
    return body.clusters.filter((c): c is ClusterSummary => typeof (c as ClusterSummary)?.name === 'string');
  }

  private async token(body: Record<string, string>): Promise<StoredSession> {
    const sentAt = this.now(); // expires_in counts from issuance, which is after this: never later than real
    const response = await this.client.postJson<unknown>('/auth/token', body);
    return sessionFromTokenResponse(this.broker, response, sentAt);
  }
}
