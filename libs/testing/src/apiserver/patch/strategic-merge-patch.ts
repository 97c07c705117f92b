import { isJsonObject, type JsonObject } from '../kube-object.js';
import { listPatchMeta, type ListPatchMeta } from './patch-meta.js';

/**
 * Strategic merge patch as the API server applies it: maps merge, null deletes, keyed lists merge by
 * their merge key, and the directives kubectl generates (`$patch: replace|delete`, `$retainKeys`,
 * `$setElementOrder/<list>`, `$deleteFromPrimitiveList/<list>`) are honoured.
 */
export function applyStrategicMergePatch(target: JsonObject, patch: JsonObject): JsonObject {
  return mergeMap(target, patch, undefined) ?? {};
}

const setOrderPrefix = '$setElementOrder/';
const deletePrefix = '$deleteFromPrimitiveList/';

function mergeMap(
  original: JsonObject,
  patch: JsonObject,
  field: string | undefined,
): JsonObject | undefined {
  if (patch.$patch === 'delete') return undefined;
  if (patch.$patch === 'replace') return withoutDirectives(patch);
  const result = structuredClone(original);
  const orders = new Map<string, unknown[]>();
  const deletions = new Map<string, unknown[]>();
  for (const [key, value] of Object.entries(patch)) {
    if (key === '$patch' || key === '$retainKeys') continue;
    if (key.startsWith(setOrderPrefix)) {
      if (Array.isArray(value)) orders.set(key.slice(setOrderPrefix.length), value);
      continue;
    }
    if (key.startsWith(deletePrefix)) {
      if (Array.isArray(value)) deletions.set(key.slice(deletePrefix.length), value);
      continue;
    }
    if (value === null) delete result[key];
    else if (isJsonObject(value)) {
      const merged = mergeMap(isJsonObject(result[key]) ? result[key] : {}, value, key);
      if (merged === undefined) delete result[key];
      else result[key] = merged;
    } else if (Array.isArray(value)) {
      const current = Array.isArray(result[key]) ? result[key] : [];
      result[key] = mergeList(current, value, key, listPatchMeta(key, field));
    } else result[key] = value;
  }
  for (const [key, removed] of deletions) {
    if (Array.isArray(result[key])) {
      const gone = new Set(removed.map((item) => JSON.stringify(item)));
      result[key] = result[key].filter((item) => !gone.has(JSON.stringify(item)));
    }
  }
  for (const [key, order] of orders) {
    if (Array.isArray(result[key]))
      result[key] = reorder(result[key], order, listPatchMeta(key, field).mergeKey);
  }
  if (Array.isArray(patch.$retainKeys)) {
    const keep = new Set(patch.$retainKeys.map(String));
    for (const key of Object.keys(result)) if (!keep.has(key)) delete result[key];
  }
  return result;
}

function mergeList(original: unknown[], patch: unknown[], field: string, meta: ListPatchMeta): unknown[] {
  const replaceAll = patch.some((item) => isJsonObject(item) && item.$patch === 'replace');
  const items = patch.filter(
    (item) => !(isJsonObject(item) && item.$patch === 'replace' && Object.keys(item).length === 1),
  );
  if (replaceAll || (!meta.mergeKey && !meta.mergeScalars)) return items.map(cleanValue);
  if (meta.mergeScalars) {
    const result = [...original];
    for (const item of items)
      if (!result.some((existing) => JSON.stringify(existing) === JSON.stringify(item))) result.push(item);
    return result;
  }
  const key = meta.mergeKey ?? '';
  const result = structuredClone(original);
  for (const item of items) {
    if (!isJsonObject(item)) continue;
    const index = result.findIndex((existing) => isJsonObject(existing) && existing[key] === item[key]);
    if (item.$patch === 'delete') {
      if (index >= 0) result.splice(index, 1);
      continue;
    }
    const current = index >= 0 && isJsonObject(result[index]) ? result[index] : {};
    const merged = mergeMap(current, item, field) ?? {};
    if (index >= 0) result[index] = merged;
    else result.push(merged);
  }
  return result;
}

/** Items named in `$setElementOrder` come first in that order; items only the server had follow. */
function reorder(items: unknown[], order: unknown[], mergeKey: string | undefined): unknown[] {
  const identity = (item: unknown) => JSON.stringify(mergeKey && isJsonObject(item) ? item[mergeKey] : item);
  const position = new Map(order.map((entry, index) => [identity(entry), index]));
  const ranked = items.map((item, index) => ({
    item,
    rank: position.get(identity(item)) ?? order.length + index,
  }));
  return ranked.sort((a, b) => a.rank - b.rank).map(({ item }) => item);
}

function cleanValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(cleanValue);
  return isJsonObject(value) ? withoutDirectives(value) : value;
}

function withoutDirectives(map: JsonObject): JsonObject {
  const result: JsonObject = {};
  for (const [key, value] of Object.entries(map)) {
    if (key.startsWith('$')) continue;
    result[key] = cleanValue(value);
  }
  return result;
}
