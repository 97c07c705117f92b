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

// Changes made by other broker replicas show up within this long (until #11 adds notifications).
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
      ) =>
        new EnrolledClusterSync(
          store,
          registry,
          (cluster, reason) => gateway.closeTunnels(cluster, reason),
          logger,
          () => gateway.credentialSessions(),
        ),
      inject: [ENROLLMENT_STORE, ClusterRegistry, TunnelGateway, ROOT_LOGGER],
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
      ) =>
        new EnrollmentService({
          store,
          registry,
          authenticator: new AgentAuthenticator(store, registry),
          closeTunnels: (cluster, reason) => gateway.closeTunnels(cluster, reason),
          refresh: () => sync.refresh(),
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
