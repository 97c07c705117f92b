import {
  Inject,
  type MiddlewareConsumer,
  Module,
  type NestModule,
  type OnModuleDestroy,
  type OnModuleInit,
  RequestMethod,
} from '@nestjs/common';
import type { BrokerConfig } from '@tether/config';
import { json } from 'express';
import type { Logger } from 'pino';
import { AccessRequestsModule } from '../access-requests/access-requests.module';
import { brokerIssuer, ROOT_LOGGER } from '../broker-core.providers';
import { BROKER_CONFIG } from '../broker-config.provider';
import { ChangeFeed } from '../change-feed/change-feed';
import { ClusterRegistry } from '../clusters/cluster-registry';
import { ClustersController } from '../clusters/clusters.controller';
import { KubeProxyModule } from '../kube-proxy/kube-proxy.module';
import { PolicyModule } from '../policy/policy.module';
import { TunnelGateway } from '../tunnel-gateway/tunnel-gateway';
import { AgentAuthenticator } from './agent-authenticator';
import { AgentsController } from './agents.controller';
import { ClusterAdminController } from './cluster-admin.controller';
import { EnrolledClusterSync } from './enrolled-cluster-sync';
import type { EnrollmentStore } from './enrollment-store';
import { ENROLLMENT_STORE } from './enrollment-store.provider';
import { DEFAULT_CREDENTIAL_GRACE_SECONDS, EnrollmentService } from './enrollment.service';

// Other replicas' changes arrive on the change feed; this poll covers a notification lost meanwhile.
const REFRESH_INTERVAL_MS = 5_000;

@Module({
  imports: [KubeProxyModule, PolicyModule, AccessRequestsModule],
  controllers: [ClustersController, ClusterAdminController, AgentsController],
  providers: [
    {
      provide: EnrolledClusterSync,
      useFactory: (
        store: EnrollmentStore,
        registry: ClusterRegistry,
        gateway: TunnelGateway,
        logger: Logger,
        feed: ChangeFeed,
      ) => {
        const sync = new EnrolledClusterSync(
          store,
          registry,
          (cluster, reason) => gateway.closeTunnels(cluster, reason),
          logger,
          () => gateway.credentialSessions(),
        );
        // A cluster added or removed, or credentials revoked, on any replica: re-read now; tunnels
        // of a removed cluster or a revoked credential close here too.
        const refresh = () =>
          void sync
            .refresh()
            .catch((error: unknown) =>
              logger.warn({ err: error }, 'could not re-read the enrolled clusters after a change'),
            );
        for (const type of ['cluster-added', 'cluster-removed', 'credential-revoked'] as const)
          feed.on(type, refresh);
        feed.onResync(refresh);
        return sync;
      },
      inject: [ENROLLMENT_STORE, ClusterRegistry, TunnelGateway, ROOT_LOGGER, ChangeFeed],
    },
    {
      provide: EnrollmentService,
      useFactory: (
        config: BrokerConfig,
        store: EnrollmentStore,
        registry: ClusterRegistry,
        gateway: TunnelGateway,
        sync: EnrolledClusterSync,
        logger: Logger,
        feed: ChangeFeed,
      ) =>
        new EnrollmentService({
          store,
          registry,
          authenticator: new AgentAuthenticator(store, registry),
          closeTunnels: (cluster, reason) => gateway.closeTunnels(cluster, reason),
          refresh: () => sync.refresh(),
          announce: (change) => feed.publish(change),
          settings: {
            adminGroups: config.ADMIN_GROUPS,
            joinTokenTtlSeconds: config.JOIN_TOKEN_TTL_SECONDS,
            credentialTtlSeconds: config.AGENT_CREDENTIAL_TTL_SECONDS,
            credentialGraceSeconds: DEFAULT_CREDENTIAL_GRACE_SECONDS,
            brokerUrl: brokerIssuer(config),
          },
          logger,
        }),
      inject: [
        BROKER_CONFIG,
        ENROLLMENT_STORE,
        ClusterRegistry,
        TunnelGateway,
        EnrolledClusterSync,
        ROOT_LOGGER,
        ChangeFeed,
      ],
    },
  ],
})
export class EnrollmentModule implements NestModule, OnModuleInit, OnModuleDestroy {
  constructor(
    private readonly sync: EnrolledClusterSync,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  configure(consumer: MiddlewareConsumer): void {
    consumer
      .apply(json({ limit: '16kb' }))
      .forRoutes(
        { path: 'api/clusters', method: RequestMethod.POST },
        { path: 'api/clusters/*path', method: RequestMethod.POST },
        { path: 'api/agents/*path', method: RequestMethod.POST },
      );
  }

  async onModuleInit(): Promise<void> {
    await this.sync.refresh();
    this.sync.start(REFRESH_INTERVAL_MS);
    this.logger.debug('enrolled clusters loaded');
  }

  onModuleDestroy(): void {
    this.sync.stop();
  }
}
