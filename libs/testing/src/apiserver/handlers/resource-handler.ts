import { ApiError } from '../api-error.js';
import { parseJsonObject, readBody, readObjectBody, sendJson } from '../http-io.js';
import { isJsonObject, type KubeObject } from '../kube-object.js';
import type { DeleteOptions } from '../object-store.js';
import { applyPatch, decodePatch, patchTypeOf } from '../patch/apply-patch.js';
import { acceptsTable, includeObjectOf, toTable } from '../table/table.js';
import { serveWatch } from '../watch.js';
import { listBody, paginate } from './list-response.js';
import { isDryRun, objectFromBody, sendObject } from './object-io.js';
import type { ResourceRequest, ServerParts } from './request-context.js';
import { handleScale } from './scale-handler.js';

/** CRUD, list, watch and the status subresource of the stored kinds. */
export async function handleResource(request: ResourceRequest, parts: ServerParts): Promise<void> {
  const { attrs, type } = request;
  if (attrs.subresource === 'scale') return handleScale(request, parts);
  if (attrs.subresource !== '' && attrs.subresource !== 'status') throw ApiError.pathNotFound();
  const allowedVerbs = attrs.subresource === 'status' ? ['get', 'update', 'patch'] : type.verbs;
  if (!allowedVerbs.includes(attrs.verb)) throw ApiError.methodNotAllowed();
  switch (attrs.verb) {
    case 'get':
      return sendObject(request, 200, parts.store.get(type, attrs.namespace, attrs.name));
    case 'list':
      return list(request, parts);
    case 'watch':
      return watch(request, parts);
    case 'create':
      return create(request, parts);
    case 'update':
      return update(request, parts);
    case 'patch':
      return patch(request, parts);
    case 'delete':
      return remove(request, parts);
    case 'deletecollection':
      return removeCollection(request, parts);
    default:
      throw ApiError.methodNotAllowed();
  }
}

function list(request: ResourceRequest, parts: ServerParts): void {
  const { type, attrs, query } = request;
  const all = parts.store.list(type, {
    namespace: attrs.namespace,
    labelSelector: query.get('labelSelector') ?? undefined,
    fieldSelector: query.get('fieldSelector') ?? undefined,
  });
  const page = paginate(
    all,
    query,
    parts.store.storage.currentRevision,
    parts.store.storage.compactedRevision,
  );
  if (acceptsTable(request.req.headers.accept)) {
    sendJson(
      request.res,
      200,
      toTable(type.kind, page.items, page.metadata, { includeObject: includeObjectOf(query) }),
    );
  } else sendJson(request.res, 200, listBody(type, page));
}

function watch(request: ResourceRequest, parts: ServerParts): void {
  const { type, attrs, query } = request;
  let untrack = () => {};
  const stop = serveWatch(
    parts.store,
    {
      type,
      ...(attrs.namespace ? { namespace: attrs.namespace } : {}),
      query,
      ...(acceptsTable(request.req.headers.accept)
        ? { table: { includeObject: includeObjectOf(query) } }
        : {}),
      bookmarkIntervalMs: parts.bookmarkIntervalMs,
    },
    request.res,
    () => untrack(),
  );
  untrack = parts.trackStream(stop);
}

async function create(request: ResourceRequest, parts: ServerParts): Promise<void> {
  const body = await readObjectBody(request.req, 'Object');
  const object = objectFromBody(body, request);
  if (object.metadata.resourceVersion) {
    throw ApiError.badRequest('resourceVersion should not be set on objects to be created');
  }
  // Status is owned by controllers: a real API server resets it on create.
  delete object.status;
  const created = parts.store.create(object, { dryRun: isDryRun(request.query) });
  sendObject(request, 201, created);
}

async function update(request: ResourceRequest, parts: ServerParts): Promise<void> {
  const body = await readObjectBody(request.req, 'Object');
  const object = objectFromBody(body, request);
  const subresource = request.attrs.subresource === 'status' ? 'status' : undefined;
  const updated = parts.store.update(object, {
    dryRun: isDryRun(request.query),
    ...(subresource ? { subresource } : {}),
  });
  sendObject(request, 200, updated);
}

