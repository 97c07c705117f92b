import type { RequestAttributes } from '@tether/kube';
import { z } from 'zod';

// Interim policy until the central policy engine lands: allow rules by IdP group, cluster, verb and
// namespace. Anything no rule allows is denied.
export const accessRuleSchema = z.object({
  name: z.string().min(1),
  groups: z.array(z.string().min(1)).min(1),
  clusters: z.array(z.string().min(1)).min(1),
  verbs: z.array(z.string().min(1)).min(1),
  namespaces: z.array(z.string().min(1)).optional(),
  /** Groups to impersonate on the cluster; by default the person's own groups. */
  impersonateGroups: z.array(z.string().min(1)).optional(),
});
export const accessRulesSchema = z.array(accessRuleSchema);
export type AccessRule = z.infer<typeof accessRuleSchema>;

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
    if (!matches(rule.clusters, cluster) || !matches(rule.verbs, attrs.verb)) continue;
    if (rule.namespaces && !(attrs.namespace !== '' && matches(rule.namespaces, attrs.namespace))) continue;
    return { allowed: true, rule: rule.name, impersonateGroups: rule.impersonateGroups ?? who.groups };
  }
  return {
    allowed: false,
    reason: `no Tether access rule allows ${attrs.verb} on cluster "${cluster}" for groups [${who.groups.join(', ')}]`,
  };
}
