import { type Status, statusFailure } from '@tether/kube';
import type { Logger } from 'pino';
import type { KubeRequestObserver, KubeRequestOutcome, KubeRequestSummary } from './kube-request-observer';

/**
 * One request's trip through the observers: counts bytes each way and reports the outcome exactly
 * once, whichever of refusal, completion, client disconnect or tunnel failure comes first. An observer
 * that throws is logged and never breaks the request.
 */
export class KubeRequestTracker {
  private bytesFromClient = 0;
  private bytesToClient = 0;
  private status = 0;
  private refusal: string | undefined;
  private done = false;
  private requestLogger: Logger | undefined;

  constructor(
    readonly summary: KubeRequestSummary,
    private readonly observers: readonly KubeRequestObserver[],
    private readonly rootLogger: Logger,
  ) {}

  /** This request's logger: every line carries its request id and trace id. Made on first use only. */
  get logger(): Logger {
    const { requestId, traceId } = this.summary;
    this.requestLogger ??= this.rootLogger.child(traceId ? { requestId, traceId } : { requestId });
    return this.requestLogger;
  }

  /** The first observer's refusal, if any: the request must then be answered with it. Fails closed. */
  admit(): Status | undefined {
    for (const observer of this.observers) {
      try {
        const refusal = observer.admit?.(this.summary);
        if (refusal) return refusal;
      } catch (error) {
        this.logger.error({ err: error }, 'kube request admission failed');
        return statusFailure(503, 'ServiceUnavailable', 'the broker could not admit the request; try again');
      }
    }
    return undefined;
  }

  countFromClient = (chunk: Buffer): void => {
    this.bytesFromClient += chunk.length;
  };

  countToClient = (chunk: Buffer): void => {
    this.bytesToClient += chunk.length;
  };

  responseStarted(status: number): void {
    this.status = status;
    for (const observer of this.observers)
      this.safely(() => observer.responseStarted?.(this.summary, status));
  }

  /** The broker answered with its own Status instead of the cluster's response. */
  refused(status: Status): void {
    this.status = status.code;
    this.refusal = status.message;
    this.finish();
  }

  finish(): void {
    if (this.done) return;
    this.done = true;
    const completedAt = new Date();
    const outcome: KubeRequestOutcome = {
      // A stream that died before any head reached the client: the client saw the connection fail.
      status: this.status,
      ...(this.refusal === undefined ? {} : { refusal: this.refusal }),
      bytesFromClient: this.bytesFromClient,
      bytesToClient: this.bytesToClient,
      completedAt,
      durationMs: completedAt.getTime() - this.summary.receivedAt.getTime(),
    };
    for (const observer of this.observers) this.safely(() => observer.finished(this.summary, outcome));
  }

  private safely<T>(call: () => T): T | undefined {
    try {
      return call();
    } catch (error) {
      this.logger.error({ err: error }, 'kube request observer failed');
      return undefined;
    }
  }
}
