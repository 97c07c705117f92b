import type { Logger } from 'pino';

/** What a draining replica does, in order; each step is the caller's (HTTP server, registry, tunnels). */
export interface DrainSteps {
  /** Leave the replica registry, so the other replicas tell every agent this one is going. */
  leaveRegistry(): Promise<void>;
  /** Stop accepting connections; resolves once every connection has closed. */
  stopAccepting(): Promise<void>;
  /** GOAWAY to the agents; their in-flight streams get until the deadline. */
  drainTunnels(deadlineMs: number): Promise<void>;
  /** Past the deadline: close whatever is still open. */
  dropConnections(): void;
}

export interface DrainTimes {
  /** How long /readyz says 'draining' while requests are still served. */
  readinessDelayMs: number;
  /** Then how long in-flight requests and streams may take. */
  deadlineMs: number;
}

/** serving → draining (not ready, still serving) → closing (refusing new requests) → closed. */
export type DrainPhase = 'serving' | 'draining' | 'closing' | 'closed';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/**
 * A replica's graceful shutdown: readiness goes false first and the replica leaves the registry while
 * it still serves, so the load balancer and the agents move away; then it stops accepting, tells its
 * agents, and lets in-flight requests and streams finish until the deadline.
 */
export class ReplicaDrain {
  private current: DrainPhase = 'serving';
  private draining: Promise<void> | undefined;

  constructor(
    private readonly steps: DrainSteps,
    private readonly times: DrainTimes,
    private readonly logger: Logger,
  ) {}

  get phase(): DrainPhase {
    return this.current;
  }

  /** What /readyz answers. */
  get ready(): boolean {
    return this.current === 'serving';
  }

  /** Whether a request arriving now is refused (a retry reaches another replica). */
  get refusing(): boolean {
    return this.current === 'closing' || this.current === 'closed';
  }

  /** Runs once; later calls wait for the same drain. */
  drain(): Promise<void> {
    this.draining ??= this.run();
    return this.draining;
  }

  private async run(): Promise<void> {
    const { readinessDelayMs, deadlineMs } = this.times;
    this.current = 'draining';
    this.logger.info({ readinessDelayMs, deadlineMs }, 'draining: not ready, leaving the replica registry');
    try {
      await this.steps.leaveRegistry();
    } catch (error) {
      this.logger.warn({ err: (error as Error).message }, 'could not leave the replica registry');
    }
    await sleep(readinessDelayMs);
    this.current = 'closing';
    this.logger.info('draining: no longer accepting; in-flight requests and streams may finish');
    const finished = Promise.all([this.steps.stopAccepting(), this.steps.drainTunnels(deadlineMs)]).then(
      () => true,
    );
    const inTime = await Promise.race([finished, sleep(deadlineMs).then(() => false)]);
    if (!inTime) this.logger.warn({ deadlineMs }, 'drain deadline passed; closing what is still open');
    this.steps.dropConnections();
    this.current = 'closed';
  }
}
