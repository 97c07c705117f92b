import { MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { AccessRequestsModule } from '../access-requests/access-requests.module';
import { PolicyModule } from '../policy/policy.module';
import { TunnelGateway } from '../tunnel-gateway/tunnel-gateway';
import { kubeAccessProviders } from './kube-access.providers';
import { KubeProxyMiddleware } from './kube-proxy.middleware';
import { UpgradeRouter } from './upgrade-router';

@Module({
  imports: [PolicyModule, AccessRequestsModule],
  providers: [...kubeAccessProviders, UpgradeRouter],
  exports: [TunnelGateway],
})
export class KubeProxyModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(KubeProxyMiddleware).forRoutes({ path: 'k8s/*path', method: RequestMethod.ALL });
  }
}
