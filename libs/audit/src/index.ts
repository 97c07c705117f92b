export {
  AUDIT_SCHEMA_VERSION,
  AUDIT_TOPIC,
  AuditEventInvalidError,
  auditDecisions,
  auditEventSchema,
  auditStages,
  microTimeOf,
  parseAuditEvent,
  tetherAnnotations,
} from './audit-event';
export type {
  AuditDecision,
  AuditEvent,
  AuditObjectReference,
  AuditStage,
  AuditUserInfo,
} from './audit-event';
export type { AuditSink, AuditSinkStats } from './audit-sink';
