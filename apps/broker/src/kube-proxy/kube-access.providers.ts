import { createHash } from 'node:crypto';
import type { Provider } from '@nestjs/common';
import type { BrokerConfig } from '@tether/config';
import { DecisionSigner, publicJwkOf } from '@tether/decision';
import { createLogger } from '@tether/logging';
import type { Logger } from 'pino';
import { SessionTokens } from '../auth/session-tokens';
import { BROKER_CONFIG } from '../broker-config.provider';
import { loadOrGenerateEd25519 } from '../broker-keys';
import { ClusterRegistry } from '../clusters/cluster-registry';
import { decideAccess } from '../policy/access-rules';
import { TunnelGateway } from '../tunnel-gateway/tunnel-gateway';
import { KubeProxy } from './kube-proxy';

export const ROOT_LOGGER = Symbol('ROOT_LOGGER');
export const sessionAudience = 'tether-kube';

export function brokerIssuer(config: BrokerConfig): string {
  return config.PUBLIC_URL ?? `https://${config.HOST}:${config.PORT}`;
}

// Key ids derive from the public key, so a broker restarted with the same key keeps its kid.
function keyIdOf(publicKeyDer: Buffer): string {
  return createHash('sha256').update(publicKeyDer).digest('base64url').slice(0, 16);
}

export const kubeAccessProviders: Provider[] = [
  {
    provide: ROOT_LOGGER,
    useFactory: (config: BrokerConfig) => createLogger({ service: 'broker', level: config.LOG_LEVEL }),
    inject: [BROKER_CONFIG],
  },
  {
    provide: SessionTokens,
    useFactory: (config: BrokerConfig) => {
      const keys = loadOrGenerateEd25519(config.SESSION_KEY_FILE);
      return new SessionTokens({
        issuer: brokerIssuer(config),
        audience: sessionAudience,
        keyId: keyIdOf(keys.publicKey.export({ format: 'der', type: 'spki' })),
        ...keys,
      });
    },
    inject: [BROKER_CONFIG],
  },
  {
    provide: DecisionSigner,
    useFactory: (config: BrokerConfig) => {
      const keys = loadOrGenerateEd25519(config.DECISION_KEY_FILE);
      return new DecisionSigner({
        keyId: keyIdOf(keys.publicKey.export({ format: 'der', type: 'spki' })),
        privateKey: keys.privateKey,
      });
    },
    inject: [BROKER_CONFIG],
  },
  {
    provide: ClusterRegistry,
    useFactory: (config: BrokerConfig) => new ClusterRegistry(config.CLUSTERS),
    inject: [BROKER_CONFIG],
  },
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
