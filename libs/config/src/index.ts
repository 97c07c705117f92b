export { brokerConfigSchema } from './broker-config.js';
export type { BrokerConfig } from './broker-config.js';
export { ConfigError } from './config-error.js';
export { envWithPrefix, loadConfig } from './load-config.js';
