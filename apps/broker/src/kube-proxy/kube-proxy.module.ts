import { Module } from '@nestjs/common';
import { AccessRequestsModule } from '../access-requests/access-requests.module';
import { PolicyModule } from '../policy/policy.module';
import { TunnelGateway } from '../tunnel-gateway/tunnel-gateway';
import { kubeAccessProviders } from './kube-access.providers';
import { KubeRequestRouter } from './kube-request-router';
import { UpgradeRouter } from './upgrade-router';

@Module({
  imports: [PolicyModule, AccessRequestsModule],
  providers: [...kubeAccessProviders, KubeRequestRouter, UpgradeRouter],
  exports: [TunnelGateway],
})
export class KubeProxyModule {}
