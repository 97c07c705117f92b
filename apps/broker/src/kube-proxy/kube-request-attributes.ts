import { type RequestAttributes, requestAttributesFromUrl } from '@tether/kube';

// Subresources that open a shell or a socket into a pod. kubectl sends them as WebSocket GETs, which
// the API server (before 1.35) authorizes as `get`; the broker always treats them as `create`, so a
// read-only policy can never open a shell (kubernetes#78741).
const connectSubresources = new Set(['exec', 'attach', 'portforward']);

export function kubeRequestAttributes(method: string, pathAndQuery: string): RequestAttributes {
  const attributes = requestAttributesFromUrl(method, pathAndQuery);
  if (
    attributes.isResourceRequest &&
    attributes.resource === 'pods' &&
    connectSubresources.has(attributes.subresource)
  ) {
    return { ...attributes, verb: 'create' };
  }
  return attributes;
}
