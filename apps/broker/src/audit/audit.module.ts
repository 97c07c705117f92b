import { type BeforeApplicationShutdown, Global, Inject, Module } from '@nestjs/common';
import type { AuditSink } from '@tether/audit';
import { AuditApiController } from './audit-api.controller';
import { ApiAuditInterceptor } from './api-audit.interceptor';
import { AUDIT_SINK, auditProviders, BROKER_INSTANCE, EMBEDDED_AUDIT_LOG } from './audit.providers';

/** Where audit events go (Kafka or the embedded store) and, when embedded, the audit log's API. */
@Global()
@Module({
  controllers: [AuditApiController],
  providers: [...auditProviders, ApiAuditInterceptor],
  exports: [AUDIT_SINK, BROKER_INSTANCE, EMBEDDED_AUDIT_LOG, ApiAuditInterceptor],
})
export class AuditModule implements BeforeApplicationShutdown {
  constructor(@Inject(AUDIT_SINK) private readonly sink: AuditSink) {}

  // Before the shared database closes (onApplicationShutdown): deliver or spool what is pending.
  async beforeApplicationShutdown(): Promise<void> {
    await this.sink.close();
  }
}
