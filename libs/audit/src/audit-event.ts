// The audit event: Kubernetes' own audit.k8s.io/v1 Event, so Falco's k8saudit plugin, SIEM parsers and
// audit2rbac read it as they read an API server's, with Tether's facts as `tether.dev/*` annotations.
// Producer (broker) and consumer (auditor) both validate against this one schema.
import { z } from 'zod';

export const AUDIT_TOPIC = 'tether.audit.v1';
export const AUDIT_SCHEMA_VERSION = '1';

/** Annotation keys Tether adds; values are strings, as in every Kubernetes annotation map. */
export const tetherAnnotations = {
  schemaVersion: 'tether.dev/schema-version',
  topic: 'tether.dev/topic',
  cluster: 'tether.dev/cluster',
  /** `allow` (policy allowed), `deny` (policy denied), `reject` (refused before or besides policy). */
  decision: 'tether.dev/decision',
  rule: 'tether.dev/rule',
  reason: 'tether.dev/reason',
  jitRequestId: 'tether.dev/jit-request-id',
  brokerInstance: 'tether.dev/broker-instance',
  traceId: 'tether.dev/trace-id',
  bytesFromClient: 'tether.dev/bytes-from-client',
  bytesToClient: 'tether.dev/bytes-to-client',
  durationMs: 'tether.dev/duration-ms',
  /** JSON array of the command words of an exec. */
  execCommand: 'tether.dev/exec-command',
  execContainer: 'tether.dev/exec-container',
  /** Comma-separated ports of a port-forward. */
  portForwardPorts: 'tether.dev/port-forward-ports',
} as const;

export const auditDecisions = ['allow', 'deny', 'reject'] as const;
export type AuditDecision = (typeof auditDecisions)[number];

export const auditStages = ['RequestReceived', 'ResponseStarted', 'ResponseComplete', 'Panic'] as const;
export type AuditStage = (typeof auditStages)[number];

// Kubernetes MicroTime: RFC 3339 in UTC with six fractional digits, e.g. 2026-12-07T06:30:00.123456Z.
const microTime = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/, 'must be a MicroTime');

const userInfoSchema = z.object({
  username: z.string(),
  uid: z.string().optional(),
  groups: z.array(z.string()).optional(),
  extra: z.record(z.string(), z.array(z.string())).optional(),
});
export type AuditUserInfo = z.infer<typeof userInfoSchema>;

const objectReferenceSchema = z.object({
  resource: z.string().optional(),
  namespace: z.string().optional(),
  name: z.string().optional(),
  uid: z.string().optional(),
  apiGroup: z.string().optional(),
  apiVersion: z.string().optional(),
  resourceVersion: z.string().optional(),
  subresource: z.string().optional(),
});
export type AuditObjectReference = z.infer<typeof objectReferenceSchema>;

const responseStatusSchema = z.object({
  metadata: z.object({}).optional(),
  status: z.string().optional(),
  message: z.string().optional(),
  reason: z.string().optional(),
  code: z.number().int().optional(),
});

/** One audit event; `annotations` must carry at least the schema version and the cluster. */
export const auditEventSchema = z.object({
  kind: z.literal('Event'),
  apiVersion: z.literal('audit.k8s.io/v1'),
  level: z.enum(['None', 'Metadata', 'Request', 'RequestResponse']),
  auditID: z.uuid(),
  stage: z.enum(auditStages),
  requestURI: z.string(),
  verb: z.string(),
  user: userInfoSchema,
  impersonatedUser: userInfoSchema.optional(),
  sourceIPs: z.array(z.string()).optional(),
  userAgent: z.string().optional(),
  objectRef: objectReferenceSchema.optional(),
  responseStatus: responseStatusSchema.optional(),
  requestReceivedTimestamp: microTime,
  stageTimestamp: microTime,
  annotations: z
    .record(z.string(), z.string())
    .refine((a) => a[tetherAnnotations.schemaVersion] === AUDIT_SCHEMA_VERSION, {
      message: `annotation ${tetherAnnotations.schemaVersion} must be "${AUDIT_SCHEMA_VERSION}"`,
    })
    .refine((a) => typeof a[tetherAnnotations.cluster] === 'string', {
      message: `annotation ${tetherAnnotations.cluster} is required`,
    })
    .refine((a) => auditDecisions.includes(a[tetherAnnotations.decision] as AuditDecision), {
      message: `annotation ${tetherAnnotations.decision} must be one of ${auditDecisions.join(', ')}`,
    }),
});
export type AuditEvent = z.infer<typeof auditEventSchema>;

export class AuditEventInvalidError extends Error {
  readonly code = 'AUDIT_EVENT_INVALID';
}

/** Validates an event (e.g. one read from Kafka); throws AuditEventInvalidError listing every problem. */
export function parseAuditEvent(input: unknown): AuditEvent {
  const result = auditEventSchema.safeParse(input);
  if (!result.success) {
    const problems = result.error.issues.map(
      (issue) => `${issue.path.join('.') || '(event)'}: ${issue.message}`,
    );
    throw new AuditEventInvalidError(`invalid audit event: ${problems.join('; ')}`);
  }
  return result.data;
}

/** A Date as Kubernetes MicroTime (JavaScript keeps milliseconds, so the last three digits are 0). */
export function microTimeOf(date: Date): string {
  return `${date.toISOString().slice(0, -1)}000Z`;
}
