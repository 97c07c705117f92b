// The one place the broker reads `/k8s/<cluster>/<api path>` from a client's request target.
// It refuses anything another component could read differently (a traversal, an encoded slash,
// an absolute-form URL), so the cluster and path the policy decides on are the ones forwarded.

export type ProxyTargetErrorCode =
  'TARGET_NOT_ORIGIN_FORM' | 'TARGET_NOT_KUBE_PATH' | 'TARGET_BAD_CLUSTER' | 'TARGET_UNSAFE_PATH';

export class ProxyTargetError extends Error {
  constructor(
    readonly code: ProxyTargetErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ProxyTargetError';
  }
}

export interface ProxyTarget {
  cluster: string;
  /** Path and query as the agent sends them to the API server, byte for byte. */
  pathAndQuery: string;
  path: string;
  query: string;
}

export const proxyPrefix = '/k8s/';
const clusterName = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const maxTargetLength = 8192;
// Bytes that must never appear decoded or encoded in a forwarded path: they change how the path splits.
const forbiddenDecoded = new Set(['/', '\\', '.', '%', '?', '#', ';']);

export function parseProxyTarget(requestTarget: string): ProxyTarget {
  if (requestTarget.length > maxTargetLength)
    throw new ProxyTargetError('TARGET_UNSAFE_PATH', 'request target is too long');
  if (!requestTarget.startsWith('/') || requestTarget.startsWith('//')) {
    throw new ProxyTargetError(
      'TARGET_NOT_ORIGIN_FORM',
      'request target must be a path, not an absolute URL',
    );
  }
  if (/[\0-\x20\x7f#\\]/.test(requestTarget) || /[^\x21-\x7e]/.test(requestTarget)) {
    throw new ProxyTargetError(
      'TARGET_UNSAFE_PATH',
      'request target contains a control, space, backslash or fragment',
    );
  }
  const queryStart = requestTarget.indexOf('?');
  const fullPath = queryStart === -1 ? requestTarget : requestTarget.slice(0, queryStart);
  const query = queryStart === -1 ? '' : requestTarget.slice(queryStart + 1);
  if (!fullPath.startsWith(proxyPrefix)) {
    throw new ProxyTargetError('TARGET_NOT_KUBE_PATH', `kube requests go to ${proxyPrefix}<cluster>/...`);
  }
  const afterPrefix = fullPath.slice(proxyPrefix.length);
  const slash = afterPrefix.indexOf('/');
  const cluster = slash === -1 ? afterPrefix : afterPrefix.slice(0, slash);
  if (!clusterName.test(cluster)) {
    throw new ProxyTargetError('TARGET_BAD_CLUSTER', `"${cluster}" is not a valid cluster name`);
  }
  const path = slash === -1 ? '/' : afterPrefix.slice(slash);
  checkPathSegments(path);
  return { cluster, path, query, pathAndQuery: query ? `${path}?${query}` : path };
}

function checkPathSegments(path: string): void {
  const segments = path.split('/').slice(1);
  segments.forEach((segment, index) => {
    const isLast = index === segments.length - 1;
    if (segment === '' && !isLast) throw new ProxyTargetError('TARGET_UNSAFE_PATH', 'empty path segment');
    if (segment === '.' || segment === '..')
      throw new ProxyTargetError('TARGET_UNSAFE_PATH', 'dot segments are not allowed');
    for (const match of segment.matchAll(/%(..)?/g)) {
      const hex = match[1];
      if (hex === undefined || !/^[0-9A-Fa-f]{2}$/.test(hex)) {
        throw new ProxyTargetError('TARGET_UNSAFE_PATH', 'malformed percent-encoding');
      }
      const decoded = String.fromCharCode(Number.parseInt(hex, 16));
      if (forbiddenDecoded.has(decoded) || decoded < '\x21' || decoded > '\x7e') {
        throw new ProxyTargetError(
          'TARGET_UNSAFE_PATH',
          `encoded ${JSON.stringify(decoded)} is not allowed in a path`,
        );
      }
    }
  });
}
