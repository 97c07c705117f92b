import { ApiError } from '../api-error.js';
import type { KubeObject } from '../kube-object.js';
import { groupVersionOf, type ResourceType } from '../resource-catalog.js';

/** Pagination (`limit`/`continue`) and the `<Kind>List` shape. */

export interface Page {
  items: KubeObject[];
  metadata: { resourceVersion: string; continue?: string; remainingItemCount?: number };
}

interface ContinueToken {
  v: 'meta.k8s.io/v1';
  rv: number;
  start: string;
}

const keyOf = (object: KubeObject) => `${object.metadata.namespace ?? ''}/${object.metadata.name ?? ''}`;

function decodeContinue(token: string): ContinueToken {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Partial<ContinueToken>;
    if (parsed.v === 'meta.k8s.io/v1' && typeof parsed.rv === 'number' && typeof parsed.start === 'string') {
      return parsed as ContinueToken;
    }
  } catch {
    // fall through to the API server's message
  }
  throw ApiError.badRequest(
    'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)',
  );
}

/** Objects are sorted by namespace/name, so a page continues after the last key it returned. */
export function paginate(
  all: KubeObject[],
  query: URLSearchParams,
  revision: number,
  compacted: number,
): Page {
  const limit = Number(query.get('limit') ?? 0);
  const token = query.get('continue');
  let items = all;
  let resourceVersion = revision;
  if (token) {
    const decoded = decodeContinue(token);
    if (decoded.rv < compacted) {
      throw ApiError.gone(
        'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.',
      );
    }
    items = all.filter((object) => keyOf(object) > decoded.start);
    resourceVersion = decoded.rv;
  }
  if (!Number.isInteger(limit) || limit <= 0 || items.length <= limit) {
    return { items, metadata: { resourceVersion: String(resourceVersion) } };
  }
  const page = items.slice(0, limit);
  const last = page[page.length - 1];
  const next: ContinueToken = { v: 'meta.k8s.io/v1', rv: resourceVersion, start: last ? keyOf(last) : '' };
  return {
    items: page,
    metadata: {
      resourceVersion: String(resourceVersion),
      continue: Buffer.from(JSON.stringify(next)).toString('base64url'),
      remainingItemCount: items.length - limit,
    },
  };
}

/** Real list responses carry apiVersion/kind only on the list, not on each item. */
export function listBody(type: ResourceType, page: Page): Record<string, unknown> {
  return {
    kind: `${type.kind}List`,
    apiVersion: groupVersionOf(type),
    metadata: page.metadata,
    items: page.items.map(({ apiVersion: _apiVersion, kind: _kind, ...rest }) => rest),
  };
}
