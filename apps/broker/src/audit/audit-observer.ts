import type { AuditSink } from '@tether/audit';
import { type Status, statusFailure } from '@tether/kube';
import type {
  KubeRequestObserver,
  KubeRequestOutcome,
  KubeRequestSummary,
} from '../kube-proxy/kube-request-observer';
import { type AuditEventContext, kubeAuditEvent } from './kube-audit-event';

/**
 * Every kube request becomes an audit event when it ends, allowed or not; a watch or a switched
 * connection (exec, attach, port-forward) also when its answer begins, so a long session is on record
 * while it runs. A sink that cannot keep events refuses new requests here (fail-closed).
 */
export class AuditObserver implements KubeRequestObserver {
  constructor(
    private readonly sink: AuditSink,
    private readonly context: Omit<AuditEventContext, 'jitRequestIds'>,
  ) {}

  admit(): Status | undefined {
    const admission = this.sink.admission();
    return admission.ok ? undefined : statusFailure(503, 'ServiceUnavailable', admission.message);
  }

  responseStarted(request: KubeRequestSummary, status: number): void {
    const longRunning = status === 101 || (status === 200 && request.attributes?.verb === 'watch');
    if (longRunning)
      this.sink.publish(
        kubeAuditEvent(request, { stage: 'ResponseStarted', status }, this.contextOf(request)),
      );
  }

  finished(request: KubeRequestSummary, outcome: KubeRequestOutcome): void {
    this.sink.publish(
      kubeAuditEvent(request, { stage: 'ResponseComplete', outcome }, this.contextOf(request)),
    );
  }

  private contextOf(request: KubeRequestSummary): AuditEventContext {
    const jitRequestIds = request.access?.allowed ? request.access.jitRequestIds : undefined;
    return jitRequestIds ? { ...this.context, jitRequestIds } : this.context;
  }
}
