import { readFileSync } from 'node:fs';
import type { AgentConfig, OtelEnvironmentConfig } from '@tether/config';
import { DecisionKeySet, DecisionVerifier } from '@tether/decision';
import { TunnelRejectedError } from '@tether/tunnel';
import type { Logger } from 'pino';
import { ApiServerConnection } from './api-server/api-server-connection';
import { checkImpersonationAllowed } from './api-server/impersonation-check';
import { openAgentCredentials } from './enrollment/agent-credentials';
import { KubeReplayer } from './replay/kube-replayer';
import { AgentTelemetry } from './telemetry/agent-telemetry';
import { brokerTunnelClient } from './tunnel/broker-tunnel-client';
import { DnsReplicaSource } from './tunnel/dns-replica-source';
import { ReplicaTunnels } from './tunnel/replica-tunnels';
import { StreamDispatcher } from './tunnel/stream-dispatcher';

export interface RunningAgent {
  tunnels: ReplicaTunnels;
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
  const brokerCa = config.BROKER_CA_FILE ? readFileSync(config.BROKER_CA_FILE) : undefined;
  const credentials = await openAgentCredentials(config, apiServer, brokerCa, logger);
  const brokerUrl = new URL(config.BROKER_URL);
  const tunnels: ReplicaTunnels = new ReplicaTunnels(
    config.BROKER_URL,
    (url) =>
      // Every replica must prove it is the broker the agent was configured with, whatever its address.
      brokerTunnelClient(url, config.BROKER_URL, {
        // Read on every (re)connect only: a rotated credential takes over on each tunnel's next connect.
        getHeaders: async () => ({ Authorization: await credentials.header() }),
        ...(brokerCa ? { ca: brokerCa } : {}),
        onStream: (stream, session) => dispatcher.dispatch(stream, session),
        info: { cluster: config.CLUSTER_NAME, impersonationAllowed: impersonation.allowed },
        logger,
        onFlowControlStall: telemetry.metrics.flowControlStall,
      }),
    logger,
  );
  const dns = config.BROKER_PEERS_DNS
    ? new DnsReplicaSource({
        name: config.BROKER_PEERS_DNS,
        defaultPort: brokerUrl.port || '443',
        path: brokerUrl.pathname,
        intervalMs: PEERS_DNS_INTERVAL_MS,
        onReplicas: (urls) => tunnels.setReplicas(urls),
        logger,
      })
    : undefined;
  const dispatcher = new StreamDispatcher(
    keys,
    new KubeReplayer(apiServer, verifier, logger, telemetry.metrics),
    logger,
    // With DNS the replicas come from there; the broker's announcements are then ignored.
    dns ? undefined : (urls) => tunnels.setReplicas(urls),
  );
  telemetry.watchTunnels(tunnels);
  tunnels.on('up', ({ url }) => logger.info({ cluster: config.CLUSTER_NAME, url }, 'tunnel connected'));
  tunnels.on('down', ({ url, error, retryInMs }) =>
    logger.warn({ url, reason: error.message, retryInMs }, 'tunnel disconnected'),
  );
  tunnels.on('connectFailed', ({ url, error, retryInMs }) => {
    logger.warn({ url, reason: error.message, retryInMs }, 'tunnel connect failed');
    if (error instanceof TunnelRejectedError && (error.status === 401 || error.status === 403))
      credentials.noteRefused(error.reason);
  });
  tunnels.start();
  dns?.start();
  return {
    tunnels,
    stop: async () => {
      credentials.stop();
      dns?.stop();
      await tunnels.close(10_000);
      apiServer.close();
      await telemetry.stop();
    },
  };
}

const PEERS_DNS_INTERVAL_MS = 10_000;
