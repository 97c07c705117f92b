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
export { AuditQueryError, defaultPageSize, maxPageSize, parseAuditQuery } from './audit-query';
export type { AuditFilters, AuditPage, QueryParameters } from './audit-query';
export { AuditStore, insertEventsSql } from './audit-store';
export type { AuditSearchResult, StoredAuditEvent } from './audit-store';
export { AuditSearch } from './audit-search';
export type { TailOptions } from './audit-search';
export { auditReadEvent } from './audit-read-event';
export type { AuditRead } from './audit-read-event';
export { streamAuditEvents } from './audit-event-stream';
export type { AuditEventStreamOptions } from './audit-event-stream';
export { AuditLogApi, AuditReadForbiddenError } from './audit-log-api';
export type { AuditLogApiOptions, AuditReader } from './audit-log-api';
export { FileSpool } from './file-spool';
export type { FileSpoolOptions, SpoolBatch, SpoolPosition, SpoolReadLimits } from './file-spool';
export { auditFullPolicies, AuditDropReporter } from './audit-full-policy';
export type { AuditFullPolicy } from './audit-full-policy';
export { createKafkaAuditSink, KafkaAuditSink, MAX_AUDIT_EVENT_BYTES } from './kafka-audit-sink';
export type { KafkaAuditSinkOptions } from './kafka-audit-sink';
export { StoreAuditSink } from './store-audit-sink';
export type { AuditBatchWriter, StoreAuditSinkOptions } from './store-audit-sink';
