import { fieldAt, objectsAt, stringAt, numberAt, type KubeObject } from '../kube-object.js';
import { selectorToString } from '../label-match.js';
import { age, column, name, nameColumn, ageColumn, type KindColumns } from './column-definition.js';

/** Printer columns of the workload kinds: pods, deployments, replica sets. */

function podCells(pod: KubeObject): unknown[] {
  const statuses = objectsAt(pod, ['status', 'containerStatuses']);
  const total = objectsAt(pod, ['spec', 'containers']).length;
  const ready = statuses.filter((status) => status.ready === true).length;
  const restarts = statuses.reduce(
    (sum, status) => sum + (typeof status.restartCount === 'number' ? status.restartCount : 0),
    0,
  );
  let reason = stringAt(pod, ['status', 'reason']) ?? stringAt(pod, ['status', 'phase']) ?? 'Pending';
  for (const status of statuses) {
    const waiting = stringAt(status, ['state', 'waiting', 'reason']);
    const terminated = stringAt(status, ['state', 'terminated', 'reason']);
    if (waiting) reason = waiting;
    else if (terminated) reason = terminated;
  }
  if (pod.metadata.deletionTimestamp) reason = 'Terminating';
  const gates = objectsAt(pod, ['spec', 'readinessGates']).length;
  return [
    name(pod),
    `${ready}/${total}`,
    reason,
    String(restarts),
    age(pod),
    stringAt(pod, ['status', 'podIP']) ?? '<none>',
    stringAt(pod, ['spec', 'nodeName']) ?? '<none>',
    stringAt(pod, ['status', 'nominatedNodeName']) ?? '<none>',
    gates === 0 ? '<none>' : `0/${gates}`,
  ];
}

function containersOf(object: KubeObject): { names: string; images: string } {
  const containers = objectsAt(object, ['spec', 'template', 'spec', 'containers']);
  return {
    names: containers.map((c) => String(c.name)).join(','),
    images: containers.map((c) => String(c.image)).join(','),
  };
}

export const workloadColumns: Record<string, KindColumns> = {
  Pod: {
    columns: [
      nameColumn,
      column('Ready', 'string', 'The aggregate readiness state of this pod for accepting traffic.'),
      column('Status', 'string', 'The aggregate status of the containers in this pod.'),
      column(
        'Restarts',
        'string',
        'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.',
      ),
      ageColumn,
      column('IP', 'string', 'IP address allocated to the pod. Routable at least within the cluster.', 1),
      column('Node', 'string', 'Name of the Node this pod has been scheduled on.', 1),
      column('Nominated Node', 'string', 'Name of the node on which the pod is nominated for preemption.', 1),
      column('Readiness Gates', 'string', 'The readiness gates of the pod.', 1),
    ],
    cells: podCells,
  },
  Deployment: {
    columns: [
      nameColumn,
      column('Ready', 'string', 'Number of the pod with ready state'),
      column(
        'Up-to-date',
        'string',
        'Total number of non-terminated pods targeted by this deployment that have the desired template spec.',
      ),
      column(
        'Available',
        'string',
        'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.',
      ),
      ageColumn,
      column('Containers', 'string', 'Names of each container in the template.', 1),
      column('Images', 'string', 'Images referenced by each container in the template.', 1),
      column(
        'Selector',
        'string',
        'Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.',
        1,
      ),
    ],
    cells: (deploy) => [
      name(deploy),
      `${numberAt(deploy, ['status', 'readyReplicas']) ?? 0}/${numberAt(deploy, ['spec', 'replicas']) ?? 1}`,
      numberAt(deploy, ['status', 'updatedReplicas']) ?? 0,
      numberAt(deploy, ['status', 'availableReplicas']) ?? 0,
      age(deploy),
      containersOf(deploy).names,
      containersOf(deploy).images,
      selectorToString(fieldAt(deploy, ['spec', 'selector'])),
    ],
  },
  ReplicaSet: {
    columns: [
      nameColumn,
      column('Desired', 'integer', 'Replicas is the number of desired replicas.'),
      column('Current', 'integer', 'Replicas is the most recently observed number of replicas.'),
      column('Ready', 'integer', 'The number of ready replicas for this replica set.'),
      ageColumn,
      column('Containers', 'string', 'Names of each container in the template.', 1),
      column('Images', 'string', 'Images referenced by each container in the template.', 1),
      column('Selector', 'string', 'Label selector for pods.', 1),
    ],
    cells: (rs) => [
      name(rs),
      numberAt(rs, ['spec', 'replicas']) ?? 1,
      numberAt(rs, ['status', 'replicas']) ?? 0,
      numberAt(rs, ['status', 'readyReplicas']) ?? 0,
      age(rs),
      containersOf(rs).names,
      containersOf(rs).images,
      selectorToString(fieldAt(rs, ['spec', 'selector'])),
    ],
  },
};
