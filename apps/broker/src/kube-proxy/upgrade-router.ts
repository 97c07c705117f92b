import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { proxyPrefix } from '@tether/kube';
import type { Logger } from 'pino';
import { TunnelGateway } from '../tunnel-gateway/tunnel-gateway';
import { KubeProxy } from './kube-proxy';
import { ROOT_LOGGER } from '../broker-core.providers';

/** One place that decides who takes an upgrade: agents' tunnels, kubectl's exec/attach/port-forward. */
@Injectable()
export class UpgradeRouter implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly gateway: TunnelGateway,
    private readonly proxy: KubeProxy,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    const server = this.adapterHost.httpAdapter.getHttpServer() as Server;
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.route(req, socket, head),
    );
  }

  /**
   * Before Nest closes the HTTP server, which waits for every connection: drain the agents' tunnels
   * (in-flight kubectl requests finish, up to the deadline), close them, then drop what is left.
   */
  async beforeApplicationShutdown(): Promise<void> {
    await this.gateway.server.drain(10_000);
    this.gateway.server.close();
    (this.adapterHost.httpAdapter.getHttpServer() as Server).closeAllConnections();
  }

  private route(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (this.gateway.server.handleUpgrade(req, socket, head)) return;
    // Node removes its own error listener from upgraded sockets: a client reset must not crash the broker.
    socket.on('error', () => socket.destroy());
    if (req.url?.startsWith(proxyPrefix)) {
      this.proxy.handleUpgrade(req, socket, head).catch((error: unknown) => {
        this.logger.error({ err: (error as Error).message }, 'upgrade failed');
        socket.destroy();
      });
      return;
    }
    socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  }
}
