/**
 * The broker's access policy: the file TETHER_BROKER_POLICY_FILE names, kept loaded by `PolicyStore`.
 * Fails closed: with no file configured, or none valid loaded yet, every request is denied with a reason
 * a person can act on, and the broker log carries the file's line-numbered errors.
 */
import {
  type ActiveGrant,
  evaluatePolicy,
  type JitRoles,
  PolicyStore,
  type PolicyCluster,
  type PolicyDecision,
  type PolicyInput,
  type PolicyStatus,
  type PolicyUser,
} from '@tether/policy';
import type { Logger } from 'pino';

export interface BrokerPolicyOptions {
  /** Unset: no policy, everything denied. */
  path?: string;
  /** How often to re-read the file; default 2000 ms. */
  pollIntervalMs?: number;
  logger: Logger;
  /** A new policy version went into force after start (so other replicas can re-read theirs). */
  onNewVersion?: (version: string) => void;
}

/** What `GET /api/policy/status` answers. */
export interface PolicyStatusView {
  loaded: boolean;
  /** sha256 of the policy text in use. */
  version: string | null;
  loadedAt: string | null;
  /** Why the file in place is not the policy in use (every issue with its line); null when it is. */
  lastError: string | null;
}

export const NOT_CONFIGURED = 'no policy file configured: set TETHER_BROKER_POLICY_FILE';

export class BrokerPolicy {
  private readonly store: PolicyStore | undefined;
  private started = false;
  private announcedVersion: string | undefined;

  constructor(private readonly options: BrokerPolicyOptions) {
    this.store =
      options.path === undefined
        ? undefined
        : new PolicyStore({
            path: options.path,
            pollIntervalMs: options.pollIntervalMs ?? 2000,
            onChange: (status) => this.log(status),
          });
  }

  async start(): Promise<void> {
    if (this.store === undefined) {
      this.options.logger.error(`${NOT_CONFIGURED}; every request is denied`);
      return;
    }
    await this.store.start();
    this.started = true;
  }

  /** Re-reads the file now rather than at the next poll (another replica saw a new version). */
  async reload(): Promise<void> {
    await this.store?.reload();
  }

  stop(): void {
    this.store?.stop();
  }

  evaluate(input: PolicyInput): PolicyDecision {
    if (this.store?.policy !== undefined) return this.store.policy.evaluate(input);
    return evaluatePolicy(undefined, input, this.whyMissing());
  }

  /** The just-in-time roles of the policy in force; undefined while none is loaded. */
  roles(): JitRoles | undefined {
    return this.store?.policy?.roles;
  }

  /** One readable line of what `user` may do on `cluster`, counting their active just-in-time grants. */
  summarize(user: PolicyUser, cluster: PolicyCluster, grants: readonly ActiveGrant[] = []): string {
    const policy = this.store?.policy;
    if (policy === undefined) return `no access (no policy is loaded: ${this.whyMissing()})`;
    return policy.summarize(user, cluster, grants);
  }

  status(): PolicyStatusView {
    if (this.store === undefined)
      return { loaded: false, version: null, loadedAt: null, lastError: NOT_CONFIGURED };
    const status = this.store.status();
    return {
      loaded: status.loaded,
      version: status.version ?? null,
      loadedAt: status.loadedAt?.toISOString() ?? null,
      lastError: status.lastError?.message ?? null,
    };
  }

  // The full issue list goes to the log and the status endpoint; a denial carries only its gist.
  private whyMissing(): string {
    if (this.store === undefined) return NOT_CONFIGURED;
    const error = this.store.status().lastError;
    if (error === undefined) return 'the policy file has not been read yet';
    const gist = error.message.split('\n')[0].replace(/:$/, '');
    return error.issues.length === 0 ? gist : `${gist}; see the broker log or /api/policy/status`;
  }

  private log(status: PolicyStatus): void {
    const fields = { path: status.path, version: status.version };
    if (status.lastError === undefined) {
      this.options.logger.info(fields, 'policy loaded');
      if (this.started && status.version !== undefined && status.version !== this.announcedVersion) {
        this.announcedVersion = status.version;
        this.options.onNewVersion?.(status.version);
      }
    } else if (status.loaded) {
      this.options.logger.error(
        fields,
        `policy file rejected, the previous policy stays in force: ${status.lastError.message}`,
      );
    } else {
      this.options.logger.error(
        fields,
        `no policy loaded, every request is denied: ${status.lastError.message}`,
      );
    }
  }
}
