import type { Duplex } from 'node:stream';
import { forbiddenStatus } from '@tether/kube';
import { ApiError } from '../api-error.js';
import { objectsAt, type KubeObject } from '../kube-object.js';
import {
  serveExecUpgrade,
  serveLogs,
  servePortForwardUpgrade,
  type PodStreamContext,
  type PodView,
} from '../streaming/index.js';
import type { ResourceRequest, ServerParts } from './request-context.js';

/** An upgrade has a socket instead of a response object. */
export type UpgradeRequest = Omit<ResourceRequest, 'res'>;

/**
 * `pods/log`, `pods/exec`, `pods/attach` and `pods/portforward`: checks the pod and container, then
 * hands the request to the stream protocols (streaming/).
 */

export const streamSubresources = new Set(['log', 'exec', 'attach', 'portforward']);
const upgradeSubresources = new Set(['exec', 'attach', 'portforward']);

function podView(pod: KubeObject): PodView {
  return {
    namespace: pod.metadata.namespace ?? '',
    name: pod.metadata.name ?? '',
    uid: pod.metadata.uid ?? '',
    creationTimestamp: pod.metadata.creationTimestamp ?? '',
    containers: objectsAt(pod, ['spec', 'containers']) as unknown as PodView['containers'],
  };
}

function containerFor(pod: KubeObject, query: URLSearchParams, subresource: string): string {
  const names = objectsAt(pod, ['spec', 'containers']).map((container) => String(container.name));
  const requested = query.get('container');
  const podName = pod.metadata.name ?? '';
  if (subresource === 'portforward') return requested ?? names[0] ?? '';
  if (!requested) {
    if (names.length === 1) return names[0] ?? '';
    throw ApiError.badRequest(
      `a container name must be specified for pod ${podName}, choose one of: [${names.join(' ')}]`,
    );
  }
  if (!names.includes(requested))
    throw ApiError.badRequest(`container ${requested} is not valid for pod ${podName}`);
  return requested;
}

/** A signal that fires when the pod is deleted or the server closes. */
function podGoneSignal(pod: KubeObject, parts: ServerParts): { signal: AbortSignal; release: () => void } {
  const controller = new AbortController();
  const unsubscribe = parts.store.subscribe((change) => {
    if (
      change.typeKey === '/pods' &&
      change.type === 'DELETED' &&
      change.object.metadata.uid === pod.metadata.uid
    ) {
      controller.abort();
    }
  });
  const onClose = () => controller.abort();
  parts.closing.addEventListener('abort', onClose);
  controller.signal.addEventListener('abort', () => unsubscribe());
  if (parts.closing.aborted) controller.abort();
  return {
    signal: controller.signal,
    release: () => {
      unsubscribe();
      parts.closing.removeEventListener('abort', onClose);
    },
  };
}

function streamContext(
  request: UpgradeRequest,
  parts: ServerParts,
): { context: PodStreamContext; release: () => void } {
  const pod = parts.store.get(request.type, request.attrs.namespace, request.attrs.name);
  const container = containerFor(pod, request.query, request.attrs.subresource);
  const gone = podGoneSignal(pod, parts);
  return {
    context: {
      pod: podView(pod),
      container,
      query: request.query,
      podGone: gone.signal,
      logIntervalMs: parts.logIntervalMs,
    },
    release: gone.release,
  };
}

/** Plain HTTP requests to the stream subresources: logs, or the 400 a non-upgrade exec gets. */
export function handlePodStreamRequest(request: ResourceRequest, parts: ServerParts): void {
  const { subresource, verb } = request.attrs;
  if (upgradeSubresources.has(subresource)) {
    parts.store.get(request.type, request.attrs.namespace, request.attrs.name);
    throw ApiError.badRequest('Upgrade request required');
  }
  if (verb !== 'get') throw ApiError.methodNotAllowed();
  const { context, release } = streamContext(request, parts);
  request.res.on('close', release);
  serveLogs(context, request.req, request.res);
}

/**
 * Upgrade requests (WebSocket GET or SPDY POST). A WebSocket GET is also authorized as `create`, as
 * Kubernetes 1.35 does, so `get pods/exec` alone no longer opens a shell.
 */
export function handlePodStreamUpgrade(
  request: UpgradeRequest,
  socket: Duplex,
  head: Buffer,
  parts: ServerParts,
): void {
  const { subresource, verb } = request.attrs;
  if (!upgradeSubresources.has(subresource))
    throw ApiError.badRequest(`upgrade is not supported for ${request.type.resource}/${subresource}`);
  if (verb === 'get') {
    const attrs = { ...request.attrs, verb: 'create' };
    const decision = parts.authorizer.authorize(request.user, attrs);
    if (!decision.allowed) throw new ApiError(forbiddenStatus(attrs, request.user.username, decision.reason));
  }
  const { context, release } = streamContext(request, parts);
  socket.on('close', release);
  if (subresource === 'portforward') servePortForwardUpgrade(context, request.req, socket, head);
  else serveExecUpgrade(subresource === 'attach' ? 'attach' : 'exec', context, request.req, socket, head);
}
