import { Controller, Get, Headers, Query, UseFilters } from '@nestjs/common';
import { ActiveGrants } from '../access-requests/active-grants';
import { AuthErrorFilter } from '../auth/auth-error.filter';
import { bearerToken } from '../auth/bearer-token';
import { SessionTokens } from '../auth/session-tokens';
import { EnrollmentErrorFilter } from '../enrollment/enrollment-error.filter';
import { type EnrollmentDetails, EnrollmentService } from '../enrollment/enrollment.service';
import { BrokerPolicy } from '../policy/broker-policy';
import { TunnelGateway } from '../tunnel-gateway/tunnel-gateway';
import { ClusterRegistry, type KnownCluster } from './cluster-registry';

interface ClusterView {
  name: string;
  labels: Record<string, string>;
  online: boolean;
  access: string;
  /** Admins only: where the cluster comes from, its agents' tunnels and its enrollment state. */
  source?: KnownCluster['source'];
  tunnels?: number;
  enrollment?: EnrollmentDetails | null;
}

/**
 * What `tether kube ls` shows: every cluster, whether its agent is connected, and your access there.
 * Admins (TETHER_BROKER_ADMIN_GROUPS) also see each cluster's enrollment for `tether cluster ls`.
 */
@Controller('api/clusters')
@UseFilters(AuthErrorFilter, EnrollmentErrorFilter)
export class ClustersController {
  constructor(
    private readonly registry: ClusterRegistry,
    private readonly gateway: TunnelGateway,
    private readonly tokens: SessionTokens,
    private readonly policy: BrokerPolicy,
    private readonly grants: ActiveGrants,
    private readonly enrollment: EnrollmentService,
  ) {}

  @Get()
  async list(
    @Headers('authorization') authorization: string | undefined,
    @Query('view') view: string | undefined,
  ): Promise<{ clusters: ClusterView[] }> {
    const who = await this.tokens.verify(bearerToken(authorization));
    const user = { username: who.username, email: who.email, groups: who.groups };
    // `?view=admin` (tether cluster ls) asks for the details and is refused, with who may, to others.
    if (view === 'admin') this.enrollment.requireAdmin(user, 'see cluster enrollment');
    const grants = await this.grants.for(who.username);
    const details = this.enrollment.isAdmin(user) ? await this.enrollment.details(user) : undefined;
    const clusters = this.registry.list().map((cluster): ClusterView => {
      const view: ClusterView = {
        name: cluster.name,
        labels: cluster.labels,
        online: this.gateway.server.sessionFor(cluster.name) !== undefined,
        access: this.policy.summarize(user, cluster, grants),
      };
      if (!details) return view;
      return {
        ...view,
        source: cluster.source,
        tunnels: this.gateway.server.sessionsFor(cluster.name).length,
        enrollment: details.get(cluster.name) ?? null,
      };
    });
    return { clusters };
  }
}
