import { type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { KubeRequestHead } from '@tether/kube';
import { extractTraceContext, traceIdOf, tracingEnabled } from '@tether/telemetry';
import type { Logger } from 'pino';
import type { AgentMetrics } from './agent-metrics';

/**
 * One replay as metrics, a span and log lines see it. The span continues the broker's trace from the
 * head's traceparent (a malformed one starts a trace of its own) and is the CLIENT call to the API
 * server; the request's logger carries the request id and trace id.
 */
export class ReplayRecord {
  private readonly startedAt = performance.now();
  private readonly span: Span | undefined;
  private status = 0;
  private ended = false;
  private requestLogger: Logger | undefined;

  constructor(
    private readonly head: KubeRequestHead,
    apiServer: URL,
    private readonly metrics: AgentMetrics | undefined,
    private readonly rootLogger: Logger,
  ) {
    if (!tracingEnabled()) return;
    this.span = trace.getTracer('tether-agent').startSpan(
      'kube replay',
      {
        kind: SpanKind.CLIENT,
        attributes: {
          'http.request.method': head.method,
          'url.path': head.pathAndQuery.split('?')[0],
          'server.address': apiServer.hostname,
          'server.port': Number(apiServer.port || 443),
          'tether.request_id': head.requestId,
        },
      },
      extractTraceContext(head),
    );
  }

  get logger(): Logger {
    if (!this.requestLogger) {
      const traceId = this.span ? traceIdOf(this.span) : undefined;
      const { requestId } = this.head;
      this.requestLogger = this.rootLogger.child(traceId ? { requestId, traceId } : { requestId });
    }
    return this.requestLogger;
  }

  /** The agent refused the request before the API server saw it. */
  refused(status: number, code: string, isDecision: boolean): void {
    if (isDecision) this.metrics?.verificationFailed(code);
    this.span?.setAttribute('tether.refusal', code);
    this.answered(status);
    this.end();
  }

  /** The API server's response head (or the agent's own 502) went back on the stream. */
  answered(status: number): void {
    if (this.status !== 0) return;
    this.status = status;
    this.metrics?.replayed(status, (performance.now() - this.startedAt) / 1000);
    this.span?.setAttribute('http.response.status_code', status);
    // A CLIENT span counts every 4xx and 5xx as failed (OpenTelemetry HTTP conventions).
    if (status >= 400) this.span?.setStatus({ code: SpanStatusCode.ERROR });
  }

  /** The stream closed: the replay is over, whatever happened. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.status === 0) {
      this.status = -1;
      this.metrics?.replayed(0, undefined);
    }
    this.span?.end();
  }
}
