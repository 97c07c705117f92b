import type { ClusterRegistry } from '../clusters/cluster-registry';
import { AGENT_CREDENTIAL_PREFIX, looksLike, sha256Hex } from './enrollment-tokens';
import type { EnrollmentStore } from './enrollment-store';
import { EnrollmentError } from './enrollment.errors';

export interface AuthenticatedAgent {
  clusterName: string;
  /** The enrolled credential's record id; absent for a static TETHER_BROKER_CLUSTERS credential. */
  credentialId?: string;
}

/**
 * Who an agent is, from its bearer credential alone: a static cluster's token, or an enrolled credential
 * that is unexpired, unrevoked and belongs to a cluster that still exists. Read from the database on
 * every call (tunnel connects and credential rotations are rare), so a revocation on any replica counts.
 */
export class AgentAuthenticator {
  constructor(
    private readonly store: EnrollmentStore,
    private readonly registry: ClusterRegistry,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async authenticate(token: string | undefined): Promise<AuthenticatedAgent> {
    if (!token) throw new EnrollmentError('credential_refused', 'agent credential missing');
    const fixed = this.registry.staticClusterForAgentToken(token);
    if (fixed) return { clusterName: fixed.name };
    if (!looksLike(token, AGENT_CREDENTIAL_PREFIX))
      throw new EnrollmentError(
        'credential_refused',
        'agent credential is not valid for any registered cluster',
      );
    const credential = await this.store.credentialByHash(sha256Hex(token));
    if (!credential)
      throw new EnrollmentError(
        'credential_refused',
        'agent credential is not valid for any registered cluster (unknown, or its cluster was removed)',
      );
    const now = this.now();
    const fix = `an admin can run: tether cluster rotate ${credential.cluster} for a new join token`;
    if (credential.expiresAt <= now)
      throw new EnrollmentError(
        'credential_refused',
        `the agent credential of cluster ${credential.cluster} expired at ${credential.expiresAt.toISOString()}; ${fix}`,
      );
    if (credential.revokedAt !== null && credential.revokedAt <= now)
      throw new EnrollmentError(
        'credential_refused',
        credential.replacedBy === null
          ? `the agent credential of cluster ${credential.cluster} was revoked; ${fix}`
          : `the agent credential of cluster ${credential.cluster} was replaced by a rotation; use the new one`,
      );
    return { clusterName: credential.cluster, credentialId: credential.id };
  }
}
