export { parsePolicy, tryParsePolicy } from './parse-policy.js';
export type { PolicyParseResult } from './parse-policy.js';
export { Policy } from './policy.js';
export type { Explanation, RuleTrace } from './policy.js';
export type { RuleEffect } from './compiled-rule.js';
export { evaluatePolicy } from './evaluate-policy.js';
export { JitRole, JitRoles } from './jit-roles.js';
export type { AccessRequestCheck } from './jit-roles.js';
export { PolicyError, formatIssue } from './policy-error.js';
export type { PolicyErrorCode, PolicyIssue } from './policy-error.js';
export { POLICY_API_VERSION } from './policy-schema.js';
export { PolicyStore } from './policy-store.js';
export type { PolicyStatus, PolicyStoreOptions } from './policy-store.js';
export type {
  ActiveGrant,
  Impersonation,
  PolicyCluster,
  PolicyDecision,
  PolicyInput,
  PolicyRequest,
  PolicyUser,
} from './policy-input.js';
