import { ApiError } from '../api-error.js';
import {
  acceptedAggregatedVersion,
  aggregatedContentType,
  aggregatedDiscovery,
  apiGroup,
  apiGroupList,
  apiResourceList,
  apiVersions,
} from '../discovery.js';
import { sendJson, sendText } from '../http-io.js';
import { openApiDocumentForPath, openApiRoot } from '../openapi.js';
import type { RequestContext, ServerParts } from './request-context.js';

/** Version, health, discovery and OpenAPI: the paths that are not resources. */

export const serverVersion = {
  major: '1',
  minor: '34',
  emulationMajor: '1',
  emulationMinor: '34',
  minCompatibilityMajor: '1',
  minCompatibilityMinor: '33',
  gitVersion: 'v1.34.0',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2025-08-27T00:00:00Z',
  goVersion: 'go1.24.6',
  compiler: 'gc',
  platform: 'linux/amd64',
};

const healthPaths = new Set(['/healthz', '/livez', '/readyz']);

export function handleNonResource(request: RequestContext, parts: ServerParts): void {
  const { attrs, res, req } = request;
  const path = attrs.path.replace(/\/+$/, '') || '/';
  if (attrs.verb !== 'get') throw ApiError.methodNotAllowed();
  if (healthPaths.has(path) || /^\/(healthz|livez|readyz)\/[a-z-]+$/.test(path))
    return sendText(res, 200, 'ok');
  if (path === '/version') return sendJson(res, 200, serverVersion);
  if (path === '/api' || path === '/apis') {
    const aggregated = acceptedAggregatedVersion(req.headers.accept);
    if (aggregated)
      return sendJson(
        res,
        200,
        aggregatedDiscovery(path === '/api', aggregated),
        aggregatedContentType(aggregated),
      );
    return sendJson(res, 200, path === '/api' ? apiVersions(parts.serverAddress) : apiGroupList());
  }
  const legacy = /^\/api\/([^/]+)$/.exec(path);
  if (legacy) return sendFound(request, apiResourceList('', legacy[1] ?? ''));
  const group = /^\/apis\/([^/]+)$/.exec(path);
  if (group) return sendFound(request, apiGroup(group[1] ?? ''));
  const groupVersion = /^\/apis\/([^/]+)\/([^/]+)$/.exec(path);
  if (groupVersion) return sendFound(request, apiResourceList(groupVersion[1] ?? '', groupVersion[2] ?? ''));
  if (path === '/openapi/v3') return sendJson(res, 200, openApiRoot());
  if (path.startsWith('/openapi/v3/')) return sendFound(request, openApiDocumentForPath(path));
  throw ApiError.pathNotFound();
}

function sendFound(request: RequestContext, body: Record<string, unknown> | undefined): void {
  if (!body) throw ApiError.pathNotFound();
  sendJson(request.res, 200, body);
}
