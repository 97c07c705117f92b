import { randomUUID } from 'node:crypto';
import { AUDIT_SCHEMA_VERSION, type AuditEvent, microTimeOf, tetherAnnotations } from './audit-event';

export interface AuditRead {
  username: string;
  groups: string[];
  verb: 'list' | 'watch';
  requestUri: string;
  sourceIp: string;
  userAgent?: string;
  code: number;
  reason?: string;
  startedAt: Date;
}

/** Reading the audit log is itself an audit event: who searched or tailed what, and whether it was allowed. */
export function auditReadEvent(read: AuditRead): AuditEvent {
  return {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'Metadata',
    auditID: randomUUID(),
    stage: 'ResponseComplete',
    requestURI: read.requestUri.slice(0, 2048),
    verb: read.verb,
    user: { username: read.username, groups: read.groups },
    sourceIPs: [read.sourceIp],
    ...(read.userAgent ? { userAgent: read.userAgent.slice(0, 256) } : {}),
    objectRef: { apiGroup: 'tether.dev', resource: 'auditevents' },
    responseStatus: { metadata: {}, code: read.code },
    requestReceivedTimestamp: microTimeOf(read.startedAt),
    stageTimestamp: microTimeOf(new Date()),
    annotations: {
      [tetherAnnotations.schemaVersion]: AUDIT_SCHEMA_VERSION,
      [tetherAnnotations.cluster]: '',
      [tetherAnnotations.decision]: read.code < 400 ? 'allow' : 'deny',
      ...(read.reason ? { [tetherAnnotations.reason]: read.reason } : {}),
    },
  };
}
