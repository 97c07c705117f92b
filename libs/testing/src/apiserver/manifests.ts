import { parseAllDocuments } from 'yaml';
import { ApiError } from './api-error.js';
import { isJsonObject, type KubeObject } from './kube-object.js';
import type { ObjectStore } from './object-store.js';

/** Loading ordinary YAML manifests (multi-document, `kind: List` too) straight into the store. */

export class ManifestError extends Error {
  readonly code = 'INVALID_MANIFEST';
}

export function parseManifests(text: string): KubeObject[] {
  const objects: KubeObject[] = [];
  for (const document of parseAllDocuments(text)) {
    if (document.errors.length > 0)
      throw new ManifestError(`invalid YAML: ${document.errors[0]?.message ?? ''}`);
    const value: unknown = document.toJS();
    if (value === null || value === undefined) continue;
    if (!isJsonObject(value) || typeof value.kind !== 'string' || typeof value.apiVersion !== 'string') {
      throw new ManifestError('every manifest document needs apiVersion and kind');
    }
    if (value.kind === 'List' || value.kind.endsWith('List')) {
      for (const item of Array.isArray(value.items) ? value.items : []) objects.push(item as KubeObject);
    } else objects.push(value as KubeObject);
  }
  return objects;
}

/** Namespaces first, then everything else in file order, as `kubectl apply -f` of one file would need. */
function ordered(objects: KubeObject[]): KubeObject[] {
  return [...objects.filter((o) => o.kind === 'Namespace'), ...objects.filter((o) => o.kind !== 'Namespace')];
}

/** Creates each object, or replaces it when it already exists (a bootstrap role, the default namespace). */
export function applyManifests(store: ObjectStore, text: string): KubeObject[] {
  return ordered(parseManifests(text)).map((object) => {
    const copy = structuredClone(object);
    copy.metadata ??= {};
    try {
      return store.create(copy);
    } catch (error) {
      if (!(error instanceof ApiError) || error.code !== 'AlreadyExists') throw error;
      const existing = store.get(
        `${copy.kind.toLowerCase()}`,
        copy.metadata.namespace ?? 'default',
        copy.metadata.name ?? '',
      );
      return store.update({
        ...copy,
        metadata: { ...copy.metadata, resourceVersion: existing.metadata.resourceVersion },
      });
    }
  });
}