async function patch(request: ResourceRequest, parts: ServerParts): Promise<void> {
  const { type, attrs, query } = request;
  const patchType = patchTypeOf(request.req.headers['content-type']);
  const decoded = decodePatch(patchType, await readBody(request.req));
  const dryRun = isDryRun(query);
  const current = parts.store.find(type, attrs.namespace, attrs.name);
  if (patchType === 'apply') {
    if (!query.get('fieldManager')) {
      throw ApiError.invalid('PatchOptions', 'meta.k8s.io', '', [
        {
          reason: 'FieldValueRequired',
          field: 'fieldManager',
          message: 'Required value: is required for apply patch',
        },
      ]);
    }
    if (!isJsonObject(decoded))
      throw ApiError.badRequest('error decoding YAML: the apply patch is not an object');
    if (!current) {
      const object = objectFromBody(decoded, request);
      delete object.status;
      return sendObject(request, 201, parts.store.create(object, { dryRun }));
    }
  }
  if (!current) throw ApiError.notFound(type, attrs.name);
  const patched = applyPatch(patchType, current, decoded) as KubeObject;
  if (patched.kind !== current.kind || patched.apiVersion !== current.apiVersion) {
    throw ApiError.badRequest(
      `the patch may not change the kind or apiVersion of ${type.resource} "${attrs.name}"`,
    );
  }
  const metadata = isJsonObject(patched.metadata) ? patched.metadata : {};
  patched.metadata = {
    ...metadata,
    name: attrs.name,
    ...(type.namespaced ? { namespace: attrs.namespace } : {}),
  };
  if (patchType === 'apply') patched.metadata.resourceVersion = current.metadata.resourceVersion;
  const subresource = attrs.subresource === 'status' ? 'status' : undefined;
  const updated = parts.store.update(patched, { dryRun, ...(subresource ? { subresource } : {}) });
  sendObject(request, 200, updated);
}

async function deleteOptionsOf(request: ResourceRequest): Promise<DeleteOptions> {
  const body = await readBody(request.req);
  const options: Record<string, unknown> = body.length > 0 ? parseJsonObject(body, 'DeleteOptions') : {};
  const policy = request.query.get('propagationPolicy') ?? options.propagationPolicy;
  if (policy !== undefined && policy !== 'Background' && policy !== 'Foreground' && policy !== 'Orphan') {
    throw ApiError.invalid('DeleteOptions', 'meta.k8s.io', '', [
      {
        reason: 'FieldValueNotSupported',
        field: 'propagationPolicy',
        message: `Unsupported value: ${JSON.stringify(policy)}: supported values: "Foreground", "Background", "Orphan", "nil"`,
      },
    ]);
  }
  const preconditions = isJsonObject(options.preconditions)
    ? (options.preconditions as DeleteOptions['preconditions'])
    : undefined;
  return {
    dryRun: isDryRun(request.query, options),
    ...(policy ? { propagationPolicy: policy } : {}),
    ...(preconditions ? { preconditions } : {}),
  };
}

async function remove(request: ResourceRequest, parts: ServerParts): Promise<void> {
  const options = await deleteOptionsOf(request);
  const gone = parts.store.delete(request.type, request.attrs.namespace, request.attrs.name, options);
  sendJson(request.res, 200, gone);
}

async function removeCollection(request: ResourceRequest, parts: ServerParts): Promise<void> {
  const { type, attrs, query } = request;
  const options = await deleteOptionsOf(request);
  const matching = parts.store.list(type, {
    namespace: attrs.namespace,
    labelSelector: query.get('labelSelector') ?? undefined,
    fieldSelector: query.get('fieldSelector') ?? undefined,
  });
  const deleted: KubeObject[] = [];
  for (const object of matching) {
    const found = parts.store.find(type, object.metadata.namespace, object.metadata.name ?? '');
    if (found)
      deleted.push(parts.store.delete(type, object.metadata.namespace, object.metadata.name ?? '', options));
  }
  const revision = parts.store.storage.currentRevision;
  sendJson(
    request.res,
    200,
    listBody(type, { items: deleted, metadata: { resourceVersion: String(revision) } }),
  );
}
