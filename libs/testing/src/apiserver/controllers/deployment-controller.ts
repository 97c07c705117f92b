import { createHash } from 'node:crypto';
import { fieldAt, isJsonObject, numberAt, type JsonObject, type KubeObject } from '../kube-object.js';
import type { ObjectStore } from '../object-store.js';
import type { StoredChange } from '../versioned-storage.js';
import type { EventRecorder } from './event-recorder.js';
import { queueKey, splitQueueKey, WorkQueue } from './work-queue.js';

const revisionAnnotation = 'deployment.kubernetes.io/revision';

/** Stable hash of the pod template, written as the `pod-template-hash` label like the real controller. */
function templateHash(template: unknown): string {
  const digest = createHash('sha256').update(JSON.stringify(template)).digest();
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  return [...digest.subarray(0, 10)].map((byte) => alphabet[byte % alphabet.length]).join('');
}

/**
 * A deployment owns one ReplicaSet per template; the current one gets spec.replicas and older ones are
 * scaled to zero at once (a rollout that completes instantly). Status follows the replica sets.
 */
export class DeploymentController {
  private readonly queue = new WorkQueue((key) => this.reconcile(key));

  constructor(
    private readonly store: ObjectStore,
    private readonly events: EventRecorder,
  ) {}

  onChange(change: StoredChange): void {
    if (change.typeKey === 'apps/deployments' && change.type !== 'DELETED') {
      this.queue.add(queueKey(change.object.metadata.namespace, change.object.metadata.name));
    }
    if (change.typeKey === 'apps/replicasets') {
      for (const owner of change.object.metadata.ownerReferences ?? []) {
        if (owner.kind === 'Deployment' && owner.controller)
          this.queue.add(queueKey(change.object.metadata.namespace, owner.name));
      }
    }
  }

  stop(): void {
    this.queue.stop();
  }

  private reconcile(key: string): void {
    const { namespace, name } = splitQueueKey(key);
    const deployment = this.store.find('deployments', namespace, name);
    if (!deployment) return;
    const owned = this.ownedBy(deployment);
    const hash = templateHash(fieldAt(deployment, ['spec', 'template']));
    const wanted = numberAt(deployment, ['spec', 'replicas']) ?? 1;
    let current = owned.find((rs) => rs.metadata.labels?.['pod-template-hash'] === hash);
    if (!current) {
      const revision =
        1 + Math.max(0, ...owned.map((rs) => Number(rs.metadata.annotations?.[revisionAnnotation] ?? 0)));
      current = this.createReplicaSet(deployment, hash, wanted, revision);
      this.events.record(
        deployment,
        'ScalingReplicaSet',
        `Scaled up replica set ${current.metadata.name} from 0 to ${wanted}`,
        'deployment-controller',
      );
    } else if (numberAt(current, ['spec', 'replicas']) !== wanted) {
      const from = numberAt(current, ['spec', 'replicas']) ?? 0;
      current = this.store.update({
        ...current,
        spec: { ...(current.spec as JsonObject), replicas: wanted },
      });
      const verb = wanted > from ? 'up' : 'down';
      this.events.record(
        deployment,
        'ScalingReplicaSet',
        `Scaled ${verb} replica set ${current.metadata.name} from ${from} to ${wanted}`,
        'deployment-controller',
      );
    }
    for (const old of owned) {
      if (old.metadata.uid === current.metadata.uid || numberAt(old, ['spec', 'replicas']) === 0) continue;
      this.store.update({ ...old, spec: { ...(old.spec as JsonObject), replicas: 0 } });
      this.events.record(
        deployment,
        'ScalingReplicaSet',
        `Scaled down replica set ${old.metadata.name} from ${numberAt(old, ['spec', 'replicas'])} to 0`,
        'deployment-controller',
      );
    }
    this.writeStatus(deployment, current.metadata.uid);
  }

