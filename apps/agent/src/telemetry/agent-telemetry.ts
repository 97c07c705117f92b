import type { AgentConfig, OtelEnvironmentConfig } from '@tether/config';
import {
  createMetricsRegistry,
  otlpTracesUrlOf,
  setupTracing,
  startTelemetryServer,
  type TelemetryServer,
  type Tracing,
} from '@tether/telemetry';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { ReplicaTunnels } from '../tunnel/replica-tunnels';
import { AgentMetrics } from './agent-metrics';

export const agentVersion = '0.1.0';

/**
 * The agent's HTTP side (HTTP_HOST:HTTP_PORT, plain HTTP): /healthz while the process runs, /readyz
 * only while a tunnel to a broker replica is up, /metrics for Prometheus; and its tracing.
 */
export class AgentTelemetry {
  readonly registry: Registry;
  readonly metrics: AgentMetrics;
  private notReady = 'the tunnel to the broker has not connected yet';
  private tunnels: ReplicaTunnels | undefined;

  private constructor(
    private readonly tracing: Tracing,
    private server: TelemetryServer | undefined,
    registry: Registry,
  ) {
    this.registry = registry;
    this.metrics = new AgentMetrics(registry);
  }

  /** A port that cannot be had is logged: the agent still serves kubectl, its probes then fail. */
  static async start(
    config: AgentConfig,
    otel: OtelEnvironmentConfig,
    logger: Logger,
  ): Promise<AgentTelemetry> {
    const otlpTracesUrl = otlpTracesUrlOf(config.OTLP_ENDPOINT, otel);
    const tracing = setupTracing({
      service: otel.SERVICE_NAME ?? 'tether-agent',
      version: agentVersion,
      ...(otlpTracesUrl ? { otlpTracesUrl } : {}),
    });
    if (otlpTracesUrl) logger.info({ otlpTracesUrl }, 'exporting traces over OTLP');
    const registry = createMetricsRegistry({ service: 'agent', version: agentVersion });
    const telemetry = new AgentTelemetry(tracing, undefined, registry);
    try {
      telemetry.server = await startTelemetryServer({
        host: config.HTTP_HOST,
        port: config.HTTP_PORT,
        registry,
        probes: {
          '/healthz': () => ({ ok: true }),
          '/readyz': () =>
            (telemetry.tunnels?.connectedCount ?? 0) > 0
              ? { ok: true }
              : { ok: false, reason: telemetry.notReady },
        },
      });
      logger.info({ url: telemetry.server.url }, 'agent http listening (/healthz, /readyz, /metrics)');
    } catch (error) {
      logger.error(
        { err: (error as Error).message, host: config.HTTP_HOST, port: config.HTTP_PORT },
        'could not serve /healthz, /readyz and /metrics; set TETHER_AGENT_HTTP_PORT to a free port',
      );
    }
    return telemetry;
  }

  get url(): string | undefined {
    return this.server?.url;
  }

  /** Readiness and the tunnel gauges follow the tunnels: ready while any one is up. */
  watchTunnels(tunnels: ReplicaTunnels): void {
    this.tunnels = tunnels;
    this.metrics.observeTunnels(
      () => tunnels.states(),
      () => tunnels.replicas().length,
    );
    tunnels.on('up', ({ reconnect }) => this.metrics.tunnelConnected(reconnect));
    tunnels.on('down', ({ url, error }) => {
      this.notReady = `the tunnel to the broker is down (${url}): ${error.message}`;
    });
    tunnels.on('connectFailed', ({ url, error }) => {
      if (tunnels.connectedCount === 0)
        this.notReady = `cannot connect to the broker (${url}): ${error.message}`;
    });
  }

  async stop(): Promise<void> {
    await this.server?.close();
    await this.tracing.shutdown();
  }
}
