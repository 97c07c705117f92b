import { Controller, Get, Headers, Inject, UseFilters } from '@nestjs/common';
import type { BrokerConfig } from '@tether/config';
import { ActiveGrants } from '../access-requests/active-grants';
import { AuthErrorFilter } from '../auth/auth-error.filter';
import { bearerToken } from '../auth/bearer-token';
import { SessionTokens } from '../auth/session-tokens';
import { BROKER_CONFIG } from '../broker-config.provider';
import { BrokerPolicy } from '../policy/broker-policy';
import { TunnelGateway } from '../tunnel-gateway/tunnel-gateway';
import { ClusterRegistry } from './cluster-registry';

interface ClusterView {
  name: string;
  labels: Record<string, string>;
  online: boolean;
  access: string;
}

/** What `tether kube ls` shows: every cluster, whether its agent is connected, and your access there. */
@Controller('api/clusters')
@UseFilters(AuthErrorFilter)
export class ClustersController {
  constructor(
    @Inject(BROKER_CONFIG) private readonly config: BrokerConfig,
    private readonly registry: ClusterRegistry,
    private readonly gateway: TunnelGateway,
    private readonly tokens: SessionTokens,
    private readonly policy: BrokerPolicy,
    private readonly grants: ActiveGrants,
  ) {}

  @Get()
  async list(
    @Headers('authorization') authorization: string | undefined,
  ): Promise<{ clusters: ClusterView[] }> {
    const who = await this.tokens.verify(bearerToken(authorization));
    const grants = await this.grants.for(who.username);
    const clusters = this.config.CLUSTERS.filter((cluster) => this.registry.has(cluster.name)).map(
      (cluster) => ({
        name: cluster.name,
        labels: cluster.labels,
        online: this.gateway.server.sessionFor(cluster.name) !== undefined,
        access: this.policy.summarize(
          { username: who.username, email: who.email, groups: who.groups },
          cluster,
          grants,
        ),
      }),
    );
    return { clusters };
  }
}
