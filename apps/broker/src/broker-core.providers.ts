import { createHash } from 'node:crypto';
import type { Provider } from '@nestjs/common';
import type { BrokerConfig, OtelEnvironmentConfig } from '@tether/config';
import { DecisionSigner } from '@tether/decision';
import { createLogger } from '@tether/logging';
import type { Logger } from 'pino';
import { BROKER_CONFIG, OTEL_ENVIRONMENT } from './broker-config.provider';
import { loadOrGenerateEd25519 } from './broker-keys';
import { ClusterRegistry } from './clusters/cluster-registry';
import { BrokerTelemetry } from './telemetry/broker-telemetry';

export const ROOT_LOGGER = Symbol('ROOT_LOGGER');
export const sessionAudience = 'tether-kube';

export function brokerIssuer(config: BrokerConfig): string {
  return config.PUBLIC_URL ?? `https://${config.HOST}:${config.PORT}`;
}

// Key ids derive from the public key, so a broker restarted with the same key keeps its kid.
export function keyIdOf(publicKeyDer: Buffer): string {
  return createHash('sha256').update(publicKeyDer).digest('base64url').slice(0, 16);
}

/** Shared by every feature module: config, logger, decision key, telemetry and the cluster registry. */
export const brokerCoreProviders: Provider[] = [
  {
    provide: ROOT_LOGGER,
    useFactory: (config: BrokerConfig) => createLogger({ service: 'broker', level: config.LOG_LEVEL }),
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
    provide: BrokerTelemetry,
    useFactory: (config: BrokerConfig, otel: OtelEnvironmentConfig, logger: Logger) =>
      new BrokerTelemetry(config, otel, logger),
    inject: [BROKER_CONFIG, OTEL_ENVIRONMENT, ROOT_LOGGER],
  },
  {
    provide: ClusterRegistry,
    useFactory: (config: BrokerConfig) => new ClusterRegistry(config.CLUSTERS),
    inject: [BROKER_CONFIG],
  },
];
