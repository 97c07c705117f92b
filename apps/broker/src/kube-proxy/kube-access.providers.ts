import type { Provider } from '@nestjs/common';
import type { BrokerConfig } from '@tether/config';
import { DecisionSigner, publicJwkOf } from '@tether/decision';
import type { Logger } from 'pino';
import { SessionTokens } from '../auth/session-tokens';
import { ROOT_LOGGER } from '../broker-core.providers';
import { BROKER_CONFIG } from '../broker-config.provider';
import { ClusterRegistry } from '../clusters/cluster-registry';
import { decideAccess } from '../policy/access-rules';
import { TunnelGateway } from '../tunnel-gateway/tunnel-gateway';
import { KubeProxy } from './kube-proxy';

export const kubeAccessProviders: Provider[] = [
  {
    provide: TunnelGateway,
    useFactory: (clusters: ClusterRegistry, signer: DecisionSigner, logger: Logger) =>
      new TunnelGateway(clusters, () => [publicJwkOf(signer.currentKey)], logger),
    inject: [ClusterRegistry, DecisionSigner, ROOT_LOGGER],
  },
  {
    provide: KubeProxy,
    useFactory: (
      config: BrokerConfig,
      sessions: SessionTokens,
      signer: DecisionSigner,
      gateway: TunnelGateway,
      logger: Logger,
    ) =>
      new KubeProxy({
        authenticate: (token) => sessions.verify(token),
        decide: (who, cluster, attributes) => decideAccess(config.ACCESS_RULES, who, cluster, attributes),
        transport: gateway,
        signer,
        decisionLifetimeSeconds: config.DECISION_LIFETIME_SECONDS,
        logger,
      }),
    inject: [BROKER_CONFIG, SessionTokens, DecisionSigner, TunnelGateway, ROOT_LOGGER],
  },
];
