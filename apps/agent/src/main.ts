import { agentConfigSchema, envWithPrefix, loadConfig, readOtelEnvironment } from '@tether/config';
import { createLogger } from '@tether/logging';
import { startAgent } from './agent';

async function main(): Promise<void> {
  const config = loadConfig(
    agentConfigSchema,
    envWithPrefix(process.env, 'TETHER_AGENT_'),
    'agent configuration (TETHER_AGENT_*)',
  );
  const logger = createLogger({ service: 'agent', level: config.LOG_LEVEL });
  const agent = await startAgent(config, logger, readOtelEnvironment(process.env));
  const stop = () => {
    // In-flight streams get their drain; a shutdown that still hangs must not keep the pod alive.
    setTimeout(() => process.exit(1), 15_000).unref();
    void agent.stop().finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
