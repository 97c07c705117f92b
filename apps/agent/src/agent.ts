import { readFileSync } from 'node:fs';
import type { AgentConfig, OtelEnvironmentConfig } from '@tether/config';
import { DecisionKeySet, DecisionVerifier } from '@tether/decision';
import { TunnelClient, TunnelRejectedError } from '@tether/tunnel';
import type { Logger } from 'pino';
import { ApiServerConnection } from './api-server/api-server-connection';
import { checkImpersonationAllowed } from './api-server/impersonation-check';
import { openAgentCredentials } from './enrollment/agent-credentials';
import { KubeReplayer } from './replay/kube-replayer';
import { AgentTelemetry } from './telemetry/agent-telemetry';
import { StreamDispatcher } from './tunnel/stream-dispatcher';

export interface RunningAgent {
  tunnel: TunnelClient;
  stop: () => Promise<void>;
}

/** Composes the agent: API server connection, decision verification, replay, and the tunnel out. */
export async function startAgent(
  config: AgentConfig,
  logger: Logger,
  otel: OtelEnvironmentConfig = { SDK_DISABLED: false },
): Promise<RunningAgent> {
  // First: /healthz answers while the rest starts (an enrollment may wait a while).
  const telemetry = await AgentTelemetry.start(config, otel, logger);
  const apiServer = await ApiServerConnection.open({
    ...(config.KUBECONFIG ? { kubeconfigPath: config.KUBECONFIG } : {}),
    ...(config.KUBE_CONTEXT ? { context: config.KUBE_CONTEXT } : {}),
    ...(config.API_TOKEN_FILE ? { tokenFile: config.API_TOKEN_FILE } : {}),
  });
  const impersonation = await checkImpersonationAllowed(apiServer);
  if (!impersonation.allowed)
    logger.error({ reason: impersonation.reason }, 'agent may not impersonate: every request will fail');

  const keys = new DecisionKeySet();
  const verifier = new DecisionVerifier({ cluster: config.CLUSTER_NAME, keys });
  const dispatcher = new StreamDispatcher(
    keys,
    new KubeReplayer(apiServer, verifier, logger, telemetry.metrics),
    logger,
  );
  const brokerCa = config.BROKER_CA_FILE ? readFileSync(config.BROKER_CA_FILE) : undefined;
  const credentials = await openAgentCredentials(config, apiServer, brokerCa, logger);
  const tunnel = new TunnelClient({
    url: tunnelUrl(config.BROKER_URL),
    // Read on every (re)connect only: a rotated credential takes over without dropping the tunnel.
    getHeaders: async () => ({ Authorization: await credentials.header() }),
    ...(brokerCa ? { ca: brokerCa } : {}),
    onStream: (stream) => dispatcher.dispatch(stream),
    info: { cluster: config.CLUSTER_NAME, impersonationAllowed: impersonation.allowed },
    logger,
    onFlowControlStall: telemetry.metrics.flowControlStall,
  });
  telemetry.watchTunnel(tunnel);
  tunnel.on('connected', () => logger.info({ cluster: config.CLUSTER_NAME }, 'tunnel connected'));
  tunnel.on('disconnected', ({ error, retryInMs }) =>
    logger.warn({ reason: error.message, retryInMs }, 'tunnel disconnected'),
  );
  tunnel.on('connectFailed', ({ error, retryInMs }) => {
    logger.warn({ reason: error.message, retryInMs }, 'tunnel connect failed');
    if (error instanceof TunnelRejectedError && (error.status === 401 || error.status === 403))
      credentials.noteRefused(error.reason);
  });
  tunnel.start();
  return {
    tunnel,
    stop: async () => {
      credentials.stop();
      await tunnel.close(10_000);
      apiServer.close();
      await telemetry.stop();
    },
  };
}

function tunnelUrl(brokerUrl: string): string {
  const url = new URL(brokerUrl);
  url.protocol = 'wss:';
  url.pathname = `${url.pathname.replace(/\/$/, '')}/tunnel/v1`;
  return url.toString();
}
