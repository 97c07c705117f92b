import { randomBytes, randomUUID } from 'node:crypto';
import { ApiError } from './api-error.js';
import { createClusterFacts } from './cluster-facts.js';
import { isJsonObject, type KubeObject } from './kube-object.js';
import { findByKind, resolveResourceName, typeKey, type ResourceType } from './resource-catalog.js';
import { parseFieldSelector, parseLabelSelector } from './selectors.js';
import { checkFieldTypes } from './strategies/field-types.js';
import { validateName } from './strategies/name-validation.js';
import type { ClusterFacts } from './strategies/resource-strategy.js';
import { strategyFor } from './strategies/strategy-registry.js';
import { VersionedStorage, type ChangeListener } from './versioned-storage.js';

/** A kind as tests name it (`pods`, `deploy`, `deployments.apps`) or its catalog entry. */
export type ResourceRef = string | ResourceType;

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

export interface WriteOptions {
  dryRun?: boolean;
}

export interface DeleteOptions extends WriteOptions {
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
  preconditions?: { uid?: string; resourceVersion?: string };
}

function resolve(ref: ResourceRef): ResourceType {
  const type = typeof ref === 'string' ? resolveResourceName(ref) : ref;
  if (!type || !type.stored)
    throw ApiError.badRequest(
      `the server doesn't have a resource type "${String(typeof ref === 'string' ? ref : ref.resource)}"`,
    );
  return type;
}

function typeOfObject(object: KubeObject): ResourceType {
  const type = findByKind(object.apiVersion, object.kind);
  if (!type || !type.stored) {
    throw ApiError.badRequest(`no kind "${object.kind}" is registered for version "${object.apiVersion}"`);
  }
  return type;
}

/**
 * The cluster's objects, applying each kind's defaults and validation the way the API server's registry
 * does. `sim.store` is this class: tests write through it without authentication.
 */
export class ObjectStore {
  readonly storage: VersionedStorage;
  readonly facts: ClusterFacts;

  constructor(options: { nodeName: string; historyLimit?: number }) {
    this.storage = new VersionedStorage(options.historyLimit ?? 1000);
    this.facts = createClusterFacts(options.nodeName);
  }

  get resourceVersion(): string {
    return String(this.storage.currentRevision);
  }

  subscribe(listener: ChangeListener): () => void {
    return this.storage.subscribe(listener);
  }

  find(ref: ResourceRef, namespace: string | undefined, name: string): KubeObject | undefined {
    const type = resolve(ref);
    return this.storage.get(typeKey(type), type.namespaced ? namespace : undefined, name);
  }

  get(ref: ResourceRef, namespace: string | undefined, name: string): KubeObject {
    const type = resolve(ref);
    const found = this.find(type, namespace, name);
    if (!found) throw ApiError.notFound(type, name);
    return found;
  }

  list(ref: ResourceRef, options: ListOptions = {}): KubeObject[] {
    const type = resolve(ref);
    const labels = parseLabelSelector(options.labelSelector);
    const fields = parseFieldSelector(options.fieldSelector, type.kind);
    const namespace = type.namespaced ? options.namespace || undefined : undefined;
    return this.storage.list(typeKey(type), namespace).filter((object) => labels(object) && fields(object));
  }

  create(input: KubeObject, options: WriteOptions = {}): KubeObject {
    const type = typeOfObject(input);
    checkFieldTypes(input);
    const object = structuredClone(input);
    const strategy = strategyFor(typeKey(type));
    const metadata = object.metadata ?? {};
    object.metadata = metadata;
    if (!type.namespaced) delete metadata.namespace;
    else metadata.namespace ||= 'default';
    if (!metadata.name && metadata.generateName) metadata.name = metadata.generateName + randomSuffix();
    const nameCauses = validateName(metadata.name, strategy.nameRule);
    if (nameCauses.length > 0) throw ApiError.invalid(type.kind, type.group, metadata.name ?? '', nameCauses);
    const name = metadata.name ?? '';
    if (type.namespaced) this.requireNamespace(metadata.namespace ?? 'default');
    if (this.storage.get(typeKey(type), metadata.namespace, name)) throw ApiError.alreadyExists(type, name);
    strategy.defaultOnCreate?.(object, this.facts);
    const causes = strategy.validate?.(object) ?? [];
    if (causes.length > 0) throw ApiError.invalid(type.kind, type.group, name, causes);
    metadata.uid = randomUUID();
    metadata.creationTimestamp = this.facts.now();
    if (strategy.tracksGeneration) metadata.generation = 1;
    delete metadata.resourceVersion;
    delete metadata.deletionTimestamp;
    if (options.dryRun) return object;
    return this.storage.put(typeKey(type), object);
  }

