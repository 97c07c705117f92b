import { ApiError } from './api-error.js';
import { ObjectStore } from './object-store.js';

function storeWithNamespace(historyLimit = 1000): ObjectStore {
  const store = new ObjectStore({ nodeName: 'node-1', historyLimit });
  store.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'web' } });
  return store;
}

const configMap = (name: string, data: Record<string, string> = {}) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'web' },
  data,
});

describe('ObjectStore', () => {
  it('stamps uid, creationTimestamp and an increasing resourceVersion', () => {
    const store = storeWithNamespace();
    const first = store.create(configMap('a'));
    const second = store.create(configMap('b'));
    expect(first.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number(second.metadata.resourceVersion)).toBeGreaterThan(Number(first.metadata.resourceVersion));
    expect(store.resourceVersion).toBe(second.metadata.resourceVersion);
  });

  it('answers a stale update with 409 Conflict and keeps the newer object', () => {
    const store = storeWithNamespace();
    const created = store.create(configMap('a', { v: '1' }));
    store.update({ ...created, data: { v: '2' } });
    const stale = () => store.update({ ...created, data: { v: '3' } });
    expect(stale).toThrow(ApiError);
    try {
      stale();
    } catch (error) {
      expect((error as ApiError).status.message).toBe(
        'Operation cannot be fulfilled on configmaps "a": the object has been modified; please apply your changes to the latest version and try again',
      );
    }
    expect(store.get('configmaps', 'web', 'a').data).toEqual({ v: '2' });
  });

  it('refuses duplicates, missing namespaces and invalid names with the real reasons', () => {
    const store = storeWithNamespace();
    store.create(configMap('a'));
    const reason = (write: () => unknown) => {
      try {
        write();
      } catch (error) {
        return (error as ApiError).code;
      }
      return 'none';
    };
    expect(reason(() => store.create(configMap('a')))).toBe('AlreadyExists');
    expect(
      reason(() => store.create({ ...configMap('x'), metadata: { name: 'x', namespace: 'gone' } })),
    ).toBe('NotFound');
    expect(reason(() => store.create(configMap('Not_Valid')))).toBe('Invalid');
  });

  it('deletes dependents with their owner unless orphaned', () => {
    const store = storeWithNamespace();
    const owner = store.create(configMap('owner'));
    const ref = { apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata.uid ?? '' };
    store.create({
      ...configMap('child'),
      metadata: { name: 'child', namespace: 'web', ownerReferences: [ref] },
    });
    store.delete('configmaps', 'web', 'owner');
    expect(store.find('configmaps', 'web', 'child')).toBeUndefined();
  });

  it('forgets history beyond its window so old resourceVersions expire', () => {
    const store = storeWithNamespace(5);
    const start = Number(store.resourceVersion);
    for (let i = 0; i < 10; i += 1) store.create(configMap(`c${i}`));
    expect(store.storage.changesSince(start)).toBe('expired');
    const recent = store.storage.changesSince(Number(store.resourceVersion) - 2);
    expect(recent).not.toBe('expired');
    expect((recent as unknown[]).length).toBe(2);
  });
});
