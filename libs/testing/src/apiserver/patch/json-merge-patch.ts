import { isJsonObject } from '../kube-object.js';

/** RFC 7386 JSON merge patch: objects merge, null deletes, everything else (lists too) replaces. */
export function applyJsonMergePatch(target: unknown, patch: unknown): unknown {
  if (!isJsonObject(patch)) return structuredClone(patch);
  const result = isJsonObject(target) ? structuredClone(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyJsonMergePatch(result[key], value);
  }
  return result;
}
