import type { PolicyDecision, PolicyInput } from './policy-input.js';
import type { Policy } from './policy.js';

/** Fail closed: without a policy, nothing is allowed, and the reason says so. */
export function evaluatePolicy(
  policy: Policy | undefined,
  input: PolicyInput,
  whyMissing?: string,
): PolicyDecision {
  if (policy === undefined) {
    return {
      allowed: false,
      reason: `no policy is loaded, so every request is denied${whyMissing === undefined ? '' : ` (${whyMissing})`}`,
    };
  }
  return policy.evaluate(input);
}
