import type { KubeObject } from './kube-object.js';
import type { ObjectStore } from './object-store.js';
import { bootstrapRbacObjects } from './rbac/index.js';

/** What a fresh cluster has before anyone applies anything. */

const systemNamespaces = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

function node(name: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: {
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'node-role.kubernetes.io/control-plane': '',
      },
    },
    spec: { podCIDR: '10.244.0.0/24', podCIDRs: ['10.244.0.0/24'] },
    status: {
      conditions: [
        { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' },
      ],
      addresses: [
        { type: 'InternalIP', address: '172.18.0.2' },
        { type: 'Hostname', address: name },
      ],
      capacity: { cpu: '2', memory: '24Gi', pods: '110' },
      allocatable: { cpu: '2', memory: '24Gi', pods: '110' },
      nodeInfo: {
        kubeletVersion: 'v1.34.0',
        osImage: 'Tether simulated node',
        kernelVersion: '6.1.0',
        containerRuntimeVersion: 'containerd://2.1.0',
        operatingSystem: 'linux',
        architecture: 'amd64',
      },
    },
  };
}

export function bootstrapCluster(store: ObjectStore): void {
  for (const name of systemNamespaces)
    store.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  store.create(node(store.facts.nodeName));
  store.create({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: 'kubernetes',
      namespace: 'default',
      labels: { component: 'apiserver', provider: 'kubernetes' },
    },
    spec: {
      clusterIP: '10.96.0.1',
      ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }],
    },
  });
  for (const object of bootstrapRbacObjects()) store.create(object as KubeObject);
}
