// The default ClusterRoles and ClusterRoleBindings of a fresh cluster that matter to Tether
// (plugin/pkg/auth/authorizer/rbac/bootstrappolicy). admin/edit/view are written out as their
// aggregated result, trimmed to the resources the simulator serves.
import type { KubeObject } from '@tether/kube';
import { ALL_AUTHENTICATED_GROUP, ALL_UNAUTHENTICATED_GROUP, PRIVILEGED_GROUP } from './user-info.js';

interface Rule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

const READ = ['get', 'list', 'watch'];
const WRITE = ['create', 'delete', 'deletecollection', 'patch', 'update'];
const HEALTH_URLS = ['/livez', '/readyz', '/healthz', '/version', '/version/'];

const r = (verbs: string[], apiGroups: string[], resources: string[]): Rule => ({
  verbs,
  apiGroups,
  resources,
});

const VIEW_RULES: Rule[] = [
  r(
    READ,
    [''],
    [
      'configmaps',
      'endpoints',
      'persistentvolumeclaims',
      'persistentvolumeclaims/status',
      'pods',
      'pods/log',
      'pods/status',
      'replicationcontrollers',
      'replicationcontrollers/scale',
      'replicationcontrollers/status',
      'serviceaccounts',
      'services',
      'services/status',
      'bindings',
      'events',
      'limitranges',
      'namespaces/status',
      'resourcequotas',
      'resourcequotas/status',
    ],
  ),
  r(READ, [''], ['namespaces']),
  r(READ, ['discovery.k8s.io'], ['endpointslices']),
  r(
    READ,
    ['apps'],
    [
      'controllerrevisions',
      'daemonsets',
      'daemonsets/status',
      'deployments',
      'deployments/scale',
      'deployments/status',
      'replicasets',
      'replicasets/scale',
      'replicasets/status',
      'statefulsets',
      'statefulsets/scale',
      'statefulsets/status',
    ],
  ),
  r(READ, ['autoscaling'], ['horizontalpodautoscalers', 'horizontalpodautoscalers/status']),
  r(READ, ['batch'], ['cronjobs', 'cronjobs/status', 'jobs', 'jobs/status']),
  r(READ, ['networking.k8s.io'], ['ingresses', 'ingresses/status', 'networkpolicies']),
  r(READ, ['policy'], ['poddisruptionbudgets', 'poddisruptionbudgets/status']),
];

const EDIT_RULES: Rule[] = [
  ...VIEW_RULES,
  r(READ, [''], ['pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy', 'secrets', 'services/proxy']),
  r(['impersonate'], [''], ['serviceaccounts']),
  r(WRITE, [''], ['pods', 'pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy']),
  r(['create'], [''], ['pods/eviction']),
  r(
    WRITE,
    [''],
    [
      'configmaps',
      'events',
      'persistentvolumeclaims',
      'replicationcontrollers',
      'replicationcontrollers/scale',
      'secrets',
      'serviceaccounts',
      'services',
      'services/proxy',
    ],
  ),
  r(['create'], [''], ['serviceaccounts/token']),
  r(
    WRITE,
    ['apps'],
    [
      'daemonsets',
      'deployments',
      'deployments/rollback',
      'deployments/scale',
      'replicasets',
      'replicasets/scale',
      'statefulsets',
      'statefulsets/scale',
    ],
  ),
  r(WRITE, ['autoscaling'], ['horizontalpodautoscalers']),
  r(WRITE, ['batch'], ['cronjobs', 'jobs']),
  r(WRITE, ['networking.k8s.io'], ['ingresses', 'networkpolicies']),
  r(WRITE, ['policy'], ['poddisruptionbudgets']),
  r(WRITE, ['coordination.k8s.io'], ['leases']),
  r(READ, ['coordination.k8s.io'], ['leases']),
];

const ADMIN_RULES: Rule[] = [
  ...EDIT_RULES,
  r(['create'], ['authorization.k8s.io'], ['localsubjectaccessreviews']),
  r([...READ, ...WRITE], ['rbac.authorization.k8s.io'], ['rolebindings', 'roles']),
];

function clusterRole(name: string, rules: Rule[], extraLabels: Record<string, string> = {}): KubeObject {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: {
      name,
      labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults', ...extraLabels },
      annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'true' },
    },
    rules: structuredClone(rules),
  };
}

function clusterRoleBinding(name: string, role: string, groups: string[]): KubeObject {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: {
      name,
      labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' },
      annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'true' },
    },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
    subjects: groups.map((group) => ({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: group })),
  };
}

/** Fresh copies on every call, so a test that edits them cannot leak into another. */
export function bootstrapRbacObjects(): KubeObject[] {
  const userFacing = { 'kubernetes.io/bootstrapping': 'rbac-defaults' };
  return [
    clusterRole('cluster-admin', [
      { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
      { verbs: ['*'], nonResourceURLs: ['*'] },
    ]),
    clusterRole('admin', ADMIN_RULES, userFacing),
    clusterRole('edit', EDIT_RULES, {
      ...userFacing,
      'rbac.authorization.k8s.io/aggregate-to-admin': 'true',
    }),
    clusterRole('view', VIEW_RULES, { ...userFacing, 'rbac.authorization.k8s.io/aggregate-to-edit': 'true' }),
    clusterRole('system:discovery', [
      {
        verbs: ['get'],
        nonResourceURLs: [...HEALTH_URLS, '/openapi', '/openapi/*', '/api', '/api/*', '/apis', '/apis/*'],
      },
    ]),
    clusterRole('system:basic-user', [
      {
        verbs: ['create'],
        apiGroups: ['authorization.k8s.io'],
        resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'],
      },
      { verbs: ['create'], apiGroups: ['authentication.k8s.io'], resources: ['selfsubjectreviews'] },
    ]),
    clusterRole('system:public-info-viewer', [{ verbs: ['get'], nonResourceURLs: HEALTH_URLS }]),
    clusterRoleBinding('cluster-admin', 'cluster-admin', [PRIVILEGED_GROUP]),
    clusterRoleBinding('system:discovery', 'system:discovery', [ALL_AUTHENTICATED_GROUP]),
    clusterRoleBinding('system:basic-user', 'system:basic-user', [ALL_AUTHENTICATED_GROUP]),
    clusterRoleBinding('system:public-info-viewer', 'system:public-info-viewer', [
      ALL_AUTHENTICATED_GROUP,
      ALL_UNAUTHENTICATED_GROUP,
    ]),
  ];
}
