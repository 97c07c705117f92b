/** Asks the policy about one kube request and turns the answer into what the decision token carries. */
import type { RegisteredCluster } from '@tether/config';
import type { RequestAttributes } from '@tether/kube';
import type { ActiveGrant, PolicyDecision, PolicyInput } from '@tether/policy';
import type { SessionIdentity } from '../auth/session-tokens';

export type Requester = Pick<SessionIdentity, 'username' | 'email' | 'groups'>;

export type AccessDecision =
  | {
      allowed: true;
      rule: string;
      user: string;
      groups: string[];
      extra: Record<string, string[]>;
      /** Access requests whose grants were active for this person on this cluster. */
      jitRequestIds?: string[];
    }
  | { allowed: false; reason: string };

export interface PolicyEvaluator {
  evaluate(input: PolicyInput): PolicyDecision;
}

export function decideAccess(
  policy: PolicyEvaluator,
  who: Requester,
  cluster: Pick<RegisteredCluster, 'name' | 'labels'>,
  request: RequestAttributes,
  grants: readonly ActiveGrant[] = [],
  now = new Date(),
): AccessDecision {
  const decision = policy.evaluate({
    user: { username: who.username, email: who.email, groups: who.groups },
    cluster: { name: cluster.name, labels: cluster.labels },
    request,
    now,
    grants,
  });
  if (!decision.allowed) return { allowed: false, reason: decision.reason };
  const { user, groups, extra } = decision.impersonate;
  const jitRequestIds = grants
    .filter((grant) => grant.cluster === cluster.name && grant.requestId !== undefined)
    .map((grant) => grant.requestId as string);
  return {
    allowed: true,
    rule: decision.rule,
    user,
    groups,
    extra,
    ...(jitRequestIds.length > 0 ? { jitRequestIds } : {}),
  };
}
