/** What the broker remembers about enrolled clusters, their join tokens and their agents' credentials. */

export interface ClusterRecord {
  name: string;
  labels: Record<string, string>;
  createdAt: Date;
  createdBy: string;
}

export interface JoinTokenRecord {
  id: string;
  cluster: string;
  createdAt: Date;
  createdBy: string;
  expiresAt: Date;
  usedAt: Date | null;
  revokedAt: Date | null;
}

export interface AgentCredentialRecord {
  id: string;
  cluster: string;
  issuedAt: Date;
  expiresAt: Date;
  /** Set at once by a revocation; set to the end of the grace period when the credential is rotated. */
  revokedAt: Date | null;
  /** The credential that replaced this one on rotation. */
  replacedBy: string | null;
}

/** A secret to store: its record id and hash (the secret itself never reaches the store). */
export interface NewSecret {
  id: string;
  sha256: string;
  expiresAt: Date;
}

export interface EnrollmentStore {
  migrate(): Promise<void>;
  /** Creates the cluster and its first join token together; undefined when the name is taken. */
  addCluster(cluster: ClusterRecord, joinToken: NewSecret): Promise<JoinTokenRecord | undefined>;
  clusters(): Promise<ClusterRecord[]>;
  cluster(name: string): Promise<ClusterRecord | undefined>;
  /** Deletes the cluster with its join tokens and credentials; false when there was none. */
  removeCluster(name: string): Promise<boolean>;
  /** A new join token for the cluster; earlier unused ones are revoked. Undefined for an unknown cluster. */
  issueJoinToken(
    cluster: string,
    joinToken: NewSecret,
    createdBy: string,
    now: Date,
  ): Promise<JoinTokenRecord | undefined>;
  /** Revokes every live credential of the cluster at `now`; the ids revoked. */
  revokeCredentials(cluster: string, now: Date): Promise<string[]>;
  joinTokens(cluster?: string): Promise<JoinTokenRecord[]>;
  credentials(cluster?: string): Promise<AgentCredentialRecord[]>;
  credentialsById(ids: readonly string[]): Promise<AgentCredentialRecord[]>;
  joinTokenByHash(sha256: string): Promise<JoinTokenRecord | undefined>;
  /**
   * Uses the join token once and issues the credential, atomically: of two agents presenting one token
   * at once exactly one gets a credential. Undefined when the token is not usable now.
   */
  redeemJoinToken(
    sha256: string,
    cluster: string | undefined,
    credential: NewSecret,
    now: Date,
  ): Promise<AgentCredentialRecord | undefined>;
  /** The credential with this hash, if its cluster still exists. */
  credentialByHash(sha256: string): Promise<AgentCredentialRecord | undefined>;
  /**
   * Replaces a live, not yet replaced credential by a new one, atomically; the old one stays valid
   * until `graceUntil` (or its own expiry, if sooner). Undefined when it cannot be rotated.
   */
  rotateCredential(
    sha256: string,
    next: NewSecret,
    graceUntil: Date,
    now: Date,
  ): Promise<AgentCredentialRecord | undefined>;
  close(): Promise<void>;
}

/** Whether a credential may authenticate at `now`. */
export function credentialUsable(credential: AgentCredentialRecord, now: Date): boolean {
  return (
    credential.expiresAt.getTime() > now.getTime() &&
    (credential.revokedAt === null || credential.revokedAt.getTime() > now.getTime())
  );
}
