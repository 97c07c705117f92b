import type { KubeObject } from './kube-object.js';

/**
 * The etcd stand-in: one resourceVersion counter for the whole cluster, objects by kind and key, and a
 * bounded history of changes so a watch can resume from a recent resourceVersion (and gets 410 when
 * the version has left the window, as after an etcd compaction).
 */

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoredChange {
  type: ChangeType;
  /** `group/resource` of the object. */
  typeKey: string;
  resourceVersion: number;
  object: KubeObject;
  /** The object before a MODIFIED change, so filtered watches can tell an object leaving their selector. */
  previous?: KubeObject;
}

export type ChangeListener = (change: StoredChange) => void;

function objectKey(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}

export class VersionedStorage {
  private revision = 1;
  private readonly objects = new Map<string, Map<string, KubeObject>>();
  private readonly history: StoredChange[] = [];
  /** Highest revision whose change is no longer in the history. */
  private compacted = 0;
  private readonly listeners = new Set<ChangeListener>();

  constructor(private readonly historyLimit: number) {}

  get currentRevision(): number {
    return this.revision;
  }

  get compactedRevision(): number {
    return this.compacted;
  }

  get(typeKey: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const found = this.objects.get(typeKey)?.get(objectKey(namespace, name));
    return found && structuredClone(found);
  }

  /** Objects of one kind, in one namespace or all, sorted by namespace then name like etcd keys. */
  list(typeKey: string, namespace?: string): KubeObject[] {
    const all = [...(this.objects.get(typeKey)?.entries() ?? [])]
      .filter(([, object]) => namespace === undefined || object.metadata.namespace === namespace)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return all.map(([, object]) => structuredClone(object));
  }

  typeKeys(): string[] {
    return [...this.objects.keys()];
  }

  /** Stores a new or changed object, stamping the next resourceVersion; returns the stored copy. */
  put(typeKey: string, object: KubeObject): KubeObject {
    const key = objectKey(object.metadata.namespace, object.metadata.name ?? '');
    const byKey = this.objects.get(typeKey) ?? new Map<string, KubeObject>();
    this.objects.set(typeKey, byKey);
    const previous = byKey.get(key);
    const type: ChangeType = previous ? 'MODIFIED' : 'ADDED';
    this.revision += 1;
    const stored = structuredClone(object);
    stored.metadata.resourceVersion = String(this.revision);
    byKey.set(key, stored);
    this.record({
      type,
      typeKey,
      resourceVersion: this.revision,
      object: stored,
      ...(previous ? { previous } : {}),
    });
    return structuredClone(stored);
  }

  remove(typeKey: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const byKey = this.objects.get(typeKey);
    const key = objectKey(namespace, name);
    const existing = byKey?.get(key);
    if (!byKey || !existing) return undefined;
    byKey.delete(key);
    this.revision += 1;
    const gone = structuredClone(existing);
    gone.metadata.resourceVersion = String(this.revision);
    this.record({ type: 'DELETED', typeKey, resourceVersion: this.revision, object: gone });
    return structuredClone(gone);
  }

  /** Changes after `revision`, or 'expired' when some of them have left the history window. */
  changesSince(revision: number): StoredChange[] | 'expired' {
    if (revision < this.compacted) return 'expired';
    return this.history.filter((change) => change.resourceVersion > revision);
  }

  subscribe(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private record(change: StoredChange): void {
    this.history.push(change);
    while (this.history.length > this.historyLimit) {
      const dropped = this.history.shift();
      if (dropped) this.compacted = dropped.resourceVersion;
    }
    for (const listener of [...this.listeners]) listener(change);
  }
}
