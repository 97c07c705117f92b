import { ApiError } from '../api-error.js';
import { isJsonObject, type KubeObject } from '../kube-object.js';

/**
 * The JSON types of the fields the simulator reads, checked before anything else touches an object. The
 * real API server decodes into Go structs, so `"name": 5` or `"labels": "x"` is a 400, never a crash
 * further down (printers, authorizer, controllers).
 */

type Shape =
  | 'string'
  | 'integer'
  | 'boolean'
  | 'object'
  | 'int-or-string'
  | { map: Shape }
  | { list: Shape }
  | { fields: Record<string, Shape> };

const strings: Shape = { list: 'string' };
const stringMap: Shape = { map: 'string' };

const objectMeta: Shape = {
  fields: {
    name: 'string',
    generateName: 'string',
    namespace: 'string',
    uid: 'string',
    resourceVersion: 'string',
    generation: 'integer',
    labels: stringMap,
    annotations: stringMap,
    finalizers: strings,
    ownerReferences: {
      list: {
        fields: {
          apiVersion: 'string',
          kind: 'string',
          name: 'string',
          uid: 'string',
          controller: 'boolean',
          blockOwnerDeletion: 'boolean',
        },
      },
    },
  },
};

const container: Shape = {
  fields: {
    name: 'string',
    image: 'string',
    imagePullPolicy: 'string',
    command: strings,
    args: strings,
    workingDir: 'string',
    env: { list: { fields: { name: 'string', value: 'string', valueFrom: 'object' } } },
    ports: {
      list: { fields: { name: 'string', containerPort: 'integer', hostPort: 'integer', protocol: 'string' } },
    },
    resources: 'object',
    volumeMounts: { list: { fields: { name: 'string', mountPath: 'string' } } },
  },
};

const podSpec: Shape = {
  fields: {
    containers: { list: container },
    initContainers: { list: container },
    nodeName: 'string',
    serviceAccountName: 'string',
    restartPolicy: 'string',
    terminationGracePeriodSeconds: 'integer',
    tolerations: { list: 'object' },
    volumes: { list: { fields: { name: 'string' } } },
    readinessGates: { list: 'object' },
  },
};

const workloadSpec: Shape = {
  fields: {
    replicas: 'integer',
    selector: {
      fields: {
        matchLabels: stringMap,
        matchExpressions: { list: { fields: { key: 'string', operator: 'string', values: strings } } },
      },
    },
    template: { fields: { metadata: objectMeta, spec: podSpec } },
    strategy: 'object',
  },
};

const rules: Shape = {
  list: {
    fields: {
      verbs: strings,
      apiGroups: strings,
      resources: strings,
      resourceNames: strings,
      nonResourceURLs: strings,
    },
  },
};

const binding: Record<string, Shape> = {
  roleRef: { fields: { apiGroup: 'string', kind: 'string', name: 'string' } },
  subjects: { list: { fields: { kind: 'string', apiGroup: 'string', name: 'string', namespace: 'string' } } },
};

const byKind: Record<string, Record<string, Shape>> = {
  Pod: { spec: podSpec, status: 'object' },
  Deployment: { spec: workloadSpec, status: 'object' },
  ReplicaSet: { spec: workloadSpec, status: 'object' },
  Service: {
    spec: {
      fields: {
        type: 'string',
        clusterIP: 'string',
        selector: stringMap,
        ports: {
          list: {
            fields: {
              name: 'string',
              port: 'integer',
              targetPort: 'int-or-string',
              nodePort: 'integer',
              protocol: 'string',
            },
          },
        },
      },
    },
    status: 'object',
  },
  ConfigMap: { data: stringMap, binaryData: stringMap, immutable: 'boolean' },
  Secret: { data: stringMap, stringData: stringMap, type: 'string', immutable: 'boolean' },
  Namespace: { spec: 'object', status: 'object' },
  Node: { spec: 'object', status: 'object' },
  ServiceAccount: { secrets: { list: 'object' }, imagePullSecrets: { list: 'object' } },
  Event: { involvedObject: 'object', reason: 'string', message: 'string', type: 'string', count: 'integer' },
  Role: { rules },
  ClusterRole: { rules, aggregationRule: 'object' },
  RoleBinding: binding,
  ClusterRoleBinding: binding,
};

function jsonType(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return 'number';
  return typeof value === 'object' ? 'object' : typeof value;
}

function mismatch(shape: Shape, value: unknown): string | undefined {
  if (shape === 'string') return typeof value === 'string' ? undefined : 'string';
  if (shape === 'integer') return Number.isInteger(value) ? undefined : 'int';
  if (shape === 'boolean') return typeof value === 'boolean' ? undefined : 'bool';
  if (shape === 'int-or-string')
    return typeof value === 'string' || Number.isInteger(value) ? undefined : 'intstr.IntOrString';
  if (shape === 'object' || 'map' in shape || 'fields' in shape)
    return isJsonObject(value) ? undefined : 'object';
  return Array.isArray(value) ? undefined : 'array';
}

function check(kind: string, path: string, shape: Shape, value: unknown): void {
  if (value === undefined || value === null) return;
  const expected = mismatch(shape, value);
  if (expected) {
    throw ApiError.badRequest(
      `${kind} in version "v1" cannot be handled as a ${kind}: json: cannot unmarshal ${jsonType(value)} into Go struct field ${kind}.${path} of type ${expected}`,
    );
  }
  if (typeof shape !== 'object') return;
  if ('list' in shape)
    (value as unknown[]).forEach((item, index) => check(kind, `${path}[${index}]`, shape.list, item));
  else if ('map' in shape)
    for (const [key, item] of Object.entries(value as object))
      check(kind, `${path}[${key}]`, shape.map, item);
  else
    for (const [field, inner] of Object.entries(shape.fields))
      check(kind, `${path}.${field}`, inner, (value as Record<string, unknown>)[field]);
}

export function checkFieldTypes(object: KubeObject): void {
  check(object.kind, 'metadata', objectMeta, object.metadata);
  for (const [field, shape] of Object.entries(byKind[object.kind] ?? {}))
    check(object.kind, field, shape, object[field]);
}
