import { randomBytes } from 'node:crypto';
import type { KubeObject } from '../kube-object.js';
import type { ObjectStore } from '../object-store.js';

/** Writes core/v1 Events like the kubelet and controllers do, so `kubectl describe` shows a history. */
export class EventRecorder {
  constructor(private readonly store: ObjectStore) {}

  record(involved: KubeObject, reason: string, message: string, component: string, fieldPath?: string): void {
    const namespace = involved.metadata.namespace ?? 'default';
    const now = this.store.facts.now();
    try {
      this.store.create({
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name: `${involved.metadata.name ?? ''}.${randomBytes(8).toString('hex')}`, namespace },
        involvedObject: {
          apiVersion: involved.apiVersion,
          kind: involved.kind,
          name: involved.metadata.name,
          namespace,
          uid: involved.metadata.uid,
          resourceVersion: involved.metadata.resourceVersion,
          ...(fieldPath ? { fieldPath } : {}),
        },
        reason,
        message,
        source: component === 'kubelet' ? { component, host: this.store.facts.nodeName } : { component },
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
        type: 'Normal',
        eventTime: null,
        reportingComponent: component,
        reportingInstance: component === 'kubelet' ? this.store.facts.nodeName : '',
      });
    } catch {
      // The namespace is being deleted: events are best effort, as in a real cluster.
    }
  }
}
