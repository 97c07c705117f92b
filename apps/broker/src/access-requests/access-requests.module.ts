import {
  Inject,
  type MiddlewareConsumer,
  Module,
  type NestModule,
  type OnModuleDestroy,
  type OnModuleInit,
  RequestMethod,
} from '@nestjs/common';
import { json } from 'express';
import type { Logger } from 'pino';
import { ROOT_LOGGER } from '../broker-core.providers';
import { ChangeFeed } from '../change-feed/change-feed';
import { ClusterRegistry } from '../clusters/cluster-registry';
import { BrokerPolicy } from '../policy/broker-policy';
import { PolicyModule } from '../policy/policy.module';
import { AccessRequestService } from './access-request.service';
import type { AccessRequestStore } from './access-request-store';
import { ACCESS_REQUEST_STORE, accessRequestStoreProviders } from './access-request-store.provider';
import { AccessRequestsController } from './access-requests.controller';
import { ActiveGrants } from './active-grants';

const EXPIRY_SWEEP_MS = 5000;

@Module({
  imports: [PolicyModule],
  controllers: [AccessRequestsController],
  providers: [
    ...accessRequestStoreProviders,
    {
      provide: AccessRequestService,
      useFactory: (
        store: AccessRequestStore,
        policy: BrokerPolicy,
        clusters: ClusterRegistry,
        logger: Logger,
        feed: ChangeFeed,
      ) =>
        new AccessRequestService({
          store,
          roles: () => policy.roles(),
          cluster: (name) => {
            const cluster = clusters.get(name);
            return cluster === undefined ? undefined : { name: cluster.name, labels: cluster.labels };
          },
          // Every replica's ActiveGrants drops the requester's entry (here at once).
          grantsChanged: (username) => feed.publish({ type: 'access-changed', requester: username }),
          logger,
        }),
      inject: [ACCESS_REQUEST_STORE, BrokerPolicy, ClusterRegistry, ROOT_LOGGER, ChangeFeed],
    },
  ],
  exports: [ActiveGrants],
})
export class AccessRequestsModule implements NestModule, OnModuleInit, OnModuleDestroy {
  private sweep: NodeJS.Timeout | undefined;

  constructor(
    private readonly requests: AccessRequestService,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  configure(consumer: MiddlewareConsumer): void {
    consumer
      .apply(json({ limit: '16kb' }))
      .forRoutes({ path: 'api/access-requests', method: RequestMethod.POST });
  }

  // Expiry needs no sweep to take effect (grants stop counting at expires_at); this records it as an event.
  onModuleInit(): void {
    this.sweep = setInterval(() => {
      this.requests.expireDue().catch((error: unknown) => {
        this.logger.warn({ err: error }, 'could not record expired access requests');
      });
    }, EXPIRY_SWEEP_MS);
    this.sweep.unref();
  }

  // The store's database is shared and closed by BrokerDatabase once every module has stopped.
  onModuleDestroy(): void {
    clearInterval(this.sweep);
  }
}