  /**
   * Replaces an object. A resourceVersion in the input is a precondition (409 when stale); metadata the
   * server owns (uid, creationTimestamp, generation) is kept. `subresource: 'status'` writes only status.
   */
  update(input: KubeObject, options: WriteOptions & { subresource?: 'status' } = {}): KubeObject {
    const type = typeOfObject(input);
    checkFieldTypes(input);
    const strategy = strategyFor(typeKey(type));
    const name = input.metadata?.name ?? '';
    const namespace = type.namespaced ? input.metadata?.namespace || 'default' : undefined;
    const old = this.storage.get(typeKey(type), namespace, name);
    if (!old) throw ApiError.notFound(type, name);
    const wanted = input.metadata.resourceVersion;
    if (wanted && wanted !== old.metadata.resourceVersion) throw ApiError.staleResourceVersion(type, name);
    let object = structuredClone(input);
    if (options.subresource === 'status') object = { ...old, status: object.status };
    else if (strategy.hasStatus && old.status !== undefined) object.status = old.status;
    object.metadata = {
      ...object.metadata,
      name,
      namespace,
      uid: old.metadata.uid,
      creationTimestamp: old.metadata.creationTimestamp,
      generation: old.metadata.generation,
    };
    if (!type.namespaced) delete object.metadata.namespace;
    if (options.subresource !== 'status') strategy.defaultOnUpdate?.(object, old, this.facts);
    const causes = [
      ...(strategy.validate?.(object) ?? []),
      ...(strategy.validateUpdate?.(object, old) ?? []),
    ];
    if (causes.length > 0) throw ApiError.invalid(type.kind, type.group, name, causes);
    if (strategy.tracksGeneration && JSON.stringify(object.spec) !== JSON.stringify(old.spec)) {
      object.metadata.generation = (old.metadata.generation ?? 0) + 1;
    }
    if (options.dryRun)
      return { ...object, metadata: { ...object.metadata, resourceVersion: old.metadata.resourceVersion } };
    if (JSON.stringify(stripVersion(object)) === JSON.stringify(stripVersion(old))) return old;
    return this.storage.put(typeKey(type), object);
  }

  /** Deletes an object and, unless orphaned, everything it owns (and a namespace's contents). */
  delete(
    ref: ResourceRef,
    namespace: string | undefined,
    name: string,
    options: DeleteOptions = {},
  ): KubeObject {
    const type = resolve(ref);
    const existing = this.get(type, namespace, name);
    const { uid, resourceVersion } = options.preconditions ?? {};
    if (uid && uid !== existing.metadata.uid) {
      throw ApiError.conflict(
        type,
        name,
        `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${existing.metadata.uid}`,
      );
    }
    if (resourceVersion && resourceVersion !== existing.metadata.resourceVersion) {
      throw ApiError.conflict(
        type,
        name,
        `Precondition failed: ResourceVersion in precondition: ${resourceVersion}, ResourceVersion in object meta: ${existing.metadata.resourceVersion}`,
      );
    }
    if (options.dryRun) return existing;
    const gone =
      this.storage.remove(typeKey(type), type.namespaced ? namespace : undefined, name) ?? existing;
    if (type.resource === 'namespaces' && type.group === '') this.emptyNamespace(name);
    this.collectDependents(gone.metadata.uid ?? '', options.propagationPolicy === 'Orphan');
    return gone;
  }

  private requireNamespace(namespace: string): void {
    if (!this.storage.get('/namespaces', undefined, namespace)) {
      throw ApiError.notFound({ resource: 'namespaces', group: '' }, namespace);
    }
  }

  private emptyNamespace(namespace: string): void {
    for (const key of this.storage.typeKeys()) {
      for (const object of this.storage.list(key, namespace)) {
        if (object.metadata.namespace === namespace)
          this.storage.remove(key, namespace, object.metadata.name ?? '');
      }
    }
  }

  /** The garbage collector: dependents go with their owner, or lose the owner reference when orphaned. */
  private collectDependents(ownerUid: string, orphan: boolean): void {
    if (!ownerUid) return;
    for (const key of this.storage.typeKeys()) {
      for (const object of this.storage.list(key)) {
        const refs = object.metadata.ownerReferences ?? [];
        if (!refs.some((ref) => ref.uid === ownerUid)) continue;
        if (orphan) {
          const rest = refs.filter((ref) => ref.uid !== ownerUid);
          object.metadata.ownerReferences = rest.length > 0 ? rest : undefined;
          this.storage.put(key, object);
        } else {
          const removed = this.storage.remove(key, object.metadata.namespace, object.metadata.name ?? '');
          this.collectDependents(removed?.metadata.uid ?? '', false);
        }
      }
    }
  }
}

function stripVersion(object: KubeObject): KubeObject {
  const { resourceVersion: _ignored, ...metadata } = object.metadata;
  return { ...object, metadata: isJsonObject(metadata) ? metadata : {} };
}

/** Five characters from the alphabet Kubernetes uses for generated names (no vowels, no look-alikes). */
export function randomSuffix(length = 5): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  return [...randomBytes(length)].map((byte) => alphabet[byte % alphabet.length]).join('');
}
