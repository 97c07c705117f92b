import { readFileSync } from 'node:fs';
import { type DynamicModule, Module } from '@nestjs/common';
import type { AuditorConfig, OtelEnvironmentConfig } from '@tether/config';
import { createLogger, loggerOptions } from '@tether/logging';
import { LoggerModule } from 'nestjs-pino';
import type { Logger } from 'pino';
import { AUDITOR_CONFIG, ROOT_LOGGER } from './auditor-config.provider';
import { HealthController } from './health/health.controller';
import { ConsumerLag } from './ingest/consumer-lag';
import { ingestControllerFor } from './ingest/ingest.controller';
import { IngestService } from './ingest/ingest.service';
import { RetentionService } from './retention/retention.service';
import { AuditSearchController } from './search/audit-search.controller';
import { BrokerTokenVerifier } from './search/broker-token-verifier';
import { auditStoreProviders } from './store/audit-store.providers';
import { AuditorTracing } from './telemetry/auditor-tracing';

/** The auditor: Kafka into the store, search and tail out of it. */
@Module({})
export class AuditorModule {
  static forConfig(
    config: AuditorConfig,
    otel: OtelEnvironmentConfig = { SDK_DISABLED: false },
  ): DynamicModule {
    return {
      module: AuditorModule,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: { ...loggerOptions({ service: 'auditor', level: config.LOG_LEVEL }), autoLogging: false },
        }),
      ],
      controllers: [HealthController, AuditSearchController, ingestControllerFor(config.KAFKA_TOPIC)],
      providers: [
        { provide: AUDITOR_CONFIG, useValue: config },
        { provide: ROOT_LOGGER, useValue: createLogger({ service: 'auditor', level: config.LOG_LEVEL }) },
        {
          provide: AuditorTracing,
          useFactory: (logger: Logger) => new AuditorTracing(config, otel, logger),
          inject: [ROOT_LOGGER],
        },
        ...auditStoreProviders,
        {
          provide: BrokerTokenVerifier,
          useValue: new BrokerTokenVerifier({
            jwksUrl: config.BROKER_JWKS_URL,
            issuer: config.BROKER_ISSUER,
            ...(config.BROKER_CA_FILE ? { ca: readFileSync(config.BROKER_CA_FILE) } : {}),
          }),
        },
        IngestService,
        ConsumerLag,
        RetentionService,
      ],
    };
  }
}
