import { type BrokerConfig, brokerConfigSchema, envWithPrefix, loadConfig } from '@tether/config';

export const BROKER_CONFIG = Symbol('BROKER_CONFIG');
/** The standard OTEL_* settings, read beside the broker's own in main. */
export const OTEL_ENVIRONMENT = Symbol('OTEL_ENVIRONMENT');

export function readBrokerConfig(env: NodeJS.ProcessEnv): BrokerConfig {
  return loadConfig(
    brokerConfigSchema,
    envWithPrefix(env, 'TETHER_BROKER_'),
    'broker configuration (TETHER_BROKER_*)',
  );
}
