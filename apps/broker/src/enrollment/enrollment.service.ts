/**
 * Enrollment: admins add, rotate and remove clusters; agents exchange a one-time join token for a
 * credential bound to their cluster and rotate it before it expires. Every state change writes one
 * structured `audit: true` line. Secrets are returned once and never logged; records carry only ids.
 */
import type { PolicyUser } from '@tether/policy';
import type { Logger } from 'pino';
import type { BrokerChange } from '../change-feed/broker-change';
import type { ClusterRegistry } from '../clusters/cluster-registry';
import type { AgentAuthenticator } from './agent-authenticator';
import { parseAddCluster, parseJoin, parseRotate } from './enrollment-input';
import {
  AGENT_CREDENTIAL_PREFIX,
  issueSecret,
  JOIN_TOKEN_PREFIX,
  looksLike,
  sha256Hex,
} from './enrollment-tokens';
import {
  type AgentCredentialRecord,
  credentialUsable,
  type EnrollmentStore,
  type JoinTokenRecord,
} from './enrollment-store';
import { EnrollmentError } from './enrollment.errors';

export interface EnrollmentSettings {
  adminGroups: readonly string[];
  joinTokenTtlSeconds: number;
  credentialTtlSeconds: number;
  /** How long a rotated-out credential keeps working, so an in-flight reconnect does not fail. */
  credentialGraceSeconds: number;
  /** The URL agents dial, for the printed `helm install` line. */
  brokerUrl: string;
}

export interface EnrollmentDeps {
  store: EnrollmentStore;
  registry: ClusterRegistry;
  authenticator: AgentAuthenticator;
  /** Closes the cluster's tunnels on this replica now; the number closed. */
  closeTunnels: (cluster: string, reason: string) => number;
  /** Re-reads the enrolled clusters into the registry. */
  refresh: () => Promise<void>;
  /** Tells the other broker replicas (the change feed), so they re-read at once. */
  announce?: (change: BrokerChange) => void;
  settings: EnrollmentSettings;
  logger: Logger;
  now?: () => Date;
}

export interface JoinTokenGrant {
  cluster: { name: string; labels: Record<string, string> };
  joinToken: string;
  expiresAt: string;
  helmInstall: string;
}

export interface CredentialGrant {
  cluster: string;
  credential: string;
  issuedAt: string;
  expiresAt: string;
}

export type JoinTokenState = 'pending' | 'used' | 'expired' | 'revoked';

export interface EnrollmentDetails {
  createdAt: string;
  createdBy: string;
  joinToken: { state: JoinTokenState; expiresAt: string } | null;
  /** The newest usable credential, null when the agent has none (never joined, revoked, expired). */
  credential: { issuedAt: string; expiresAt: string } | null;
}

export const DEFAULT_CREDENTIAL_GRACE_SECONDS = 600;

export class EnrollmentService {
  private readonly now: () => Date;

