/** Plain Kubernetes JSON objects as the simulator stores and serves them. */

export type { KubeObject, ObjectMeta, OwnerReference } from '@tether/kube';

export type JsonObject = Record<string, unknown>;

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads a nested field by path; undefined when any step is missing. */
export function fieldAt(source: unknown, path: readonly string[]): unknown {
  let current: unknown = source;
  for (const step of path) {
    if (!isJsonObject(current)) return undefined;
    current = current[step];
  }
  return current;
}

export function objectsAt(source: unknown, path: readonly string[]): JsonObject[] {
  const value = fieldAt(source, path);
  return Array.isArray(value) ? value.filter(isJsonObject) : [];
}

export function stringAt(source: unknown, path: readonly string[]): string | undefined {
  const value = fieldAt(source, path);
  return typeof value === 'string' ? value : undefined;
}

export function numberAt(source: unknown, path: readonly string[]): number | undefined {
  const value = fieldAt(source, path);
  return typeof value === 'number' ? value : undefined;
}
