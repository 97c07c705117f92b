import type { RequestAttributes } from '@tether/kube';
import type { AccessRule } from '@tether/config';

// Interim policy until the central policy engine lands: allow rules by IdP group, cluster, verb and
// namespace (schema in @tether/config). Anything no rule allows is denied.
export interface Requester {
  username: string;
  groups: string[];
}

export type AccessDecision =
  { allowed: true; rule: string; impersonateGroups: string[] } | { allowed: false; reason: string };

const matches = (allowed: readonly string[], value: string) =>
  allowed.includes('*') || allowed.includes(value);

export function decideAccess(
  rules: readonly AccessRule[],
  who: Requester,
  cluster: string,
  attrs: RequestAttributes,
): AccessDecision {
  for (const rule of rules) {
    if (!rule.groups.some((group) => who.groups.includes(group))) continue;
    if (!matches(rule.clusters, cluster)) continue;
    // Asking "who am I" and "what may I do" reveals nothing beyond the person's own access.
    if (isSelfReview(attrs))
      return { allowed: true, rule: rule.name, impersonateGroups: rule.impersonateGroups ?? who.groups };
    if (!matches(rule.verbs, attrs.verb)) continue;
    // Namespaces confine resource requests; discovery and other non-resource reads are not namespaced.
    const inNamespaces =
      !rule.namespaces ||
      !attrs.isResourceRequest ||
      (attrs.namespace !== '' && matches(rule.namespaces, attrs.namespace));
    if (!inNamespaces) continue;
    return { allowed: true, rule: rule.name, impersonateGroups: rule.impersonateGroups ?? who.groups };
  }
  return {
    allowed: false,
    reason: `no Tether access rule allows ${attrs.verb} on cluster "${cluster}" for groups [${who.groups.join(', ')}]`,
  };
}

const selfReviews = new Set([
  'authentication.k8s.io/selfsubjectreviews',
  'authorization.k8s.io/selfsubjectaccessreviews',
  'authorization.k8s.io/selfsubjectrulesreviews',
]);

function isSelfReview(attrs: RequestAttributes): boolean {
  return (
    attrs.isResourceRequest &&
    attrs.verb === 'create' &&
    selfReviews.has(`${attrs.apiGroup}/${attrs.resource}`)
  );
}

/** One line a person can read: what the rules let them do on a cluster. */
export function describeAccess(rules: readonly AccessRule[], who: Requester, cluster: string): string {
  const parts = rules
    .filter(
      (rule) => rule.groups.some((group) => who.groups.includes(group)) && matches(rule.clusters, cluster),
    )
    .map((rule) => {
      const verbs = rule.verbs.includes('*') ? 'all verbs' : rule.verbs.join(', ');
      return rule.namespaces ? `${verbs} in namespaces ${rule.namespaces.join(', ')}` : verbs;
    });
  return parts.length > 0 ? parts.join('; ') : 'no access';
}
