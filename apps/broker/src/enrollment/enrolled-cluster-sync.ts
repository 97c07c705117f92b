import type { Logger } from 'pino';
import type { ClusterRegistry } from '../clusters/cluster-registry';
import type { EnrollmentStore } from './enrollment-store';

/**
 * Keeps the registry's in-memory copy of the enrolled clusters current: at start, after every change
 * made through this broker, and every few seconds for changes made by other replicas. A cross-replica
 * notification (issue #11) only needs to call `refresh()`. A cluster that disappears has its tunnels on
 * this replica closed.
 */
export class EnrolledClusterSync {
  private timer: NodeJS.Timeout | undefined;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: EnrollmentStore,
    private readonly registry: ClusterRegistry,
    private readonly closeTunnels: (cluster: string, reason: string) => void,
    private readonly logger: Logger,
  ) {}

  /** Refreshes are serialized, so an older read never overwrites a newer one. */
  refresh(): Promise<void> {
    const run = this.queue.then(async () => {
      const gone = this.registry.setEnrolled(await this.store.clusters());
      for (const name of gone) this.closeTunnels(name, `cluster ${name} was removed from the broker`);
    });
    this.queue = run.catch(() => {});
    return run;
  }

  start(intervalMs: number): void {
    this.timer = setInterval(() => {
      this.refresh().catch((error: unknown) =>
        this.logger.warn(
          { err: error },
          'could not refresh the enrolled clusters; keeping the last known list',
        ),
      );
    }, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
