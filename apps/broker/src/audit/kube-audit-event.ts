// One kube request as an audit.k8s.io/v1 Event, redacted by construction: the event is built from
// named fields only (no headers, no bodies), and the request URI's secret-looking query values masked.
import {
  AUDIT_SCHEMA_VERSION,
  AUDIT_TOPIC,
  type AuditDecision,
  type AuditEvent,
  type AuditStage,
  microTimeOf,
  tetherAnnotations,
} from '@tether/audit';
import type { KubeRequestOutcome, KubeRequestSummary } from '../kube-proxy/kube-request-observer';
import { redactedRequestUri, streamDetailsOf } from './request-uri-redaction';

/** The extra the agent adds to every impersonation, so the cluster's own audit log joins this event. */
const REQUEST_ID_EXTRA = 'tether.dev/request-id';
const MAX_URI_LENGTH = 4096;
const MAX_USER_AGENT_LENGTH = 256;

export interface AuditEventContext {
  brokerInstance: string;
  topic?: string;
  /** JIT access requests whose grants were active for this person on this cluster. */
  jitRequestIds?: readonly string[];
}

/** The stage an event reports: a long-running request's answer began, or the request is over. */
export type AuditMoment =
  | { stage: Extract<AuditStage, 'ResponseStarted'>; status: number }
  | { stage: Extract<AuditStage, 'ResponseComplete'>; outcome: KubeRequestOutcome };

export function kubeAuditEvent(
  summary: KubeRequestSummary,
  moment: AuditMoment,
  context: AuditEventContext,
): AuditEvent {
  const outcome = moment.stage === 'ResponseComplete' ? moment.outcome : undefined;
  const { attributes, access, who } = summary;
  const annotations: Record<string, string> = {
    [tetherAnnotations.schemaVersion]: AUDIT_SCHEMA_VERSION,
    [tetherAnnotations.topic]: context.topic ?? AUDIT_TOPIC,
    [tetherAnnotations.cluster]: summary.cluster ?? '',
    [tetherAnnotations.decision]: decisionOf(summary, outcome),
    [tetherAnnotations.brokerInstance]: context.brokerInstance,
  };
  if (access?.allowed) annotations[tetherAnnotations.rule] = access.rule;
  const reason = access?.allowed === false ? access.reason : outcome?.refusal;
  if (reason) annotations[tetherAnnotations.reason] = reason;
  if (context.jitRequestIds && context.jitRequestIds.length > 0)
    annotations[tetherAnnotations.jitRequestId] = context.jitRequestIds.join(',');
  if (summary.traceId) annotations[tetherAnnotations.traceId] = summary.traceId;
  if (outcome) {
    annotations[tetherAnnotations.bytesFromClient] = String(outcome.bytesFromClient);
    annotations[tetherAnnotations.bytesToClient] = String(outcome.bytesToClient);
    annotations[tetherAnnotations.durationMs] = String(Math.round(outcome.durationMs));
  }
  if (attributes) Object.assign(annotations, streamDetailsOf(attributes.subresource, summary.requestUri));

  const status = moment.stage === 'ResponseComplete' ? moment.outcome.status : moment.status;
  return {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'Metadata',
    auditID: summary.requestId,
    stage: moment.stage,
    requestURI: redactedRequestUri(summary.requestUri).slice(0, MAX_URI_LENGTH),
    verb: attributes?.verb ?? summary.method.toLowerCase(),
    user: who ? { username: who.username, groups: who.groups } : { username: 'system:anonymous' },
    ...(access?.allowed
      ? {
          impersonatedUser: {
            username: access.user,
            groups: access.groups,
            extra: { ...access.extra, [REQUEST_ID_EXTRA]: [summary.requestId] },
          },
        }
      : {}),
    ...(summary.sourceIp ? { sourceIPs: [summary.sourceIp] } : {}),
    ...(summary.userAgent ? { userAgent: summary.userAgent.slice(0, MAX_USER_AGENT_LENGTH) } : {}),
    ...(attributes?.isResourceRequest
      ? {
          objectRef: {
            resource: attributes.resource,
            ...(attributes.namespace ? { namespace: attributes.namespace } : {}),
            ...(attributes.name ? { name: attributes.name } : {}),
            ...(attributes.apiGroup ? { apiGroup: attributes.apiGroup } : {}),
            apiVersion: attributes.apiVersion,
            ...(attributes.subresource ? { subresource: attributes.subresource } : {}),
          },
        }
      : {}),
    // 0: the connection failed before any answer reached the client.
    responseStatus: responseStatusOf(status, reason),
    requestReceivedTimestamp: microTimeOf(summary.receivedAt),
    stageTimestamp: microTimeOf(outcome?.completedAt ?? new Date()),
    annotations,
  };
}

// `deny`: the policy said no. `reject`: refused before or besides policy (bad token, unknown cluster,
// malformed request; or, after the policy allowed it, agent offline or audit spool full). `allow`: the
// policy allowed it and the request went to the cluster, whatever the cluster answered.
function decisionOf(summary: KubeRequestSummary, outcome?: KubeRequestOutcome): AuditDecision {
  if (summary.access === undefined) return 'reject';
  if (!summary.access.allowed) return 'deny';
  return outcome?.refusal === undefined ? 'allow' : 'reject';
}

function responseStatusOf(code: number, message?: string): NonNullable<AuditEvent['responseStatus']> {
  return {
    metadata: {},
    code,
    ...(code >= 400 ? { status: 'Failure' } : {}),
    ...(message && code >= 400 ? { message } : {}),
  };
}
