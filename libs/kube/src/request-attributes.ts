// Mirrors k8s.io/apiserver/pkg/endpoints/request/requestinfo.go (KUBERNETES.md §6): the broker and the
// simulator must classify a URL exactly as the API server does, or authorization and routing disagree.
import { exactNameFromFieldSelector } from './field-selector-name.js';
import { percentDecode, queryValues } from './percent-decoding.js';
import { RequestUrlError } from './request-url-error.js';

export interface RequestAttributes {
  isResourceRequest: boolean;
  /** The percent-decoded URL path. */
  path: string;
  /** Kubernetes verb for resource requests (`list`, `watch`, ...); the lower-case HTTP method otherwise. */
  verb: string;
  apiPrefix: string;
  apiGroup: string;
  apiVersion: string;
  namespace: string;
  resource: string;
  subresource: string;
  name: string;
  /** Path parts starting at `{resource}/{name}`. */
  parts: string[];
}

/** What an authorizer looks at: the subset of `RequestAttributes` that also describes impersonation checks. */
export type AuthorizationAttributes = Pick<
  RequestAttributes,
  'verb' | 'apiGroup' | 'resource' | 'subresource' | 'namespace' | 'name' | 'isResourceRequest' | 'path'
>;

const API_PREFIXES = new Set(['api', 'apis']);
const GROUPLESS_API_PREFIXES = new Set(['api']);
const SPECIAL_VERBS = new Set(['proxy', 'watch']);
const SPECIAL_VERBS_NO_SUBRESOURCES = new Set(['proxy']);
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);
const METHOD_VERBS = new Map([
  ['POST', 'create'],
  ['GET', 'get'],
  ['HEAD', 'get'],
  ['PUT', 'update'],
  ['PATCH', 'patch'],
  ['DELETE', 'delete'],
]);

/**
 * Request attributes of `method` on a request target (`/api/v1/pods?watch=1`, as in `req.url`).
 * Throws `RequestUrlError` where the API server would refuse the URL before authorization.
 */
export function requestAttributesFromUrl(method: string, pathAndQuery: string): RequestAttributes {
  const { path, rawQuery } = parseRequestTarget(pathAndQuery);
  const info: RequestAttributes = {
    isResourceRequest: false,
    path,
    verb: method.toLowerCase(),
    apiPrefix: '',
    apiGroup: '',
    apiVersion: '',
    namespace: '',
    resource: '',
    subresource: '',
    name: '',
    parts: [],
  };

  let parts = splitPath(path);
  if (parts.length < 3 || !API_PREFIXES.has(parts[0])) return info;
  info.apiPrefix = parts[0];
  parts = parts.slice(1);
  if (!GROUPLESS_API_PREFIXES.has(info.apiPrefix)) {
    if (parts.length < 3) return info;
    info.apiGroup = parts[0];
    parts = parts.slice(1);
  }

  info.isResourceRequest = true;
  info.apiVersion = parts[0];
  parts = parts.slice(1);

  if (SPECIAL_VERBS.has(parts[0])) {
    if (parts.length < 2) {
      throw new RequestUrlError(
        'MISSING_RESOURCE',
        `unable to determine kind and namespace from url ${path}`,
      );
    }
    info.verb = parts[0];
    parts = parts.slice(1);
  } else {
    info.verb = METHOD_VERBS.get(method) ?? '';
  }

  if (parts[0] === 'namespaces') {
    if (parts.length > 1) {
      info.namespace = parts[1];
      if (parts.length > 2 && !NAMESPACE_SUBRESOURCES.has(parts[2])) parts = parts.slice(2);
    }
  }
  info.parts = parts;

  if (parts.length >= 3 && !SPECIAL_VERBS_NO_SUBRESOURCES.has(info.verb)) info.subresource = parts[2];
  if (parts.length >= 2) info.name = parts[1];
  info.resource = parts[0];

  if (info.name === '' && info.verb === 'get') resolveCollectionGet(info, rawQuery);
  if (info.name === '' && info.verb === 'delete') info.verb = 'deletecollection';
  return info;
}

/** A GET without a name is a list or a watch; `fieldSelector=metadata.name=x` names the object. */
function resolveCollectionGet(info: RequestAttributes, rawQuery: string): void {
  const watch = queryValues(rawQuery, 'watch');
  info.verb = watch.length > 0 && !isFalse(watch[0]) ? 'watch' : 'list';
  // Like the real one, a query whose list options fail to decode never sets the name.
  if (!listOptionsDecode(rawQuery)) return;
  const selector = queryValues(rawQuery, 'fieldSelector');
  if (selector.length === 0) return;
  const name = exactNameFromFieldSelector(selector[0]);
  if (name !== undefined && isValidPathSegmentName(name)) info.name = name;
}

function isFalse(value: string): boolean {
  const lower = value.toLowerCase();
  return lower === '0' || lower === 'false';
}

const INT64 = /^[+-]?\d+$/;
const INT64_MAX = 2n ** 63n - 1n;

// An invalid field selector already yields no name; the integer options are the other decode failures.
function listOptionsDecode(rawQuery: string): boolean {
  for (const key of ['timeoutSeconds', 'limit']) {
    const [value] = queryValues(rawQuery, key);
    if (value === undefined || value === '') continue;
    if (!INT64.test(value)) return false;
    const n = BigInt(value);
    if (n > INT64_MAX || n < -INT64_MAX - 1n) return false;
  }
  return true;
}

function isValidPathSegmentName(name: string): boolean {
  return name !== '.' && name !== '..' && !name.includes('/') && !name.includes('%');
}

function splitPath(path: string): string[] {
  const trimmed = path.replace(/^\/+|\/+$/g, '');
  return trimmed === '' ? [] : trimmed.split('/');
}

const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;

function hasControlByte(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

/** Go's url.ParseRequestURI: origin-form, absolute-form or `*`; the path is decoded once, whole. */
function parseRequestTarget(target: string): { path: string; rawQuery: string } {
  if (hasControlByte(target)) throw new RequestUrlError('MALFORMED_URL', 'invalid control character in URL');
  const q = target.indexOf('?');
  let rawPath = q < 0 ? target : target.slice(0, q);
  const rawQuery = q < 0 ? '' : target.slice(q + 1);

  if (!rawPath.startsWith('/') && rawPath !== '*') {
    const scheme = SCHEME.exec(rawPath);
    if (scheme === null) throw new RequestUrlError('MALFORMED_URL', 'invalid URI for request');
    const rest = rawPath.slice(scheme[0].length);
    if (!rest.startsWith('/'))
      rawPath = ''; // opaque URL such as `http:foo`: Go leaves Path empty
    else if (!rest.startsWith('//')) rawPath = rest;
    else {
      const slash = rest.indexOf('/', 2);
      rawPath = slash < 0 ? '' : rest.slice(slash);
    }
  }

  const path = percentDecode(rawPath);
  if (path === undefined) throw new RequestUrlError('MALFORMED_URL', 'invalid URL escape in path');
  return { path, rawQuery };
}
