import { Controller, Get, Header } from '@nestjs/common';
import type { Registry } from 'prom-client';
import { ConsumerLag } from '../ingest/consumer-lag';
import { IngestService } from '../ingest/ingest.service';
import { auditorMetrics } from '../telemetry/auditor-metrics';

/** Liveness, readiness and Prometheus metrics; Nest listens only once the store is migrated and Kafka subscribed. */
@Controller()
export class HealthController {
  private readonly registry: Registry;

  constructor(ingest: IngestService, lag: ConsumerLag) {
    this.registry = auditorMetrics({ ingest: () => ingest.batcher.stats, consumerLag: () => lag.read() });
  }

  @Get('healthz')
  healthz(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('readyz')
  readyz(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('metrics')
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  metrics(): Promise<string> {
    return this.registry.metrics();
  }
}
