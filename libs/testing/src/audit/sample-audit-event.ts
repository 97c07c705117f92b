import { randomUUID } from 'node:crypto';
import { AUDIT_SCHEMA_VERSION, type AuditEvent, microTimeOf, tetherAnnotations } from '@tether/audit';

/** A valid audit event of an allowed `kubectl get pods -n web` now, with a fresh auditID. */
export function sampleAuditEvent(cluster = 'dev-east'): AuditEvent {
  const now = microTimeOf(new Date());
  return {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'Metadata',
    auditID: randomUUID(),
    stage: 'ResponseComplete',
    requestURI: '/api/v1/namespaces/web/pods',
    verb: 'list',
    user: { username: 'bob@acme.com', groups: ['developers'] },
    requestReceivedTimestamp: now,
    stageTimestamp: now,
    annotations: {
      [tetherAnnotations.schemaVersion]: AUDIT_SCHEMA_VERSION,
      [tetherAnnotations.cluster]: cluster,
      [tetherAnnotations.decision]: 'allow',
    },
  };
}
