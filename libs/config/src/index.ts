export { agentConfigSchema } from './agent-config.js';
export type { AgentConfig } from './agent-config.js';
export { brokerConfigSchema, registeredClusterSchema } from './broker-config.js';
export type { BrokerConfig, RegisteredCluster } from './broker-config.js';
export { ConfigError } from './config-error.js';
export { envWithPrefix, loadConfig } from './load-config.js';
export { otelEnvironmentSchema, readOtelEnvironment } from './otel-environment.js';
export type { OtelEnvironmentConfig } from './otel-environment.js';
