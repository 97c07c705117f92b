import { fieldAt, isJsonObject, numberAt, objectsAt, stringAt, type KubeObject } from '../kube-object.js';
import { ageOf } from './human-duration.js';
import { ageColumn, age, column, name, nameColumn, orNone, type KindColumns } from './column-definition.js';
import { workloadColumns } from './workload-columns.js';

/** The columns the real API server's printers produce for each served kind (pkg/printers/internalversion). */

function servicePorts(service: KubeObject): string {
  const ports = objectsAt(service, ['spec', 'ports']).map((port) => {
    const nodePort = typeof port.nodePort === 'number' ? `:${port.nodePort}` : '';
    return `${String(port.port)}${nodePort}/${String(port.protocol ?? 'TCP')}`;
  });
  return orNone(ports.join(','));
}

function externalIp(service: KubeObject): string {
  const type = stringAt(service, ['spec', 'type']);
  const external = (fieldAt(service, ['spec', 'externalIPs']) as string[] | undefined) ?? [];
  if (type === 'ExternalName') return stringAt(service, ['spec', 'externalName']) ?? '<none>';
  if (type === 'LoadBalancer') {
    const ingress = objectsAt(service, ['status', 'loadBalancer', 'ingress']).map((i) =>
      String(i.ip ?? i.hostname),
    );
    const all = [...ingress, ...external];
    return all.length > 0 ? all.join(',') : '<pending>';
  }
  return external.length > 0 ? external.join(',') : '<none>';
}

const bindingSubjects = (binding: KubeObject, kind: string) =>
  objectsAt(binding, ['subjects'])
    .filter((subject) => subject.kind === kind)
    .map((subject) =>
      kind === 'ServiceAccount'
        ? `${String(subject.namespace ?? '')}/${String(subject.name)}`
        : String(subject.name),
    )
    .join(', ');

const roleColumns: KindColumns = {
  columns: [
    nameColumn,
    column(
      'Created At',
      'date',
      'CreationTimestamp is a timestamp representing the server time when this object was created.',
    ),
  ],
  cells: (role) => [name(role), role.metadata.creationTimestamp ?? ''],
};

const bindingColumns: KindColumns = {
  columns: [
    nameColumn,
    column('Role', 'string', 'RoleRef references the role being granted.'),
    ageColumn,
    column('Users', 'string', 'Users in the binding', 1),
    column('Groups', 'string', 'Groups in the binding', 1),
    column('ServiceAccounts', 'string', 'ServiceAccounts in the binding', 1),
  ],
  cells: (binding) => [
    name(binding),
    `${stringAt(binding, ['roleRef', 'kind']) ?? ''}/${stringAt(binding, ['roleRef', 'name']) ?? ''}`,
    age(binding),
    bindingSubjects(binding, 'User'),
    bindingSubjects(binding, 'Group'),
    bindingSubjects(binding, 'ServiceAccount'),
  ],
};

const count = (object: KubeObject, field: string) => {
  const value = object[field];
  return isJsonObject(value) ? Object.keys(value).length : 0;
};

