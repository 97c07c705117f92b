import { type DynamicModule, Module } from '@nestjs/common';
import type { BrokerConfig, OtelEnvironmentConfig } from '@tether/config';
import { loggerOptions } from '@tether/logging';
import { LoggerModule } from 'nestjs-pino';
import { BROKER_CONFIG, OTEL_ENVIRONMENT } from './broker-config.provider';
import { brokerCoreProviders } from './broker-core.providers';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { sessionProviders } from './auth/session.providers';
import { ChangeFeedModule } from './change-feed/change-feed.module';
import { DatabaseModule } from './database/database.module';
import { EnrollmentModule } from './enrollment/enrollment.module';
import { HealthController } from './health/health.controller';
import { KubeProxyModule } from './kube-proxy/kube-proxy.module';
import { PeersModule } from './peers/peers.module';
import { ShutdownModule } from './shutdown/shutdown.module';

@Module({})
export class AppModule {
  static forConfig(
    config: BrokerConfig,
    otel: OtelEnvironmentConfig = { SDK_DISABLED: false },
  ): DynamicModule {
    return {
      module: AppModule,
      global: true,
      imports: [
        AuthModule,
        DatabaseModule,
        AuditModule,
        ChangeFeedModule,
        KubeProxyModule,
        EnrollmentModule,
        PeersModule,
        ShutdownModule,
        LoggerModule.forRoot({
          pinoHttp: { ...loggerOptions({ service: 'broker', level: config.LOG_LEVEL }), autoLogging: false },
        }),
      ],
      controllers: [HealthController],
      providers: [
        { provide: BROKER_CONFIG, useValue: config },
        { provide: OTEL_ENVIRONMENT, useValue: otel },
        ...brokerCoreProviders,
        ...sessionProviders,
      ],
      exports: [
        BROKER_CONFIG,
        ...[...brokerCoreProviders, ...sessionProviders].map(
          (provider) => (provider as { provide: unknown }).provide as string,
        ),
      ],
    };
  }
}
