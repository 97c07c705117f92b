import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { type BeforeApplicationShutdown, Inject, Module, type OnModuleInit } from '@nestjs/common';
import type { BrokerConfig } from '@tether/config';
import type { Logger } from 'pino';
import { Gauge } from 'prom-client';
import { brokerIssuer, ROOT_LOGGER } from '../broker-core.providers';
import { BROKER_CONFIG } from '../broker-config.provider';
import { BrokerDatabase } from '../database/broker-database';
import { KubeProxyModule } from '../kube-proxy/kube-proxy.module';
import { BrokerTelemetry } from '../telemetry/broker-telemetry';
import { TunnelGateway } from '../tunnel-gateway/tunnel-gateway';
import { BrokerReplicaStore } from './broker-replica-store';
import { ReplicaRegistry } from './replica-registry';
import { TunnelWarmup } from './tunnel-warmup';

/**
 * Broker replicas find each other through the database they share: each registers where agents dial
 * it (ADVERTISE_URL, default PUBLIC_URL), and the tunnel gateway tells every agent the live set, so each
 * agent keeps one tunnel per replica and any replica can serve any cluster.
 */
@Module({
  imports: [KubeProxyModule],
  providers: [
    {
      provide: ReplicaRegistry,
      useFactory: async (
        config: BrokerConfig,
        database: BrokerDatabase,
        gateway: TunnelGateway,
        logger: Logger,
      ) => {
        const store = new BrokerReplicaStore(database.client);
        await store.migrate();
        const url = config.ADVERTISE_URL ?? brokerIssuer(config);
        if (/^https:\/\/(0\.0\.0\.0|\[::\])[:/]/.test(url))
          logger.warn(
            { url },
            'this replica advertises an unspecified address: set TETHER_BROKER_ADVERTISE_URL (or PUBLIC_URL) to where agents reach it',
          );
        return new ReplicaRegistry({
          store,
          self: { id: randomUUID(), url, instance: config.INSTANCE ?? hostname() },
          heartbeatMs: config.REPLICA_HEARTBEAT_SECONDS * 1000,
          connectedClusters: () => gateway.server.clusterNames(),
          onChange: () => gateway.publishReplicas(),
          logger,
        });
      },
      inject: [BROKER_CONFIG, BrokerDatabase, TunnelGateway, ROOT_LOGGER],
    },
    {
      provide: TunnelWarmup,
      useFactory: (config: BrokerConfig, registry: ReplicaRegistry, gateway: TunnelGateway) =>
        new TunnelWarmup(
          () => registry.clustersElsewhere(),
          () => gateway.server.clusterNames(),
          Date.now() + config.STARTUP_READINESS_TIMEOUT_SECONDS * 1000,
        ),
      inject: [BROKER_CONFIG, ReplicaRegistry, TunnelGateway],
    },
  ],
  exports: [ReplicaRegistry, TunnelWarmup],
})
export class PeersModule implements OnModuleInit, BeforeApplicationShutdown {
  constructor(
    private readonly registry: ReplicaRegistry,
    private readonly gateway: TunnelGateway,
    private readonly telemetry: BrokerTelemetry,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.registry.start();
    this.gateway.announceReplicas(() => this.registry.current());
    const registry = this.registry;
    new Gauge({
      name: 'tether_broker_replicas',
      help: 'Broker replicas this one sees in the replica registry (itself included); agents keep a tunnel to each',
      registers: [this.telemetry.registry],
      collect() {
        this.set(registry.current().length);
      },
    });
    this.logger.info(
      { replica: this.registry.self.id, url: this.registry.self.url },
      'registered in the broker replica registry',
    );
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.registry.stop();
  }
}
