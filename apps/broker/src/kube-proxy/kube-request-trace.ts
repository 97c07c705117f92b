import { type Context, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { KubeRequestHead } from '@tether/kube';
import { injectTraceContext, traceIdOf, tracingEnabled } from '@tether/telemetry';
import type { KubeRequestObserver, KubeRequestOutcome, KubeRequestSummary } from './kube-request-observer';

// Asked per traced request, not kept: a tracer taken before tracing was installed would stay a no-op.
const tracer = () => trace.getTracer('tether-broker');

/** The spans of one kube request at the broker; with tracing off, `untraced` does nothing at all. */
export interface KubeRequestSpans {
  /** Runs one step of the request (authenticate, policy, sign) in a child span. */
  step<T>(name: string, run: () => T): T;
  /** Starts the span of the tunnel hop and puts its context into the stream head for the agent. */
  tunnelHop(cluster: string, head: KubeRequestHead): void;
  /** Ends the spans with the request; undefined when there are none. */
  readonly observer: KubeRequestObserver | undefined;
}

const untraced: KubeRequestSpans = {
  step: (_name, run) => run(),
  tunnelHop: () => undefined,
  observer: undefined,
};

/** One trace per kube request: a SERVER span with a child per step; its id goes on the summary. */
export function traceKubeRequest(summary: KubeRequestSummary): KubeRequestSpans {
  if (!tracingEnabled()) return untraced;
  return new TracedKubeRequest(summary);
}

class TracedKubeRequest implements KubeRequestSpans, KubeRequestObserver {
  private readonly root: Span;
  private readonly context: Context;
  private hop: Span | undefined;

  constructor(summary: KubeRequestSummary) {
    // A root of its own, explicitly: the HTTP instrumentation runs /k8s/ requests with tracing
    // suppressed (this span is their SERVER span), and a span started in that context would not record.
    this.root = tracer().startSpan(
      'kube request',
      {
        kind: SpanKind.SERVER,
        startTime: summary.receivedAt,
        attributes: {
          'http.request.method': summary.method,
          'tether.request_id': summary.requestId,
          'client.address': summary.sourceIp,
          ...(summary.userAgent ? { 'user_agent.original': summary.userAgent } : {}),
        },
      },
      ROOT_CONTEXT,
    );
    this.context = trace.setSpan(ROOT_CONTEXT, this.root);
    const traceId = traceIdOf(this.root);
    if (traceId) summary.traceId = traceId;
  }

  get observer(): KubeRequestObserver {
    return this;
  }

  step<T>(name: string, run: () => T): T {
    const span = tracer().startSpan(name, { kind: SpanKind.INTERNAL }, this.context);
    let result: T;
    try {
      result = run();
    } catch (error) {
      endFailed(span, error);
      throw error;
    }
    if (result instanceof Promise) {
      return result.then(
        (value: unknown) => {
          span.end();
          return value;
        },
        (error: unknown) => {
          endFailed(span, error);
          throw error;
        },
      ) as T;
    }
    span.end();
    return result;
  }

  tunnelHop(cluster: string, head: KubeRequestHead): void {
    this.hop = tracer().startSpan(
      'tunnel',
      { kind: SpanKind.CLIENT, attributes: { 'tether.cluster': cluster } },
      this.context,
    );
    injectTraceContext(this.hop, head);
  }

  finished(summary: KubeRequestSummary, outcome: KubeRequestOutcome): void {
    const { root } = this;
    root.updateName(`kube ${summary.attributes?.verb ?? summary.method}`);
    root.setAttributes({
      'url.path': summary.requestUri.split('?')[0],
      'http.response.status_code': outcome.status,
      ...(summary.cluster ? { 'tether.cluster': summary.cluster } : {}),
      ...(summary.who ? { 'user.name': summary.who.username } : {}),
      ...(summary.attributes?.resource ? { 'k8s.resource': summary.attributes.resource } : {}),
      ...(summary.access
        ? summary.access.allowed
          ? { 'tether.decision': 'allowed', 'tether.rule': summary.access.rule }
          : { 'tether.decision': 'denied' }
        : {}),
      ...(outcome.refusal ? { 'tether.refusal': outcome.refusal } : {}),
      'tether.bytes_from_client': outcome.bytesFromClient,
      'tether.bytes_to_client': outcome.bytesToClient,
    });
    if (outcome.status === 0 || outcome.status >= 500) root.setStatus({ code: SpanStatusCode.ERROR });
    this.hop?.end(outcome.completedAt);
    root.end(outcome.completedAt);
  }
}

function endFailed(span: Span, error: unknown): void {
  span.recordException(error as Error);
  span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
  span.end();
}
