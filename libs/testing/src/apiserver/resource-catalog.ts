/**
 * The served kinds: one table that drives discovery, openapi, routing, storage and tables.
 */

export interface SubresourceType {
  name: string;
  kind: string;
  group?: string;
  version?: string;
  verbs: string[];
}

export interface ResourceType {
  group: string;
  version: string;
  /** Plural, lower-case: the URL segment. */
  resource: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  verbs: string[];
  subresources: SubresourceType[];
  /** false for create-only review kinds that are answered, never stored. */
  stored: boolean;
}

const crud = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const readOnly = ['get', 'list', 'watch'];
const statusOf = (kind: string): SubresourceType => ({
  name: 'status',
  kind,
  verbs: ['get', 'patch', 'update'],
});
const scaleOf: SubresourceType = {
  name: 'scale',
  kind: 'Scale',
  group: 'autoscaling',
  version: 'v1',
  verbs: ['get', 'patch', 'update'],
};

function stored(
  group: string,
  resource: string,
  kind: string,
  namespaced: boolean,
  extra: Partial<ResourceType> = {},
): ResourceType {
  return {
    group,
    version: 'v1',
    resource,
    singular: kind.toLowerCase(),
    kind,
    namespaced,
    shortNames: [],
    categories: [],
    verbs: crud,
    subresources: [],
    stored: true,
    ...extra,
  };
}

function review(group: string, resource: string, kind: string): ResourceType {
  return stored(group, resource, kind, false, { verbs: ['create'], stored: false });
}

const rbac = 'rbac.authorization.k8s.io';

export const servedResources: readonly ResourceType[] = [
  stored('', 'namespaces', 'Namespace', false, {
    shortNames: ['ns'],
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
    subresources: [statusOf('Namespace')],
  }),
  stored('', 'nodes', 'Node', false, {
    shortNames: ['no'],
    verbs: readOnly,
    subresources: [statusOf('Node')],
  }),
  stored('', 'pods', 'Pod', true, {
    shortNames: ['po'],
    categories: ['all'],
    subresources: [
      statusOf('Pod'),
      { name: 'log', kind: 'Pod', verbs: ['get'] },
      { name: 'exec', kind: 'PodExecOptions', verbs: ['create', 'get'] },
      { name: 'attach', kind: 'PodAttachOptions', verbs: ['create', 'get'] },
      { name: 'portforward', kind: 'PodPortForwardOptions', verbs: ['create', 'get'] },
    ],
  }),
  stored('', 'services', 'Service', true, {
    shortNames: ['svc'],
    categories: ['all'],
    subresources: [statusOf('Service')],
  }),
  stored('', 'configmaps', 'ConfigMap', true, { shortNames: ['cm'] }),
  stored('', 'secrets', 'Secret', true),
  stored('', 'serviceaccounts', 'ServiceAccount', true, { shortNames: ['sa'] }),
  stored('', 'events', 'Event', true, { shortNames: ['ev'] }),
  stored('apps', 'deployments', 'Deployment', true, {
    shortNames: ['deploy'],
    categories: ['all'],
    subresources: [statusOf('Deployment'), scaleOf],
  }),
  stored('apps', 'replicasets', 'ReplicaSet', true, {
    shortNames: ['rs'],
    categories: ['all'],
    subresources: [statusOf('ReplicaSet'), scaleOf],
  }),
  stored(rbac, 'roles', 'Role', true),
  stored(rbac, 'rolebindings', 'RoleBinding', true),
  stored(rbac, 'clusterroles', 'ClusterRole', false),
  stored(rbac, 'clusterrolebindings', 'ClusterRoleBinding', false),
  review('authentication.k8s.io', 'selfsubjectreviews', 'SelfSubjectReview'),
  review('authorization.k8s.io', 'selfsubjectaccessreviews', 'SelfSubjectAccessReview'),
  review('authorization.k8s.io', 'selfsubjectrulesreviews', 'SelfSubjectRulesReview'),
  review('authorization.k8s.io', 'subjectaccessreviews', 'SubjectAccessReview'),
];

export function groupVersionOf(type: Pick<ResourceType, 'group' | 'version'>): string {
  return type.group === '' ? type.version : `${type.group}/${type.version}`;
}

/** `group/resource` with an empty group for the core API: the storage key of a kind. */
export function typeKey(type: Pick<ResourceType, 'group' | 'resource'>): string {
  return `${type.group}/${type.resource}`;
}

/** Served group versions in discovery order (core first). */
export function servedGroupVersions(): Array<{ group: string; version: string }> {
  const seen = new Map<string, { group: string; version: string }>();
  for (const type of servedResources)
    seen.set(groupVersionOf(type), { group: type.group, version: type.version });
  return [...seen.values()];
}

export function resourcesIn(group: string, version: string): ResourceType[] {
  return servedResources.filter((type) => type.group === group && type.version === version);
}

export function findByResource(group: string, version: string, resource: string): ResourceType | undefined {
  return servedResources.find((t) => t.group === group && t.version === version && t.resource === resource);
}

export function findByKind(apiVersion: string, kind: string): ResourceType | undefined {
  return servedResources.find((type) => groupVersionOf(type) === apiVersion && type.kind === kind);
}

/**
 * Resolves what a test names a kind by: plural, singular, kind, short name, optionally qualified with
 * its group (`deployments.apps`).
 */
export function resolveResourceName(name: string): ResourceType | undefined {
  const lower = name.toLowerCase();
  const [head = '', ...groupParts] = lower.split('.');
  const group = groupParts.join('.');
  return servedResources.find(
    (type) =>
      (groupParts.length === 0 || type.group === group) &&
      (type.resource === head || type.singular === head || type.shortNames.includes(head)),
  );
}
