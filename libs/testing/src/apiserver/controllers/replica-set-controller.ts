import { fieldAt, isJsonObject, numberAt, type JsonObject, type KubeObject } from '../kube-object.js';
import type { ObjectStore } from '../object-store.js';
import { randomSuffix } from '../object-store.js';
import type { StoredChange } from '../versioned-storage.js';
import type { EventRecorder } from './event-recorder.js';
import { queueKey, splitQueueKey, WorkQueue } from './work-queue.js';

/** Keeps each ReplicaSet's pods at spec.replicas and reports how many exist and are ready. */
export class ReplicaSetController {
  private readonly queue = new WorkQueue((key) => this.reconcile(key));

  constructor(
    private readonly store: ObjectStore,
    private readonly events: EventRecorder,
  ) {}

  onChange(change: StoredChange): void {
    if (change.typeKey === 'apps/replicasets' && change.type !== 'DELETED') {
      this.queue.add(queueKey(change.object.metadata.namespace, change.object.metadata.name));
    }
    if (change.typeKey === '/pods') {
      for (const owner of change.object.metadata.ownerReferences ?? []) {
        if (owner.kind === 'ReplicaSet' && owner.controller)
          this.queue.add(queueKey(change.object.metadata.namespace, owner.name));
      }
    }
  }

  stop(): void {
    this.queue.stop();
  }

  private reconcile(key: string): void {
    const { namespace, name } = splitQueueKey(key);
    const replicaSet = this.store.find('replicasets', namespace, name);
    if (!replicaSet) return;
    const uid = replicaSet.metadata.uid;
    const owned = this.store
      .list('pods', { namespace })
      .filter((pod) => (pod.metadata.ownerReferences ?? []).some((ref) => ref.uid === uid && ref.controller));
    const wanted = numberAt(replicaSet, ['spec', 'replicas']) ?? 1;
    for (let count = owned.length; count < wanted; count += 1) owned.push(this.createPod(replicaSet));
    for (const extra of owned.splice(wanted)) {
      this.store.delete('pods', namespace, extra.metadata.name ?? '');
      this.events.record(
        replicaSet,
        'SuccessfulDelete',
        `Deleted pod: ${extra.metadata.name}`,
        'replicaset-controller',
      );
    }
    const ready = owned.filter((pod) => fieldAt(pod, ['status', 'phase']) === 'Running').length;
    const status: JsonObject = {
      replicas: owned.length,
      fullyLabeledReplicas: owned.length,
      readyReplicas: ready,
      availableReplicas: ready,
      observedGeneration: replicaSet.metadata.generation,
    };
    for (const field of ['fullyLabeledReplicas', 'readyReplicas', 'availableReplicas'])
      if (status[field] === 0) delete status[field];
    const latest = this.store.find('replicasets', namespace, name);
    if (latest) this.store.update({ ...latest, status }, { subresource: 'status' });
  }

  private createPod(replicaSet: KubeObject): KubeObject {
    const template = fieldAt(replicaSet, ['spec', 'template']);
    const templateMeta = isJsonObject(template) && isJsonObject(template.metadata) ? template.metadata : {};
    const pod = this.store.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        ...structuredClone(templateMeta),
        name: `${replicaSet.metadata.name ?? ''}-${randomSuffix()}`,
        namespace: replicaSet.metadata.namespace,
        ownerReferences: [
          {
            apiVersion: 'apps/v1',
            kind: 'ReplicaSet',
            name: replicaSet.metadata.name ?? '',
            uid: replicaSet.metadata.uid ?? '',
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      spec: structuredClone(isJsonObject(template) && isJsonObject(template.spec) ? template.spec : {}),
    });
    this.events.record(
      replicaSet,
      'SuccessfulCreate',
      `Created pod: ${pod.metadata.name}`,
      'replicaset-controller',
    );
    return pod;
  }
}
