import type { ObjectStore } from '../object-store.js';
import type { StoredChange } from '../versioned-storage.js';
import { WorkQueue } from './work-queue.js';

/**
 * What every namespace gets in a real cluster: the `default` service account and the
 * `kube-root-ca.crt` config map.
 */
export class NamespaceController {
  private readonly queue = new WorkQueue((name) => this.reconcile(name));

  constructor(
    private readonly store: ObjectStore,
    private readonly caPem: string,
  ) {}

  onChange(change: StoredChange): void {
    if (change.typeKey === '/namespaces' && change.type === 'ADDED')
      this.queue.add(change.object.metadata.name ?? '');
  }

  stop(): void {
    this.queue.stop();
  }

  /** Runs at once for the namespaces that exist at start, so tests see a settled cluster. */
  reconcile(namespace: string): void {
    if (!this.store.find('namespaces', undefined, namespace)) return;
    if (!this.store.find('serviceaccounts', namespace, 'default')) {
      this.store.create({
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: { name: 'default', namespace },
      });
    }
    if (!this.store.find('configmaps', namespace, 'kube-root-ca.crt')) {
      this.store.create({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: {
          name: 'kube-root-ca.crt',
          namespace,
          annotations: {
            'kubernetes.io/description':
              'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.',
          },
        },
        data: { 'ca.crt': this.caPem },
      });
    }
  }
}
