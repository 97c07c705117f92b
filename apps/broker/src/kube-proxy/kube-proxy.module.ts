import { MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { kubeAccessProviders } from './kube-access.providers';
import { KubeProxyMiddleware } from './kube-proxy.middleware';
import { UpgradeRouter } from './upgrade-router';

@Module({ providers: [...kubeAccessProviders, UpgradeRouter], exports: kubeAccessProviders })
export class KubeProxyModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(KubeProxyMiddleware).forRoutes({ path: 'k8s/*path', method: RequestMethod.ALL });
  }
}
