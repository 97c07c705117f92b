// What of a request URI may leave the broker in an audit event. Kubernetes APIs take no credentials
// in the query, but clients and proxies sometimes put them there; a value under a secret-looking name
// is masked, the name kept so the event still says what was sent.
import { tetherAnnotations } from '@tether/audit';

const SECRET_PARAMETER = /token|secret|password|passwd|credential|auth|key|signature|sig$/i;
const MASK = '[REDACTED]';

export function redactedRequestUri(uri: string): string {
  const question = uri.indexOf('?');
  if (question < 0) return uri;
  const parts = uri
    .slice(question + 1)
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      const name = equals < 0 ? pair : pair.slice(0, equals);
      return equals >= 0 && SECRET_PARAMETER.test(safeDecode(name)) ? `${name}=${MASK}` : pair;
    });
  return `${uri.slice(0, question)}?${parts.join('&')}`;
}

/** The exec/attach command and container, or the port-forward ports, as annotations. */
export function streamDetailsOf(subresource: string, uri: string): Record<string, string> {
  if (subresource !== 'exec' && subresource !== 'attach' && subresource !== 'portforward') return {};
  const query = new URLSearchParams(uri.includes('?') ? uri.slice(uri.indexOf('?') + 1) : '');
  if (subresource === 'portforward') {
    const ports = query.getAll('ports').flatMap((p) => p.split(','));
    return ports.length > 0 ? { [tetherAnnotations.portForwardPorts]: ports.join(',') } : {};
  }
  const details: Record<string, string> = {};
  const command = query.getAll('command');
  if (command.length > 0) details[tetherAnnotations.execCommand] = JSON.stringify(command).slice(0, 2048);
  const container = query.get('container');
  if (container) details[tetherAnnotations.execContainer] = container;
  return details;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
