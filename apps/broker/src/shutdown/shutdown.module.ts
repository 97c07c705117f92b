import { Module } from '@nestjs/common';
import { KubeProxyModule } from '../kube-proxy/kube-proxy.module';
import { PeersModule } from '../peers/peers.module';
import { GracefulShutdown } from './graceful-shutdown';

/** The replica's drain on SIGTERM, and the readiness it reports meanwhile. */
@Module({
  imports: [KubeProxyModule, PeersModule],
  providers: [GracefulShutdown],
  exports: [GracefulShutdown],
})
export class ShutdownModule {}