  private createReplicaSet(
    deployment: KubeObject,
    hash: string,
    replicas: number,
    revision: number,
  ): KubeObject {
    const template = structuredClone(fieldAt(deployment, ['spec', 'template']) as JsonObject);
    const templateMeta = isJsonObject(template.metadata) ? template.metadata : {};
    templateMeta.labels = { ...(templateMeta.labels as Record<string, string>), 'pod-template-hash': hash };
    template.metadata = templateMeta;
    const selector = structuredClone(fieldAt(deployment, ['spec', 'selector']) as JsonObject);
    selector.matchLabels = { ...(selector.matchLabels as Record<string, string>), 'pod-template-hash': hash };
    return this.store.create({
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${deployment.metadata.name ?? ''}-${hash}`,
        namespace: deployment.metadata.namespace,
        labels: templateMeta.labels as Record<string, string>,
        annotations: {
          'deployment.kubernetes.io/desired-replicas': String(replicas),
          'deployment.kubernetes.io/max-replicas': String(replicas + Math.ceil(replicas / 4)),
          [revisionAnnotation]: String(revision),
        },
        ownerReferences: [
          {
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            name: deployment.metadata.name ?? '',
            uid: deployment.metadata.uid ?? '',
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      spec: { replicas, selector, template },
    });
  }

  private ownedBy(deployment: KubeObject): KubeObject[] {
    return this.store
      .list('replicasets', { namespace: deployment.metadata.namespace })
      .filter((rs) =>
        (rs.metadata.ownerReferences ?? []).some(
          (ref) => ref.uid === deployment.metadata.uid && ref.controller,
        ),
      );
  }

  private writeStatus(deployment: KubeObject, currentUid: string | undefined): void {
    const sets = this.ownedBy(deployment);
    const current = sets.find((rs) => rs.metadata.uid === currentUid);
    if (!current) return;
    const sum = (field: string) =>
      sets.reduce((total, rs) => total + (numberAt(rs, ['status', field]) ?? 0), 0);
    const wanted = numberAt(deployment, ['spec', 'replicas']) ?? 1;
    const replicas = sum('replicas');
    const ready = sum('readyReplicas');
    const updated = numberAt(current, ['status', 'replicas']) ?? 0;
    const now = this.store.facts.now();
    const previous = Array.isArray(fieldAt(deployment, ['status', 'conditions']))
      ? (fieldAt(deployment, ['status', 'conditions']) as JsonObject[])
      : [];
    const condition = (type: string, status: string, reason: string, message: string): JsonObject => {
      const before = previous.find((c) => c.type === type);
      const changed = !before || before.status !== status || before.reason !== reason;
      return {
        type,
        status,
        lastUpdateTime: changed ? now : before.lastUpdateTime,
        lastTransitionTime: !before || before.status !== status ? now : before.lastTransitionTime,
        reason,
        message,
      };
    };
    const complete = updated === wanted && replicas === wanted && ready === wanted;
    const status: JsonObject = {
      observedGeneration: deployment.metadata.generation,
      replicas,
      updatedReplicas: updated,
      readyReplicas: ready,
      availableReplicas: ready,
      unavailableReplicas: Math.max(0, wanted - ready),
      conditions: [
        ready >= wanted
          ? condition('Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.')
          : condition(
              'Available',
              'False',
              'MinimumReplicasUnavailable',
              'Deployment does not have minimum availability.',
            ),
        complete
          ? condition(
              'Progressing',
              'True',
              'NewReplicaSetAvailable',
              `ReplicaSet "${current.metadata.name}" has successfully progressed.`,
            )
          : condition(
              'Progressing',
              'True',
              'ReplicaSetUpdated',
              `ReplicaSet "${current.metadata.name}" is progressing.`,
            ),
      ],
    };
    for (const field of [
      'replicas',
      'updatedReplicas',
      'readyReplicas',
      'availableReplicas',
      'unavailableReplicas',
    ]) {
      if (status[field] === 0) delete status[field];
    }
    const latest = this.store.find(
      'deployments',
      deployment.metadata.namespace,
      deployment.metadata.name ?? '',
    );
    if (!latest) return;
    const revision = current.metadata.annotations?.[revisionAnnotation];
    if (revision && latest.metadata.annotations?.[revisionAnnotation] !== revision) {
      this.store.update({
        ...latest,
        metadata: {
          ...latest.metadata,
          annotations: { ...latest.metadata.annotations, [revisionAnnotation]: revision },
        },
      });
    }
    const fresh = this.store.find(
      'deployments',
      deployment.metadata.namespace,
      deployment.metadata.name ?? '',
    );
    if (fresh) this.store.update({ ...fresh, status }, { subresource: 'status' });
  }
}
