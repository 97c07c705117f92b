import { applyStrategicMergePatch } from './strategic-merge-patch.js';

const deployment = () => ({
  spec: {
    replicas: 2,
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
    template: {
      spec: {
        containers: [
          {
            name: 'web',
            image: 'nginx:1.27',
            ports: [{ containerPort: 80, protocol: 'TCP' }],
            env: [{ name: 'A', value: '1' }],
          },
          { name: 'sidecar', image: 'busybox:1.36' },
        ],
      },
    },
  },
  metadata: { finalizers: ['a'] },
});

describe('strategic merge patch', () => {
  it('merges containers by name and keeps fields the patch does not mention', () => {
    const result = applyStrategicMergePatch(deployment(), {
      spec: { template: { spec: { containers: [{ name: 'web', image: 'nginx:1.28' }] } } },
    }) as ReturnType<typeof deployment>;
    expect(result.spec.template.spec.containers).toEqual([
      {
        name: 'web',
        image: 'nginx:1.28',
        ports: [{ containerPort: 80, protocol: 'TCP' }],
        env: [{ name: 'A', value: '1' }],
      },
      { name: 'sidecar', image: 'busybox:1.36' },
    ]);
  });

  it('deletes a keyed element with $patch: delete and orders by $setElementOrder', () => {
    const result = applyStrategicMergePatch(deployment(), {
      spec: {
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'web' }],
            containers: [{ $patch: 'delete', name: 'sidecar' }],
          },
        },
      },
    }) as ReturnType<typeof deployment>;
    expect(result.spec.template.spec.containers.map((c) => c.name)).toEqual(['web']);
  });

  it('removes a key set to null, replaces atomic lists and honours $retainKeys', () => {
    const result = applyStrategicMergePatch(deployment(), {
      spec: { replicas: null, strategy: { $retainKeys: ['type'], type: 'Recreate' } },
    }) as { spec: Record<string, unknown> };
    expect(result.spec.replicas).toBeUndefined();
    expect(result.spec.strategy).toEqual({ type: 'Recreate' });
  });

  it('merges finalizers as a set and deletes from it with $deleteFromPrimitiveList', () => {
    const added = applyStrategicMergePatch(deployment(), {
      metadata: { finalizers: ['b', 'a'] },
    }) as ReturnType<typeof deployment>;
    expect(added.metadata.finalizers).toEqual(['a', 'b']);
    const removed = applyStrategicMergePatch(added, {
      metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] },
    }) as ReturnType<typeof deployment>;
    expect(removed.metadata.finalizers).toEqual(['b']);
  });

  it('replaces a whole keyed list with $patch: replace', () => {
    const result = applyStrategicMergePatch(deployment(), {
      spec: {
        template: { spec: { containers: [{ $patch: 'replace' }, { name: 'only', image: 'alpine' }] } },
      },
    }) as ReturnType<typeof deployment>;
    expect(result.spec.template.spec.containers).toEqual([{ name: 'only', image: 'alpine' }]);
  });
});
