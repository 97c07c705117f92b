/** The agent's broker credential as it keeps it between restarts. */
export interface StoredCredential {
  credential: string;
  cluster: string;
  issuedAt: string;
  expiresAt: string;
}

/** Where the credential lives: a Kubernetes Secret in a cluster, a private file outside one. */
export interface CredentialStore {
  /** For log lines, e.g. `secret tether-system/tether-agent-credential`. */
  readonly description: string;
  /** The stored credential, or undefined when none was stored yet (the chart creates the Secret empty). */
  read(): Promise<StoredCredential | undefined>;
  /** Replaces the stored credential; resolves once it is durable. */
  write(credential: StoredCredential): Promise<void>;
}

export function parseStoredCredential(value: Record<string, unknown>): StoredCredential | undefined {
  const { credential, cluster, issuedAt, expiresAt } = value;
  if (
    typeof credential !== 'string' ||
    credential === '' ||
    typeof cluster !== 'string' ||
    typeof issuedAt !== 'string' ||
    typeof expiresAt !== 'string' ||
    Number.isNaN(Date.parse(expiresAt)) ||
    Number.isNaN(Date.parse(issuedAt))
  )
    return undefined;
  return { credential, cluster, issuedAt, expiresAt };
}
