import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { BrokerConfig } from '@tether/config';
import { proxyPrefix, statusFailure } from '@tether/kube';
import type { Logger } from 'pino';
import { BROKER_CONFIG } from '../broker-config.provider';
import { ROOT_LOGGER } from '../broker-core.providers';
import { ReplicaRegistry } from '../peers/replica-registry';
import { TunnelGateway } from '../tunnel-gateway/tunnel-gateway';
import { ReplicaDrain } from './replica-drain';

type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * SIGTERM (Nest's shutdown hooks) drains this replica before any module stops: onModuleDestroy runs
 * ahead of every beforeApplicationShutdown, so audit, change feed and database are still up while
 * in-flight requests finish.
 */
@Injectable()
export class GracefulShutdown implements OnModuleDestroy {
  readonly drain: ReplicaDrain;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    registry: ReplicaRegistry,
    gateway: TunnelGateway,
    @Inject(BROKER_CONFIG) config: BrokerConfig,
    @Inject(ROOT_LOGGER) logger: Logger,
  ) {
    this.drain = new ReplicaDrain(
      {
        leaveRegistry: () => registry.stop(),
        stopAccepting: () =>
          new Promise<void>((resolve) => {
            const server = this.server();
            if (!server?.listening) return resolve();
            server.close(() => resolve());
          }),
        drainTunnels: (deadlineMs) => gateway.server.drain(deadlineMs),
        dropConnections: () => this.server()?.closeAllConnections(),
      },
      {
        readinessDelayMs: config.SHUTDOWN_READINESS_DELAY_SECONDS * 1000,
        deadlineMs: config.SHUTDOWN_DEADLINE_SECONDS * 1000,
      },
      logger,
    );
  }

  async onModuleDestroy(): Promise<void> {
    this.gateRequests();
    await this.drain.drain();
  }

  private server(): Server | undefined {
    return this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
  }

  // Wraps whatever handles requests now (Express, the kube proxy's fast path): while draining every
  // response closes its connection, so a kept-alive client reconnects through the load balancer; once
  // closing, requests still arriving on open connections get a 503 with Retry-After.
  private gateRequests(): void {
    const server = this.server();
    if (server === undefined) return;
    const handlers = server.listeners('request') as RequestListener[];
    server.removeAllListeners('request');
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      res.setHeader('Connection', 'close');
      if (!this.drain.refusing) {
        for (const handler of handlers) handler.call(server, req, res);
        return;
      }
      const message = 'this broker replica is shutting down; retry and another replica will answer';
      const body = req.url?.startsWith(proxyPrefix)
        ? statusFailure(503, 'ServiceUnavailable', message)
        : { error: 'shutting_down', message };
      res.writeHead(503, { 'Content-Type': 'application/json', 'Retry-After': '1' });
      res.end(JSON.stringify(body));
    });
  }
}
