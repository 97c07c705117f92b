export { RbacAuthorizer } from './rbac-authorizer.js';
export type {
  AuthorizationDecision,
  NonResourceRule,
  ResourceRule,
  SubjectRules,
} from './rbac-authorizer.js';
export type { RbacResource, RbacSource } from './rbac-source.js';
export { bootstrapRbacObjects } from './bootstrap-rbac-objects.js';
export { impersonate } from './impersonation.js';
export type { ImpersonationResult } from './impersonation.js';
export {
  ALL_AUTHENTICATED_GROUP,
  ALL_UNAUTHENTICATED_GROUP,
  ANONYMOUS_USER,
  PRIVILEGED_GROUP,
  serviceAccountGroups,
  serviceAccountUsername,
} from './user-info.js';
export type { UserInfo } from './user-info.js';
export type { AuthorizationAttributes } from '@tether/kube';
