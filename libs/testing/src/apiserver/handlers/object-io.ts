import { ApiError } from '../api-error.js';
import { sendJson } from '../http-io.js';
import { isJsonObject, type KubeObject } from '../kube-object.js';
import { groupVersionOf, type ResourceType } from '../resource-catalog.js';
import { acceptsTable, includeObjectOf, toTable } from '../table/table.js';
import type { ResourceRequest } from './request-context.js';

/** Checks a request body against the URL (kind, name, namespace) with the API server's 400 texts. */
export function objectFromBody(body: Record<string, unknown>, request: ResourceRequest): KubeObject {
  const { type, attrs } = request;
  const expected = groupVersionOf(type);
  const apiVersion = typeof body.apiVersion === 'string' ? body.apiVersion : expected;
  const kind = typeof body.kind === 'string' ? body.kind : type.kind;
  if (kind !== type.kind || apiVersion !== expected) {
    throw ApiError.badRequest(
      `${kind} in version "${apiVersion.split('/').pop()}" cannot be handled as a ${type.kind}: no kind "${kind}" is registered for version "${apiVersion}" in scheme "pkg/api/legacyscheme/scheme.go:30"`,
    );
  }
  if (body.metadata !== undefined && body.metadata !== null && !isJsonObject(body.metadata)) {
    throw ApiError.badRequest(
      `${kind} in version "v1" cannot be handled as a ${kind}: json: cannot unmarshal ${Array.isArray(body.metadata) ? 'array' : typeof body.metadata} into Go struct field ${kind}.metadata of type v1.ObjectMeta`,
    );
  }
  const metadata = isJsonObject(body.metadata) ? body.metadata : {};
  const object = { ...body, apiVersion, kind, metadata } as KubeObject;
  if (type.namespaced) {
    if (object.metadata.namespace && object.metadata.namespace !== attrs.namespace) {
      throw ApiError.badRequest(
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    }
    object.metadata.namespace = attrs.namespace;
  }
  if (attrs.name && object.metadata.name && object.metadata.name !== attrs.name) {
    throw ApiError.badRequest(
      `the name of the object (${object.metadata.name}) does not match the name on the URL (${attrs.name})`,
    );
  }
  if (attrs.name) object.metadata.name = attrs.name;
  return object;
}

/** Sends one object, as a one-row Table when kubectl asked for one. */
export function sendObject(
  request: ResourceRequest,
  code: number,
  object: KubeObject,
  type: ResourceType = request.type,
): void {
  if (acceptsTable(request.req.headers.accept) && type === request.type) {
    const table = toTable(
      type.kind,
      [object],
      { resourceVersion: object.metadata.resourceVersion },
      { includeObject: includeObjectOf(request.query) },
    );
    sendJson(request.res, code, table);
    return;
  }
  sendJson(request.res, code, object);
}

export function isDryRun(query: URLSearchParams, body?: Record<string, unknown>): boolean {
  const fromBody = body && Array.isArray(body.dryRun) && body.dryRun.includes('All');
  return query.getAll('dryRun').includes('All') || Boolean(fromBody);
}
