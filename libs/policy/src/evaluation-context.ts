/** Per-decision view of the input, with derived values computed at most once and only when a rule asks. */
import type { PolicyCluster, PolicyInput, PolicyRequest, PolicyUser } from './policy-input.js';

// Kubernetes gives `system:` groups their meaning (system:masters is cluster-admin), and `tether:` groups
// are the ones just-in-time roles grant; an identity provider that lets users name their own groups must
// not be able to claim either.
const RESERVED_GROUP_PREFIXES = ['system:', 'tether:'];

function isReserved(group: string): boolean {
  return group.startsWith(RESERVED_GROUP_PREFIXES[0]) || group.startsWith(RESERVED_GROUP_PREFIXES[1]);
}
const NO_GROUPS: readonly string[] = [];

/** The request in contexts that have none (role checks, granted-group lookups): matches no request criterion. */
export const NO_REQUEST: PolicyRequest = {
  verb: '',
  apiGroup: '',
  resource: '',
  subresource: '',
  namespace: '',
  name: '',
  isResourceRequest: false,
  path: '',
};

export class EvaluationContext {
  readonly user: PolicyUser;
  readonly cluster: PolicyCluster;
  readonly request: PolicyRequest;
  readonly nowMs: number;
  /** Groups from the identity provider, without reserved `system:` ones. */
  readonly idpGroups: readonly string[];
  /** Groups from active just-in-time grants; written by the policy, so trusted as they are. */
  grantedGroups: readonly string[] = NO_GROUPS;
  /** What `groups` criteria see: identity groups and granted groups. */
  groups: readonly string[];
  private emailCache: string | null | undefined;

  constructor(input: PolicyInput) {
    this.user = input.user;
    this.cluster = input.cluster;
    this.request = input.request;
    this.nowMs = input.now.getTime();
    this.idpGroups = withoutReservedGroups(input.user.groups);
    this.groups = this.idpGroups;
  }

  /** Adds the groups of active grants; done once, before any rule looks at the groups. */
  grant(groups: readonly string[]): void {
    if (groups.length === 0) return;
    this.grantedGroups = groups;
    this.groups = mergeGroups(this.idpGroups, groups);
  }

  /** The email address in lower case, if the identity has one. */
  email(): string | undefined {
    if (this.emailCache === undefined) {
      const email = this.user.email;
      this.emailCache = typeof email === 'string' && email.lastIndexOf('@') > 0 ? email.toLowerCase() : null;
    }
    return this.emailCache ?? undefined;
  }

  emailLocalPart(): string | undefined {
    const email = this.email();
    return email === undefined ? undefined : email.slice(0, email.lastIndexOf('@'));
  }

  emailDomain(): string | undefined {
    const email = this.email();
    return email === undefined ? undefined : email.slice(email.lastIndexOf('@') + 1);
  }

  claim(name: string): unknown {
    const claims = this.user.claims;
    return claims !== undefined && Object.hasOwn(claims, name) ? claims[name] : undefined;
  }
}

function withoutReservedGroups(groups: readonly string[]): readonly string[] {
  for (const group of groups) {
    if (isReserved(group)) return groups.filter((g) => !isReserved(g));
  }
  return groups;
}

function mergeGroups(groups: readonly string[], extra: readonly string[]): readonly string[] {
  const merged = [...groups];
  for (const group of extra) if (!merged.includes(group)) merged.push(group);
  return merged;
}
