import { ApiError } from '../api-error.js';
import { readBody, readObjectBody, sendJson } from '../http-io.js';
import { fieldAt, isJsonObject, numberAt, type KubeObject } from '../kube-object.js';
import { selectorToString } from '../label-match.js';
import { applyPatch, decodePatch, patchTypeOf } from '../patch/apply-patch.js';
import { isDryRun } from './object-io.js';
import type { ResourceRequest, ServerParts } from './request-context.js';

/** `deployments/scale` and `replicasets/scale` as autoscaling/v1 Scale (`kubectl scale`). */

function scaleOf(object: KubeObject): KubeObject {
  const { name, namespace, uid, resourceVersion, creationTimestamp } = object.metadata;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name, namespace, uid, resourceVersion, creationTimestamp },
    spec: { replicas: numberAt(object, ['spec', 'replicas']) ?? 1 },
    status: {
      replicas: numberAt(object, ['status', 'replicas']) ?? 0,
      selector: selectorToString(fieldAt(object, ['spec', 'selector'])),
    },
  };
}

export async function handleScale(request: ResourceRequest, parts: ServerParts): Promise<void> {
  const { type, attrs, query } = request;
  const current = parts.store.get(type, attrs.namespace, attrs.name);
  if (attrs.verb === 'get') return sendJson(request.res, 200, scaleOf(current));
  let wanted: KubeObject;
  if (attrs.verb === 'update') {
    wanted = (await readObjectBody(request.req, 'Scale')) as KubeObject;
  } else if (attrs.verb === 'patch') {
    const patchType = patchTypeOf(request.req.headers['content-type']);
    wanted = applyPatch(
      patchType,
      scaleOf(current),
      decodePatch(patchType, await readBody(request.req)),
    ) as KubeObject;
  } else throw ApiError.methodNotAllowed();
  const replicas = fieldAt(wanted, ['spec', 'replicas']);
  if (typeof replicas !== 'number' || replicas < 0 || !Number.isInteger(replicas)) {
    throw ApiError.invalid('Scale', 'autoscaling', attrs.name, [
      {
        reason: 'FieldValueInvalid',
        field: 'spec.replicas',
        message: `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`,
      },
    ]);
  }
  const precondition = isJsonObject(wanted.metadata) ? wanted.metadata.resourceVersion : undefined;
  const next: KubeObject = {
    ...current,
    metadata: { ...current.metadata, ...(precondition ? { resourceVersion: precondition } : {}) },
    spec: { ...(current.spec as object), replicas },
  };
  const updated = parts.store.update(next, { dryRun: isDryRun(query) });
  sendJson(request.res, 200, scaleOf(updated));
}
