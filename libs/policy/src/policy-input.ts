/** What the policy decides on, and what it answers. Shapes are plain data so the broker can pass its own objects. */

export interface PolicyUser {
  username: string;
  /** Only a verified address: the broker drops unverified emails before asking. */
  email?: string;
  groups: readonly string[];
  /** The ID token's claims, for `claims` criteria and `${claims.NAME}` templates. */
  claims?: Readonly<Record<string, unknown>>;
}

export interface PolicyCluster {
  name: string;
  labels: Readonly<Record<string, string>>;
}

/** Structurally the `AuthorizationAttributes` of `@tether/kube`. */
export interface PolicyRequest {
  verb: string;
  apiGroup: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
  isResourceRequest: boolean;
  path: string;
}

/** An approved just-in-time grant; storing and expiring them is the access-request service's job. */
export interface ActiveGrant {
  role: string;
  cluster: string;
  expiresAt: Date;
  /** The access request that granted it, for the audit trail. */
  requestId?: string;
}

export interface PolicyInput {
  user: PolicyUser;
  cluster: PolicyCluster;
  request: PolicyRequest;
  now: Date;
  grants?: readonly ActiveGrant[];
}

/** The identity the agent impersonates on the cluster. */
export interface Impersonation {
  user: string;
  groups: string[];
  extra: Record<string, string[]>;
}

export type PolicyDecision =
  | { allowed: true; rule: string; impersonate: Impersonation }
  | { allowed: false; rule?: string; reason: string };
