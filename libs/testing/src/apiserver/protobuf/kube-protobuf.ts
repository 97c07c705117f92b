import { decodeMessage, ProtobufError, type MessageSchema } from './protobuf-reader.js';

/**
 * kubectl's typed clients send some bodies as `application/vnd.kubernetes.protobuf` (`auth can-i`,
 * `auth whoami`, `create namespace|configmap|secret|serviceaccount|role|rolebinding|...`): the `k8s\0`
 * magic, a runtime.Unknown envelope, then the message as in k8s.io/api's generated.proto. Decoded here to
 * the JSON the handlers take; kinds not listed get undefined (the caller answers 415).
 */

const magic = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

const objectMeta: MessageSchema = {
  1: { name: 'name', type: 'string' },
  2: { name: 'generateName', type: 'string' },
  3: { name: 'namespace', type: 'string' },
  11: { name: 'labels', type: 'string-map' },
  12: { name: 'annotations', type: 'string-map' },
  14: { name: 'finalizers', type: 'repeated-string' },
};

const resourceAttributes: MessageSchema = {
  1: { name: 'namespace', type: 'string' },
  2: { name: 'verb', type: 'string' },
  3: { name: 'group', type: 'string' },
  4: { name: 'version', type: 'string' },
  5: { name: 'resource', type: 'string' },
  6: { name: 'subresource', type: 'string' },
  7: { name: 'name', type: 'string' },
};

const accessSpec: MessageSchema = {
  1: { name: 'resourceAttributes', type: 'message', schema: resourceAttributes },
  2: {
    name: 'nonResourceAttributes',
    type: 'message',
    schema: { 1: { name: 'path', type: 'string' }, 2: { name: 'verb', type: 'string' } },
  },
  3: { name: 'user', type: 'string' },
  4: { name: 'groups', type: 'repeated-string' },
  5: { name: 'extra', type: 'map', schema: { 1: { name: 'items', type: 'repeated-string' } } },
  6: { name: 'uid', type: 'string' },
};

const policyRule: MessageSchema = {
  1: { name: 'verbs', type: 'repeated-string' },
  2: { name: 'apiGroups', type: 'repeated-string' },
  3: { name: 'resources', type: 'repeated-string' },
  4: { name: 'resourceNames', type: 'repeated-string' },
  5: { name: 'nonResourceURLs', type: 'repeated-string' },
};

const binding: MessageSchema = {
  1: { name: 'metadata', type: 'message', schema: objectMeta },
  2: {
    name: 'subjects',
    type: 'repeated-message',
    schema: {
      1: { name: 'kind', type: 'string' },
      2: { name: 'apiGroup', type: 'string' },
      3: { name: 'name', type: 'string' },
      4: { name: 'namespace', type: 'string' },
    },
  },
  3: {
    name: 'roleRef',
    type: 'message',
    schema: {
      1: { name: 'apiGroup', type: 'string' },
      2: { name: 'kind', type: 'string' },
      3: { name: 'name', type: 'string' },
    },
  },
};

const withSpec = (spec: MessageSchema): MessageSchema => ({
  1: { name: 'metadata', type: 'message', schema: objectMeta },
  2: { name: 'spec', type: 'message', schema: spec },
});

const messages: Record<string, MessageSchema> = {
  SelfSubjectAccessReview: withSpec(accessSpec),
  SubjectAccessReview: withSpec(accessSpec),
  SelfSubjectRulesReview: withSpec({ 1: { name: 'namespace', type: 'string' } }),
  SelfSubjectReview: withSpec({}),
  Namespace: { 1: { name: 'metadata', type: 'message', schema: objectMeta } },
  ConfigMap: {
    1: { name: 'metadata', type: 'message', schema: objectMeta },
    2: { name: 'data', type: 'string-map' },
    3: { name: 'binaryData', type: 'bytes-map' },
    4: { name: 'immutable', type: 'bool' },
  },
  Secret: {
    1: { name: 'metadata', type: 'message', schema: objectMeta },
    2: { name: 'data', type: 'bytes-map' },
    3: { name: 'type', type: 'string' },
    4: { name: 'stringData', type: 'string-map' },
    5: { name: 'immutable', type: 'bool' },
  },
  ServiceAccount: {
    1: { name: 'metadata', type: 'message', schema: objectMeta },
    4: { name: 'automountServiceAccountToken', type: 'bool' },
  },
  Role: {
    1: { name: 'metadata', type: 'message', schema: objectMeta },
    2: { name: 'rules', type: 'repeated-message', schema: policyRule },
  },
  ClusterRole: {
    1: { name: 'metadata', type: 'message', schema: objectMeta },
    2: { name: 'rules', type: 'repeated-message', schema: policyRule },
  },
  RoleBinding: binding,
  ClusterRoleBinding: binding,
};

const envelope: MessageSchema = {
  1: {
    name: 'typeMeta',
    type: 'message',
    schema: { 1: { name: 'apiVersion', type: 'string' }, 2: { name: 'kind', type: 'string' } },
  },
  2: { name: 'raw', type: 'bytes' },
};

/** The JSON form of a protobuf body, or undefined when its kind is not one decoded here. */
export function decodeKubeProtobuf(body: Buffer): Record<string, unknown> | undefined {
  if (body.length < magic.length || !body.subarray(0, magic.length).equals(magic)) {
    throw new ProtobufError('protobuf body without the k8s envelope');
  }
  const unknown = decodeMessage(body.subarray(magic.length), envelope);
  const typeMeta = (unknown.typeMeta ?? {}) as { apiVersion?: string; kind?: string };
  const schema = messages[typeMeta.kind ?? ''];
  if (!schema) return undefined;
  const message = decodeMessage((unknown.raw as Buffer | undefined) ?? Buffer.alloc(0), schema);
  const spec = message.spec as Record<string, unknown> | undefined;
  if (spec?.extra) {
    const extra = spec.extra as Record<string, { items?: string[] }>;
    spec.extra = Object.fromEntries(Object.entries(extra).map(([key, value]) => [key, value.items ?? []]));
  }
  return {
    apiVersion: typeMeta.apiVersion,
    kind: typeMeta.kind,
    ...message,
    metadata: message.metadata ?? {},
  };
}
