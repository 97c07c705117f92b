import { objectsAt } from '../kube-object.js';
import type { StoredChange } from '../versioned-storage.js';
import type { EventRecorder } from './event-recorder.js';

/** The events a scheduler and kubelet write when a pod starts, shown by `kubectl describe pod`. */
export class KubeletEvents {
  constructor(private readonly events: EventRecorder) {}

  onChange(change: StoredChange): void {
    if (change.typeKey !== '/pods' || change.type !== 'ADDED') return;
    const pod = change.object;
    const node =
      typeof (pod.spec as { nodeName?: unknown })?.nodeName === 'string'
        ? (pod.spec as { nodeName: string }).nodeName
        : '';
    setImmediate(() => {
      this.events.record(
        pod,
        'Scheduled',
        `Successfully assigned ${pod.metadata.namespace}/${pod.metadata.name} to ${node}`,
        'default-scheduler',
      );
      for (const container of objectsAt(pod, ['spec', 'containers'])) {
        const fieldPath = `spec.containers{${String(container.name)}}`;
        this.events.record(
          pod,
          'Pulled',
          `Container image "${String(container.image)}" already present on machine`,
          'kubelet',
          fieldPath,
        );
        this.events.record(
          pod,
          'Created',
          `Created container: ${String(container.name)}`,
          'kubelet',
          fieldPath,
        );
        this.events.record(
          pod,
          'Started',
          `Started container ${String(container.name)}`,
          'kubelet',
          fieldPath,
        );
      }
    });
  }
}
