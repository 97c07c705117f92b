// 403 bodies with the text of apiserver's responsewriters.ForbiddenStatusError and apierrors.NewForbidden.
import type { AuthorizationAttributes } from './request-attributes.js';
import { qualifiedResource, statusFailure, type Status, type StatusDetails } from './status.js';

/**
 * `pods "x" is forbidden: User "bob" cannot get resource "pods" in API group "" in the namespace "ns"`;
 * for non-resource requests `forbidden: User "bob" cannot get path "/foo"`. A non-empty `reason` is appended.
 */
export function forbiddenStatus(attrs: AuthorizationAttributes, username: string, reason = ''): Status {
  const detail =
    reason === '' ? forbiddenMessage(attrs, username) : `${forbiddenMessage(attrs, username)}: ${reason}`;
  const group = attrs.isResourceRequest ? attrs.apiGroup : '';
  const resource = attrs.isResourceRequest ? attrs.resource : '';
  const name = attrs.isResourceRequest ? attrs.name : '';
  const details: StatusDetails = {};
  if (name !== '') details.name = name;
  if (group !== '') details.group = group;
  if (resource !== '') details.kind = resource;

  let message: string;
  if (group === '' && resource === '') message = `forbidden: ${detail}`;
  else if (name === '') message = `${qualifiedResource(resource, group)} is forbidden: ${detail}`;
  else message = `${qualifiedResource(resource, group)} ${quote(name)} is forbidden: ${detail}`;
  return statusFailure(403, 'Forbidden', message, details);
}

function forbiddenMessage(attrs: AuthorizationAttributes, username: string): string {
  // The API server HTML-escapes these three characters in the attribute part of the message.
  const text = ((): string => {
    if (!attrs.isResourceRequest) {
      return `User ${quote(username)} cannot ${attrs.verb} path ${quote(attrs.path)}`;
    }
    const resource = attrs.subresource === '' ? attrs.resource : `${attrs.resource}/${attrs.subresource}`;
    const subject = `User ${quote(username)} cannot ${attrs.verb} resource ${quote(resource)} in API group ${quote(attrs.apiGroup)}`;
    return attrs.namespace === ''
      ? `${subject} at the cluster scope`
      : `${subject} in the namespace ${quote(attrs.namespace)}`;
  })();
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Go's %q for the strings we print: JSON escaping matches it for printable text. */
function quote(value: string): string {
  return JSON.stringify(value);
}
