import type { OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { BrokerConfig, OtelEnvironmentConfig } from '@tether/config';
import {
  createMetricsRegistry,
  otlpTracesUrlOf,
  setupTracing,
  startTelemetryServer,
  type TelemetryServer,
  type Tracing,
  type TracingSettings,
} from '@tether/telemetry';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { ClusterRegistry } from '../clusters/cluster-registry';
import type { KubeRequestObserver } from '../kube-proxy/kube-request-observer';
import type { TunnelGateway } from '../tunnel-gateway/tunnel-gateway';
import { BrokerMetrics } from './broker-metrics';
import { MetricsObserver } from './metrics-observer';

/**
 * The broker's metrics registry, its `/metrics` listener (plain HTTP on METRICS_HOST:METRICS_PORT,
 * apart from the TLS port kubectl uses), and its tracing.
 */
export class BrokerTelemetry implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly registry: Registry;
  readonly metrics: BrokerMetrics;
  /** The tracing the audit delivery worker sets up for itself; undefined while traces are off. */
  readonly workerTracing: TracingSettings | undefined;
  private readonly tracing: Tracing;
  private server: TelemetryServer | undefined;

  constructor(
    private readonly config: BrokerConfig,
    otel: OtelEnvironmentConfig,
    private readonly logger: Logger,
  ) {
    this.registry = createMetricsRegistry({ service: 'broker', version: brokerVersion });
    this.metrics = new BrokerMetrics(this.registry);
    const otlpTracesUrl = otlpTracesUrlOf(config.OTLP_ENDPOINT, otel);
    const settings: TracingSettings = {
      service: otel.SERVICE_NAME ?? 'tether-broker',
      version: brokerVersion,
      ...(otlpTracesUrl ? { otlpTracesUrl } : {}),
      // The kube request span (kube-request-trace.ts) is the SERVER span of every /k8s/ request, with
      // the verb, decision and cluster on it; an instrumented one would double each kubectl request.
      untracedPaths: ['/k8s/'],
    };
    this.tracing = setupTracing(settings);
    this.workerTracing = otlpTracesUrl ? settings : undefined;
    if (otlpTracesUrl) logger.info({ otlpTracesUrl }, 'exporting traces over OTLP');
  }

  /**
   * Hooks the kube path into the metrics: tunnel gauges and the stall counter on the gateway, and the
   * observer that counts every request. Call once, when the kube proxy is built.
   */
  kubeRequestObserver(gateway: TunnelGateway, clusters: ClusterRegistry): KubeRequestObserver {
    gateway.server.onFlowControlStall = this.metrics.flowControlStall;
    const server = gateway.server;
    this.metrics.registerTunnelGauges({
      clusters: () => new Set([...clusters.names(), ...server.clusterNames()]),
      sessions: (cluster) => server.sessionsFor(cluster).length,
      openStreams: (cluster) =>
        server.sessionsFor(cluster).reduce((sum, session) => sum + session.streamCount, 0),
    });
    return new MetricsObserver(this.metrics, (cluster) => clusters.has(cluster));
  }

  /** Telemetry never keeps kubectl out: a port that cannot be had is logged, and the broker serves on. */
  async onApplicationBootstrap(): Promise<void> {
    const host = this.config.METRICS_HOST ?? this.config.HOST;
    try {
      this.server = await startTelemetryServer({
        host,
        port: this.config.METRICS_PORT,
        registry: this.registry,
      });
      this.logger.info({ url: `${this.server.url}/metrics` }, 'metrics listening');
    } catch (error) {
      this.logger.error(
        { err: (error as Error).message, host, port: this.config.METRICS_PORT },
        'could not serve /metrics; set TETHER_BROKER_METRICS_PORT to a free port',
      );
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.server?.close();
    await this.tracing.shutdown();
  }
}

export const brokerVersion = '0.1.0';
