import type { Logger } from 'pino';
import type { ClusterRegistry } from '../clusters/cluster-registry';
import { type AgentCredentialRecord, credentialUsable, type EnrollmentStore } from './enrollment-store';

/** A live tunnel and the enrolled credential it authenticated with. */
export interface CredentialSession {
  cluster: string;
  credentialId: string;
  close: (reason: string) => void;
}

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
    private readonly sessions: () => CredentialSession[] = () => [],
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Refreshes are serialized, so an older read never overwrites a newer one. */
  refresh(): Promise<void> {
    const run = this.queue.then(async () => {
      const gone = this.registry.setEnrolled(await this.store.clusters());
      for (const name of gone) this.closeTunnels(name, `cluster ${name} was removed from the broker`);
      await this.closeRevokedSessions();
    });
    this.queue = run.catch(() => {});
    return run;
  }

  /**
   * Tunnels whose credential was revoked (on any replica) or expired are closed. A credential replaced
   * by rotation counts as its newest successor: the tunnel it opened stays up while that one is usable.
   */
  private async closeRevokedSessions(): Promise<void> {
    const live = this.sessions();
    if (live.length === 0) return;
    const known = new Map<string, AgentCredentialRecord>();
    let wanted = [...new Set(live.map((s) => s.credentialId))];
    for (let depth = 0; depth < 8 && wanted.length > 0; depth++) {
      for (const record of await this.store.credentialsById(wanted)) known.set(record.id, record);
      wanted = [...known.values()]
        .map((r) => r.replacedBy)
        .filter((id): id is string => id !== null && !known.has(id));
    }
    const now = this.now();
    for (const session of live) {
      let record = known.get(session.credentialId);
      while (record?.replacedBy && known.has(record.replacedBy)) record = known.get(record.replacedBy);
      if (record && credentialUsable(record, now)) continue;
      session.close(`the agent credential of cluster ${session.cluster} was revoked or expired`);
      this.logger.warn(
        { cluster: session.cluster, credentialId: session.credentialId },
        'closed a tunnel whose credential is no longer valid',
      );
    }
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