export const columnsByKind: Record<string, KindColumns> = {
  ...workloadColumns,
  Namespace: {
    columns: [nameColumn, column('Status', 'string', 'The status of the namespace'), ageColumn],
    cells: (ns) => [name(ns), stringAt(ns, ['status', 'phase']) ?? 'Active', age(ns)],
  },
  Node: {
    columns: [
      nameColumn,
      column('Status', 'string', 'The status of the node'),
      column('Roles', 'string', 'The roles of the node'),
      ageColumn,
      column('Version', 'string', 'Kubelet Version reported by the node.'),
      column('Internal-IP', 'string', 'List of addresses reachable to the node.', 1),
      column('OS-Image', 'string', 'OS Image reported by the node from /etc/os-release.', 1),
    ],
    cells: (node) => [
      name(node),
      'Ready',
      orNone(
        Object.keys(node.metadata.labels ?? {})
          .filter((l) => l.startsWith('node-role.kubernetes.io/'))
          .map((l) => l.split('/')[1])
          .join(','),
      ),
      age(node),
      stringAt(node, ['status', 'nodeInfo', 'kubeletVersion']) ?? '',
      objectsAt(node, ['status', 'addresses']).find((a) => a.type === 'InternalIP')?.address ?? '<none>',
      stringAt(node, ['status', 'nodeInfo', 'osImage']) ?? '<unknown>',
    ],
  },
  Service: {
    columns: [
      nameColumn,
      column('Type', 'string', 'The type of service.'),
      column('Cluster-IP', 'string', 'The cluster IP of the service.'),
      column('External-IP', 'string', 'The external IP addresses of the service.'),
      column('Port(s)', 'string', 'The ports of the service.'),
      ageColumn,
      column(
        'Selector',
        'string',
        'Route service traffic to pods with label keys and values matching this selector.',
        1,
      ),
    ],
    cells: (svc) => [
      name(svc),
      stringAt(svc, ['spec', 'type']) ?? 'ClusterIP',
      stringAt(svc, ['spec', 'clusterIP']) ?? '<none>',
      externalIp(svc),
      servicePorts(svc),
      age(svc),
      orNone(
        Object.entries((fieldAt(svc, ['spec', 'selector']) as Record<string, string> | undefined) ?? {})
          .map(([k, v]) => `${k}=${v}`)
          .join(','),
      ),
    ],
  },
  ConfigMap: {
    columns: [nameColumn, column('Data', 'integer', 'Data contains the configuration data.'), ageColumn],
    cells: (cm) => [name(cm), count(cm, 'data') + count(cm, 'binaryData'), age(cm)],
  },
  Secret: {
    columns: [
      nameColumn,
      column('Type', 'string', 'The type of the secret.'),
      column('Data', 'integer', 'The number of keys in the secret.'),
      ageColumn,
    ],
    cells: (secret) => [name(secret), String(secret.type ?? 'Opaque'), count(secret, 'data'), age(secret)],
  },
  ServiceAccount: {
    columns: [
      nameColumn,
      column(
        'Secrets',
        'string',
        'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.',
      ),
      ageColumn,
    ],
    cells: (sa) => [name(sa), objectsAt(sa, ['secrets']).length, age(sa)],
  },
  Event: {
    columns: [
      column('Last Seen', 'string', 'The last time that the event was recorded.'),
      column('Type', 'string', 'Type of this event (Normal, Warning).'),
      column(
        'Reason',
        'string',
        'This should be a short, machine understandable string that gives the reason for this event being generated.',
      ),
      column('Object', 'string', 'The object that this event is about.'),
      column('Subobject', 'string', 'The subobject that this event is about.', 1),
      column('Source', 'string', 'The component reporting this event.', 1),
      column('Message', 'string', 'A human-readable description of the status of this operation.'),
      column('First Seen', 'string', 'The first time that the event was recorded.', 1),
      column('Count', 'string', 'The number of times this event has occurred.', 1),
      { ...nameColumn, priority: 1 },
    ],
    cells: (event) => [
      ageOf(event.lastTimestamp ?? event.eventTime ?? event.metadata.creationTimestamp),
      String(event.type ?? ''),
      String(event.reason ?? ''),
      `${(stringAt(event, ['involvedObject', 'kind']) ?? '').toLowerCase()}/${stringAt(event, ['involvedObject', 'name']) ?? ''}`,
      stringAt(event, ['involvedObject', 'fieldPath']) ?? '',
      [stringAt(event, ['source', 'component']), stringAt(event, ['source', 'host'])]
        .filter(Boolean)
        .join(', '),
      String(event.message ?? ''),
      ageOf(event.firstTimestamp ?? event.metadata.creationTimestamp),
      String(numberAt(event, ['count']) ?? 1),
      name(event),
    ],
  },
  Role: roleColumns,
  ClusterRole: roleColumns,
  RoleBinding: bindingColumns,
  ClusterRoleBinding: bindingColumns,
};

export const defaultColumns: KindColumns = {
  columns: [
    nameColumn,
    column(
      'Created At',
      'date',
      'CreationTimestamp is a timestamp representing the server time when this object was created.',
    ),
  ],
  cells: (object) => [name(object), object.metadata.creationTimestamp ?? ''],
};
