import { CliError } from '../errors/cli-error.js';
import type { BrokerClient } from './broker-client.js';

/** What `POST /api/clusters` and `/rotate` return: the one-time join token and how to install with it. */
export interface JoinTokenGrant {
  cluster: { name: string; labels: Record<string, string> };
  joinToken: string;
  expiresAt: string;
  helmInstall: string;
  credentialsRevoked?: number;
}

export interface AdminClusterView {
  name: string;
  labels: Record<string, string>;
  online: boolean;
  access: string;
  source?: 'static' | 'enrolled';
  tunnels?: number;
  enrollment?: {
    createdAt: string;
    createdBy: string;
    joinToken: { state: 'pending' | 'used' | 'expired' | 'revoked'; expiresAt: string } | null;
    credential: { issuedAt: string; expiresAt: string } | null;
  } | null;
}

/** The broker's cluster administration endpoints, typed for `tether cluster`. */
export class ClusterApi {
  constructor(
    private readonly client: BrokerClient,
    private readonly accessToken: string,
  ) {}

  async add(name: string, labels: Record<string, string>): Promise<JoinTokenGrant> {
    return grantOf(await this.client.postJson<unknown>('/api/clusters', { name, labels }, this.accessToken));
  }

  async list(): Promise<AdminClusterView[]> {
    const body = await this.client.getJson<{ clusters?: unknown }>(
      '/api/clusters?view=admin',
      this.accessToken,
    );
    if (!Array.isArray(body.clusters))
      throw new CliError('broker_error', `${this.client.broker}/api/clusters did not return a cluster list`);
    return body.clusters as AdminClusterView[];
  }

  async remove(name: string): Promise<{ removed: string; tunnelsClosed: number }> {
    return this.client.deleteJson(`/api/clusters/${encodeURIComponent(name)}`, this.accessToken);
  }

  async rotate(name: string, revokeCredentials: boolean): Promise<JoinTokenGrant> {
    const path = `/api/clusters/${encodeURIComponent(name)}/rotate`;
    return grantOf(await this.client.postJson<unknown>(path, { revokeCredentials }, this.accessToken));
  }
}

function grantOf(body: unknown): JoinTokenGrant {
  const grant = body as Partial<JoinTokenGrant> | undefined;
  if (typeof grant?.joinToken !== 'string' || typeof grant.helmInstall !== 'string')
    throw new CliError('broker_error', 'the broker answered without a join token');
  return grant as JoinTokenGrant;
}
