export type { KubeObject, ObjectMeta, OwnerReference } from './kube-object.js';
export { requestAttributesFromUrl } from './request-attributes.js';
export type { AuthorizationAttributes, RequestAttributes } from './request-attributes.js';
export { RequestUrlError } from './request-url-error.js';
export type { RequestUrlErrorCode } from './request-url-error.js';
export {
  OBJECT_MODIFIED_MESSAGE,
  alreadyExistsStatus,
  badRequestStatus,
  conflictStatus,
  goneStatus,
  invalidStatus,
  methodNotAllowedStatus,
  notFoundStatus,
  qualifiedResource,
  statusFailure,
  successStatus,
  unauthorizedStatus,
} from './status.js';
export type { InvalidCause, Status, StatusCause, StatusDetails } from './status.js';
export { forbiddenStatus } from './forbidden-status.js';
export {
  HeaderRejectedError,
  headerLinesFromRaw,
  isIdentityHeader,
  sanitizeClientHeaders,
} from './header-hygiene.js';
export type { HeaderLine, HeaderRejectionCode, SanitizedHeaders } from './header-hygiene.js';
export { encodeExtraKey, impersonationHeaders } from './impersonation-headers.js';
export type { ImpersonatedIdentity } from './impersonation-headers.js';
export { ProxyTargetError, parseProxyTarget, proxyPrefix } from './proxy-target.js';
export type { ProxyTarget, ProxyTargetErrorCode } from './proxy-target.js';
export { encodeResponseHead, ResponseHeadError, ResponseHeadReader } from './tunnel-messages.js';
export type {
  BrokerReplicasHead,
  DecisionKeysHead,
  KubeRequestHead,
  KubeResponseHead,
  TunnelStreamHead,
} from './tunnel-messages.js';
