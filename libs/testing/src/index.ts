export { findRepoRoot, pinnedToolPath } from './kubectl/kubectl-binary.js';
export { KubectlRunner, waitForOutput } from './kubectl/kubectl-runner.js';
export type { KubectlResult, KubectlRunOptions } from './kubectl/kubectl-runner.js';
export { serveExecUpgrade, serveLogs, servePortForwardUpgrade } from './apiserver/streaming/index.js';
export type { PodStreamContext, PodView } from './apiserver/streaming/index.js';
export {
  RbacAuthorizer,
  bootstrapRbacObjects,
  impersonate,
  ALL_AUTHENTICATED_GROUP,
  ALL_UNAUTHENTICATED_GROUP,
  ANONYMOUS_USER,
  PRIVILEGED_GROUP,
  serviceAccountGroups,
  serviceAccountUsername,
} from './apiserver/rbac/index.js';
export type {
  AuthorizationAttributes,
  AuthorizationDecision,
  ImpersonationResult,
  NonResourceRule,
  RbacResource,
  RbacSource,
  ResourceRule,
  SubjectRules,
  UserInfo,
} from './apiserver/rbac/index.js';
export { ApiServerSimulator } from './apiserver/api-server-simulator.js';
export type { ApiServerSimulatorOptions } from './apiserver/api-server-simulator.js';
export type { TokenEntry } from './apiserver/authentication.js';
export type { KubeconfigOptions } from './apiserver/kubeconfig.js';
export { ObjectStore } from './apiserver/object-store.js';
export type { DeleteOptions, ListOptions, ResourceRef, WriteOptions } from './apiserver/object-store.js';
export { ApiError } from './apiserver/api-error.js';
export { RequestRecorder } from './apiserver/request-recorder.js';
export type { RecordedRequest } from './apiserver/request-recorder.js';
export { parseManifests } from './apiserver/manifests.js';
export { demoClusterManifests, demoClusterTokens } from './apiserver/fixtures/demo-cluster.js';
export { sampleAuditEvent } from './audit/sample-audit-event.js';
export { freePort } from './stack/free-port.js';
export { httpCall } from './stack/http-call.js';
export type { HttpCallOptions, HttpReply } from './stack/http-call.js';
export { testKafkaBrokers } from './kafka/test-kafka-brokers.js';
export { runNode, startNode } from './stack/node-process.js';
export type { NodeRunResult, StartedNode } from './stack/node-process.js';
export { SessionTokenMinter } from './stack/session-token-minter.js';
export { demoPolicyFile, startTetherStack } from './stack/tether-stack.js';
export { startReplicatedStack } from './stack/replicated-stack.js';
export type {
  BrokerReplicaProcess,
  ReplicatedStack,
  ReplicatedStackOptions,
} from './stack/replicated-stack.js';
export { TcpBalancer } from './stack/tcp-balancer.js';
export { OtlpReceiver } from './telemetry/otlp-receiver.js';
export type { ReceivedSpan } from './telemetry/otlp-receiver.js';
export type { TetherStack } from './stack/tether-stack.js';
export { DevIdentityProvider } from './idp/dev-identity-provider.js';
export type { DevIdentityProviderOptions } from './idp/dev-identity-provider.js';
export { DEFAULT_DEMO_USERS, DEMO_PASSWORD } from './idp/demo-users.js';
export type { DemoUser } from './idp/demo-users.js';
export { DEVICE_CODE_GRANT_TYPE } from './idp/dev-client.js';
export type { DevClient, DevGrantType } from './idp/dev-client.js';
export type { DevTokenLifetimes } from './idp/token-lifetimes.js';
export { approveDevLogin, completeDevLogin } from './idp/headless-sign-in.js';
export type { HeadlessSignInOptions } from './idp/headless-sign-in.js';
export { IdpError } from './idp/idp-error.js';
export type { IdpErrorCode } from './idp/idp-error.js';
