/**
 * The `patchStrategy`/`patchMergeKey` struct tags of the served kinds, looked up by field name and the
 * name of the field that holds it. Lists not named here are atomic (a patch replaces them).
 */

export interface ListPatchMeta {
  /** Elements are merged by this key. */
  mergeKey?: string;
  /** A list of scalars that is merged as a set (`finalizers`). */
  mergeScalars?: boolean;
}

const containerLists = new Set(['containers', 'initContainers', 'ephemeralContainers']);

const byName: Record<string, ListPatchMeta> = {
  containers: { mergeKey: 'name' },
  initContainers: { mergeKey: 'name' },
  ephemeralContainers: { mergeKey: 'name' },
  volumes: { mergeKey: 'name' },
  imagePullSecrets: { mergeKey: 'name' },
  env: { mergeKey: 'name' },
  resourceClaims: { mergeKey: 'name' },
  schedulingGates: { mergeKey: 'name' },
  volumeMounts: { mergeKey: 'mountPath' },
  volumeDevices: { mergeKey: 'devicePath' },
  hostAliases: { mergeKey: 'ip' },
  topologySpreadConstraints: { mergeKey: 'topologyKey' },
  ownerReferences: { mergeKey: 'uid' },
  conditions: { mergeKey: 'type' },
  finalizers: { mergeScalars: true },
};

/** `parentField` is the name of the field whose value holds this list (for `ports`: `containers` or `spec`). */
export function listPatchMeta(field: string, parentField: string | undefined): ListPatchMeta {
  if (field === 'ports')
    return { mergeKey: parentField && containerLists.has(parentField) ? 'containerPort' : 'port' };
  if (field === 'rules' || field === 'subjects') return {};
  return byName[field] ?? {};
}
