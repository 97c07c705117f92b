import type { OnApplicationShutdown } from '@nestjs/common';
import type { AuditorConfig, OtelEnvironmentConfig } from '@tether/config';
import { otlpTracesUrlOf, setupTracing, type Tracing } from '@tether/telemetry';
import type { Logger } from 'pino';

export const auditorVersion = '0.1.0';

/**
 * The auditor's tracing: with an OTLP endpoint, its search API and its Kafka consumer are traced (a
 * consumed event's span continues the broker's producer span from the message headers). Built with the
 * module, before the Kafka transport makes its consumer, so that consumer is an instrumented one.
 */
export class AuditorTracing implements OnApplicationShutdown {
  private readonly tracing: Tracing;

  constructor(config: AuditorConfig, otel: OtelEnvironmentConfig, logger: Logger) {
    const otlpTracesUrl = otlpTracesUrlOf(config.OTLP_ENDPOINT, otel);
    this.tracing = setupTracing({
      service: otel.SERVICE_NAME ?? 'tether-auditor',
      version: auditorVersion,
      ...(otlpTracesUrl ? { otlpTracesUrl } : {}),
    });
    if (otlpTracesUrl) logger.info({ otlpTracesUrl }, 'exporting traces over OTLP');
  }

  async onApplicationShutdown(): Promise<void> {
    await this.tracing.shutdown();
  }
}
