import type { RequestAttributes, Status } from '@tether/kube';
import type { SessionIdentity } from '../auth/session-tokens';
import type { AccessDecision } from '../policy/policy-access';

/** What the broker knows of one kube request once it has been decided (or refused before that). */
export interface KubeRequestSummary {
  requestId: string;
  receivedAt: Date;
  method: string;
  /** Path and query as the cluster's API server receives it, or the raw URL when it could not be parsed. */
  requestUri: string;
  /** Absent when the URL named no cluster that could be parsed. */
  cluster?: string;
  sourceIp: string;
  userAgent?: string;
  /** kubectl asked to upgrade the connection (exec, attach, port-forward). */
  upgrade: boolean;
  /** The signed-in person; absent when authentication failed. */
  who?: SessionIdentity;
  attributes?: RequestAttributes;
  /** The policy's answer; absent when the request was refused before policy was asked. */
  access?: AccessDecision;
  /** The request's OpenTelemetry trace, when tracing is on. */
  traceId?: string;
}

export interface KubeRequestOutcome {
  /** The HTTP status the client got: 101 for a switched connection. */
  status: number;
  /** Why the broker refused, when it answered with its own Status. */
  refusal?: string;
  bytesFromClient: number;
  bytesToClient: number;
  completedAt: Date;
  durationMs: number;
}

/**
 * Follows every kube request through the broker: audit and metrics hang here, so the proxy knows
 * neither. `admit` may still refuse an allowed request (the audit spool is full and fails closed).
 */
export interface KubeRequestObserver {
  admit?(request: KubeRequestSummary): Status | undefined;
  responseStarted?(request: KubeRequestSummary, status: number): void;
  finished(request: KubeRequestSummary, outcome: KubeRequestOutcome): void;
}