  constructor(private readonly deps: EnrollmentDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  isAdmin(who: PolicyUser): boolean {
    return who.groups.some((group) => this.deps.settings.adminGroups.includes(group));
  }

  requireAdmin(who: PolicyUser, action: string): void {
    if (!this.isAdmin(who))
      throw new EnrollmentError(
        'forbidden',
        `only members of ${this.deps.settings.adminGroups.join(', ')} may ${action}`,
      );
  }

  async addCluster(who: PolicyUser, body: unknown): Promise<JoinTokenGrant> {
    this.requireAdmin(who, 'add clusters');
    const input = parseAddCluster(body);
    if (this.deps.registry.isStatic(input.name))
      throw new EnrollmentError(
        'conflict',
        `cluster ${input.name} is defined in TETHER_BROKER_CLUSTERS; choose another name or remove it there`,
      );
    const now = this.now();
    const secret = issueSecret(JOIN_TOKEN_PREFIX);
    const record = await this.deps.store.addCluster(
      { name: input.name, labels: input.labels, createdAt: now, createdBy: who.username },
      { id: secret.id, sha256: secret.sha256, expiresAt: this.joinTokenExpiry(now) },
    );
    if (!record)
      throw new EnrollmentError(
        'conflict',
        `cluster ${input.name} already exists; for a new join token run: tether cluster rotate ${input.name}`,
      );
    await this.deps.refresh();
    this.deps.announce?.({ type: 'cluster-added', cluster: input.name });
    this.audit('cluster.added', who.username, input.name, { labels: input.labels, joinTokenId: record.id });
    return this.grant(input.name, input.labels, secret.token, record);
  }

  /** Admin details per enrolled cluster, by name. */
  async details(who: PolicyUser): Promise<Map<string, EnrollmentDetails>> {
    this.requireAdmin(who, 'see cluster enrollment details');
    const [clusters, tokens, credentials] = await Promise.all([
      this.deps.store.clusters(),
      this.deps.store.joinTokens(),
      this.deps.store.credentials(),
    ]);
    const now = this.now();
    const details = new Map<string, EnrollmentDetails>();
    for (const cluster of clusters) {
      const newestToken = tokens.filter((t) => t.cluster === cluster.name).at(-1);
      const usable = credentials
        .filter((c) => c.cluster === cluster.name && c.replacedBy === null && credentialUsable(c, now))
        .at(-1);
      details.set(cluster.name, {
        createdAt: cluster.createdAt.toISOString(),
        createdBy: cluster.createdBy,
        joinToken: newestToken
          ? { state: joinTokenState(newestToken, now), expiresAt: newestToken.expiresAt.toISOString() }
          : null,
        credential: usable
          ? { issuedAt: usable.issuedAt.toISOString(), expiresAt: usable.expiresAt.toISOString() }
          : null,
      });
    }
    return details;
  }

  async removeCluster(who: PolicyUser, name: string): Promise<{ name: string; tunnelsClosed: number }> {
    this.requireAdmin(who, 'remove clusters');
    if (this.deps.registry.isStatic(name))
      throw new EnrollmentError(
        'conflict',
        `cluster ${name} is defined in TETHER_BROKER_CLUSTERS; remove it there and restart the broker`,
      );
    if (!(await this.deps.store.removeCluster(name)))
      throw new EnrollmentError('not_found', `no enrolled cluster is named ${name}`);
    const tunnelsClosed = this.deps.closeTunnels(name, `cluster ${name} was removed from the broker`);
    await this.deps.refresh();
    this.deps.announce?.({ type: 'cluster-removed', cluster: name });
    this.audit('cluster.removed', who.username, name, {});
    return { name, tunnelsClosed };
  }

  /**
   * A new join token for re-enrolling the cluster's agent (earlier unused tokens stop working); with
   * `revokeCredentials`, the current agent credential is revoked at once and its tunnels close.
   */
  async rotate(
    who: PolicyUser,
    name: string,
    body: unknown,
  ): Promise<JoinTokenGrant & { credentialsRevoked: number }> {
    this.requireAdmin(who, 'rotate cluster credentials');
    const input = parseRotate(body);
    if (this.deps.registry.isStatic(name))
      throw new EnrollmentError(
        'conflict',
        `cluster ${name} is defined in TETHER_BROKER_CLUSTERS and has no join tokens`,
      );
    const cluster = await this.deps.store.cluster(name);
    if (!cluster) throw new EnrollmentError('not_found', `no enrolled cluster is named ${name}`);
    const now = this.now();
    const secret = issueSecret(JOIN_TOKEN_PREFIX);
    const record = await this.deps.store.issueJoinToken(
      name,
      { id: secret.id, sha256: secret.sha256, expiresAt: this.joinTokenExpiry(now) },
      who.username,
      now,
    );
    if (!record) throw new EnrollmentError('not_found', `no enrolled cluster is named ${name}`);
    this.audit('cluster.join_token_issued', who.username, name, { joinTokenId: record.id });
    let credentialsRevoked = 0;
    if (input.revokeCredentials) {
      const revoked = await this.deps.store.revokeCredentials(name, now);
      credentialsRevoked = revoked.length;
      this.deps.closeTunnels(name, `the agent credential of cluster ${name} was revoked`);
      this.deps.announce?.({ type: 'credential-revoked', cluster: name });
      this.audit('cluster.credentials_revoked', who.username, name, { credentialIds: revoked });
    }
    return { ...this.grant(name, cluster.labels, secret.token, record), credentialsRevoked };
  }

  /** POST /api/agents/join: the join token (once) for a credential bound to its cluster. */
  async join(joinToken: string | undefined, body: unknown): Promise<CredentialGrant> {
    const input = parseJoin(body);
    if (!looksLike(joinToken, JOIN_TOKEN_PREFIX))
      throw new EnrollmentError(
        'join_token_unknown',
        'a join token (tjt_...) is required as the bearer token; get one with tether cluster add or rotate',
      );
    const now = this.now();
    const hash = sha256Hex(joinToken);
    const secret = issueSecret(AGENT_CREDENTIAL_PREFIX);
    const credential = await this.deps.store.redeemJoinToken(
      hash,
      input.cluster,
      this.credentialSecret(secret, now),
      now,
    );
    if (!credential) {
      const refusal = await this.joinRefusal(hash, input.cluster, now);
      this.deps.logger.warn(
        {
          audit: true,
          event: 'agent.join_refused',
          actor: 'agent',
          cluster: refusal.cluster,
          reason: refusal.error.code,
        },
        'agent.join_refused',
      );
      throw refusal.error;
    }
    this.audit('agent.joined', 'agent', credential.cluster, {
      credentialId: credential.id,
      expiresAt: credential.expiresAt.toISOString(),
    });
    return credentialGrant(credential, secret.token);
  }

  /** POST /api/agents/credential/rotate: a live credential for a new one; the old one gets a grace period. */
  async rotateCredential(current: string | undefined): Promise<CredentialGrant> {
    const agent = await this.deps.authenticator.authenticate(current);
    if (agent.credentialId === undefined)
      throw new EnrollmentError(
        'invalid_request',
        'static credentials from TETHER_BROKER_CLUSTERS are not rotated through the API',
      );
    const now = this.now();
    const secret = issueSecret(AGENT_CREDENTIAL_PREFIX);
    const graceUntil = new Date(now.getTime() + this.deps.settings.credentialGraceSeconds * 1000);
    const next = await this.deps.store.rotateCredential(
      sha256Hex(current as string),
      this.credentialSecret(secret, now),
      graceUntil,
      now,
    );
    if (!next)
      throw new EnrollmentError(
        'credential_replaced',
        'this credential was already rotated; use the credential that replaced it',
      );
    this.audit('agent.credential_rotated', 'agent', next.cluster, {
      credentialId: next.id,
      replacedCredentialId: agent.credentialId,
      expiresAt: next.expiresAt.toISOString(),
    });
    return credentialGrant(next, secret.token);
  }

  private async joinRefusal(
    hash: string,
    cluster: string | undefined,
    now: Date,
  ): Promise<{ cluster: string | undefined; error: EnrollmentError }> {
    const token = await this.deps.store.joinTokenByHash(hash);
    if (!token)
      return {
        cluster,
        error: new EnrollmentError(
          'join_token_unknown',
          'this join token is not known to the broker (mistyped, or its cluster was removed); an admin can run: tether cluster add <name>',
        ),
      };
    const rotate = `an admin can run: tether cluster rotate ${token.cluster} for a new one`;
    let error: EnrollmentError;
    if (cluster !== undefined && cluster !== token.cluster)
      error = new EnrollmentError(
        'join_token_wrong_cluster',
        `this join token is for cluster ${token.cluster}, but the agent is configured as ${cluster} (TETHER_AGENT_CLUSTER_NAME)`,
      );
    else if (token.usedAt !== null)
      error = new EnrollmentError(
        'join_token_used',
        `this join token of cluster ${token.cluster} was already used at ${token.usedAt.toISOString()}; join tokens work once; ${rotate}`,
      );
    else if (token.revokedAt !== null)
      error = new EnrollmentError(
        'join_token_revoked',
        `this join token of cluster ${token.cluster} was replaced by a newer one at ${token.revokedAt.toISOString()}; use the newest, or ${rotate}`,
      );
    else if (token.expiresAt <= now)
      error = new EnrollmentError(
        'join_token_expired',
        `this join token of cluster ${token.cluster} expired at ${token.expiresAt.toISOString()}; ${rotate}`,
      );
    else
      error = new EnrollmentError(
        'join_token_used',
        `this join token of cluster ${token.cluster} was just used; ${rotate}`,
      );
    return { cluster: token.cluster, error };
  }

  private joinTokenExpiry(now: Date): Date {
    return new Date(now.getTime() + this.deps.settings.joinTokenTtlSeconds * 1000);
  }

  private credentialSecret(secret: { id: string; sha256: string }, now: Date) {
    return {
      id: secret.id,
      sha256: secret.sha256,
      expiresAt: new Date(now.getTime() + this.deps.settings.credentialTtlSeconds * 1000),
    };
  }

  private grant(
    name: string,
    labels: Record<string, string>,
    joinToken: string,
    record: JoinTokenRecord,
  ): JoinTokenGrant {
    return {
      cluster: { name, labels },
      joinToken,
      expiresAt: record.expiresAt.toISOString(),
      helmInstall: helmInstallLine(name, this.deps.settings.brokerUrl, joinToken),
    };
  }

  private audit(event: string, actor: string, cluster: string, fields: Record<string, unknown>): void {
    this.deps.logger.info({ audit: true, event, actor, cluster, ...fields }, event);
  }
}

/** The chart in this repository and the values it reads (deploy/helm/tether-agent/values.yaml). */
export function helmInstallLine(cluster: string, brokerUrl: string, joinToken: string): string {
  return [
    `helm install tether-agent-${cluster} deploy/helm/tether-agent`,
    '--namespace tether-system --create-namespace',
    `--set clusterName=${cluster}`,
    `--set broker.url=${brokerUrl}`,
    `--set joinToken=${joinToken}`,
  ].join(' ');
}

function joinTokenState(token: JoinTokenRecord, now: Date): JoinTokenState {
  if (token.usedAt !== null) return 'used';
  if (token.revokedAt !== null) return 'revoked';
  return token.expiresAt <= now ? 'expired' : 'pending';
}

function credentialGrant(credential: AgentCredentialRecord, token: string): CredentialGrant {
  return {
    cluster: credential.cluster,
    credential: token,
    issuedAt: credential.issuedAt.toISOString(),
    expiresAt: credential.expiresAt.toISOString(),
  };
}
