import { requestAttributesFromUrl, type AuthorizationAttributes, type KubeObject } from '@tether/kube';
import { bootstrapRbacObjects } from './bootstrap-rbac-objects.js';
import { RbacAuthorizer } from './rbac-authorizer.js';
import type { RbacResource, RbacSource } from './rbac-source.js';
import type { UserInfo } from './user-info.js';

const KINDS: Record<string, RbacResource> = {
  Role: 'roles',
  ClusterRole: 'clusterroles',
  RoleBinding: 'rolebindings',
  ClusterRoleBinding: 'clusterrolebindings',
};

/** Returns every object of a kind, ignoring the namespace, to prove the authorizer filters by itself. */
function sloppySource(objects: KubeObject[]): RbacSource {
  return { list: (resource) => objects.filter((o) => KINDS[o.kind] === resource) };
}

function exactSource(objects: KubeObject[]): RbacSource {
  return {
    list: (resource, namespace) =>
      objects.filter(
        (o) => KINDS[o.kind] === resource && (namespace === undefined || o.metadata.namespace === namespace),
      ),
  };
}

const api = 'rbac.authorization.k8s.io/v1';
const role = (
  kind: 'Role' | 'ClusterRole',
  name: string,
  rules: unknown[],
  namespace?: string,
): KubeObject => ({
  apiVersion: api,
  kind,
  metadata: namespace === undefined ? { name } : { name, namespace },
  rules,
});
const binding = (
  kind: 'RoleBinding' | 'ClusterRoleBinding',
  name: string,
  roleRef: { kind: string; name: string },
  subjects: unknown[],
  namespace?: string,
): KubeObject => ({
  apiVersion: api,
  kind,
  metadata: namespace === undefined ? { name } : { name, namespace },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', ...roleRef },
  subjects,
});

const objects: KubeObject[] = [
  ...bootstrapRbacObjects(),
  role(
    'Role',
    'pod-reader',
    [{ verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['pods'] }],
    'team-a',
  ),
  role('Role', 'pod-reader', [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }], 'team-b'),
  role('ClusterRole', 'secret-one', [
    { verbs: ['get', 'list'], apiGroups: [''], resources: ['secrets'], resourceNames: ['one'] },
  ]),
  role('ClusterRole', 'node-lister', [{ verbs: ['list'], apiGroups: [''], resources: ['nodes'] }]),
  role('ClusterRole', 'metrics', [{ verbs: ['get'], nonResourceURLs: ['/metrics', '/debug/*'] }]),
  binding(
    'RoleBinding',
    'alice-reads',
    { kind: 'Role', name: 'pod-reader' },
    [{ kind: 'User', name: 'alice' }],
    'team-a',
  ),
  binding(
    'RoleBinding',
    'ops-edit',
    { kind: 'ClusterRole', name: 'edit' },
    [{ kind: 'Group', name: 'ops' }],
    'team-a',
  ),
  binding(
    'RoleBinding',
    'sa-secret',
    { kind: 'ClusterRole', name: 'secret-one' },
    [{ kind: 'ServiceAccount', name: 'builder' }],
    'team-a',
  ),
  binding('ClusterRoleBinding', 'nodes', { kind: 'ClusterRole', name: 'node-lister' }, [
    { kind: 'ServiceAccount', name: 'agent', namespace: 'tether' },
    { kind: 'ServiceAccount', name: 'unqualified' },
  ]),
  binding('ClusterRoleBinding', 'metrics', { kind: 'ClusterRole', name: 'metrics' }, [
    { kind: 'User', name: 'prom' },
  ]),
  binding(
    'RoleBinding',
    'dangling',
    { kind: 'Role', name: 'missing' },
    [{ kind: 'User', name: 'carol' }],
    'team-c',
  ),
  binding('ClusterRoleBinding', 'dangling-cluster', { kind: 'ClusterRole', name: 'gone' }, [
    { kind: 'User', name: 'carol' },
  ]),
];

const user = (username: string, groups: string[] = ['system:authenticated']): UserInfo => ({
  username,
  groups,
});
const alice = user('alice');
const ops = user('olga', ['ops', 'system:authenticated']);
const builder = user('system:serviceaccount:team-a:builder', [
  'system:serviceaccounts',
  'system:serviceaccounts:team-a',
  'system:authenticated',
]);
const agent = user('system:serviceaccount:tether:agent');
const admin = user('root', ['system:masters', 'system:authenticated']);
const anonymous = user('system:anonymous', ['system:unauthenticated']);
const nobody = user('nobody', []);

function attrs(method: string, url: string): AuthorizationAttributes {
  return requestAttributesFromUrl(method, url);
}

describe.each([
  ['an exact source', exactSource(objects)],
  ['a source that ignores namespaces', sloppySource(objects)],
])('RbacAuthorizer with %s', (_name, source) => {
  const sut = new RbacAuthorizer(source);

  it.each<[string, UserInfo, string, string, boolean]>([
    ['Role via RoleBinding in its namespace', alice, 'GET', '/api/v1/namespaces/team-a/pods', true],
    [
      'RoleBinding grants nothing in another namespace',
      alice,
      'GET',
      '/api/v1/namespaces/team-b/pods',
      false,
    ],
    ['RoleBinding grants nothing cluster-wide', alice, 'GET', '/api/v1/pods', false],
    ['Role verbs are the limit', alice, 'DELETE', '/api/v1/namespaces/team-a/pods/p', false],
    ['Role resources are the limit', alice, 'GET', '/api/v1/namespaces/team-a/secrets', false],
    ['Role subresource not granted by resource', alice, 'GET', '/api/v1/namespaces/team-a/pods/p/log', false],
    ['RoleBinding → ClusterRole, Group subject', ops, 'POST', '/api/v1/namespaces/team-a/pods/p/exec', true],
    [
      'RoleBinding → ClusterRole stays in the namespace',
      ops,
      'POST',
      '/api/v1/namespaces/team-b/pods/p/exec',
      false,
    ],
    [
      'edit cannot write roles',
      ops,
      'POST',
      '/apis/rbac.authorization.k8s.io/v1/namespaces/team-a/roles',
      false,
    ],
    [
      'ServiceAccount subject defaults to binding namespace',
      builder,
      'GET',
      '/api/v1/namespaces/team-a/secrets/one',
      true,
    ],
    ['resourceNames: other name', builder, 'GET', '/api/v1/namespaces/team-a/secrets/two', false],
    ['resourceNames: list is not a get', builder, 'GET', '/api/v1/namespaces/team-a/secrets', false],
    [
      'resourceNames: fieldSelector names the object',
      builder,
      'GET',
      '/api/v1/namespaces/team-a/secrets?fieldSelector=metadata.name%3Done',
      true,
    ],
    ['ServiceAccount with namespace in a ClusterRoleBinding', agent, 'GET', '/api/v1/nodes', true],
    [
      'ServiceAccount without namespace in a ClusterRoleBinding matches nobody',
      user('system:serviceaccount::unqualified'),
      'GET',
      '/api/v1/nodes',
      false,
    ],
    ['User subject is exact', user('Alice'), 'GET', '/api/v1/namespaces/team-a/pods', false],
    [
      'a user named like a group is not in it',
      user('ops'),
      'POST',
      '/api/v1/namespaces/team-a/pods/p/exec',
      false,
    ],
    ['cluster-admin via system:masters', admin, 'DELETE', '/api/v1/namespaces/kube-system/secrets/x', true],
    ['cluster-admin paths', admin, 'GET', '/metrics', true],
    ['nonResourceURL exact', user('prom'), 'GET', '/metrics', true],
    ['nonResourceURL prefix', user('prom'), 'GET', '/debug/pprof/heap', true],
    ['nonResourceURL verb', user('prom'), 'POST', '/metrics', false],
    ['discovery for authenticated', alice, 'GET', '/apis/apps/v1', true],
    ['openapi for authenticated', alice, 'GET', '/openapi/v3/apis/apps/v1', true],
    [
      'self reviews for authenticated',
      alice,
      'POST',
      '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
      true,
    ],
    ['whoami for authenticated', alice, 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', true],
    ['version for anonymous', anonymous, 'GET', '/version', true],
    ['discovery not for anonymous', anonymous, 'GET', '/api', false],
    ['deny by default', nobody, 'GET', '/version', false],
    ['deny by default for resources', nobody, 'GET', '/api/v1/namespaces/team-a/pods', false],
    ['a dangling binding grants nothing', user('carol'), 'GET', '/api/v1/namespaces/team-c/pods', false],
  ])('%s', (_case, who, method, url, allowed) => {
    expect(sut.authorize(who, attrs(method, url)).allowed).toBe(allowed);
  });

  it.each<[UserInfo, string, string, string]>([
    [
      admin,
      'GET',
      '/api/v1/pods',
      'RBAC: allowed by ClusterRoleBinding "cluster-admin" of ClusterRole "cluster-admin" to Group "system:masters"',
    ],
    [
      alice,
      'GET',
      '/api/v1/namespaces/team-a/pods',
      'RBAC: allowed by RoleBinding "alice-reads/team-a" of Role "pod-reader" to User "alice"',
    ],
    [
      builder,
      'GET',
      '/api/v1/namespaces/team-a/secrets/one',
      'RBAC: allowed by RoleBinding "sa-secret/team-a" of ClusterRole "secret-one" to ServiceAccount "builder/team-a"',
    ],
    [
      agent,
      'GET',
      '/api/v1/nodes',
      'RBAC: allowed by ClusterRoleBinding "nodes" of ClusterRole "node-lister" to ServiceAccount "agent/tether"',
    ],
    [nobody, 'GET', '/version', ''],
    [
      user('carol'),
      'GET',
      '/api/v1/namespaces/team-c/pods',
      'RBAC: [clusterrole.rbac.authorization.k8s.io "gone" not found, role.rbac.authorization.k8s.io "missing" not found]',
    ],
  ])('reason for %j %s %s', (who, method, url, reason) => {
    expect(sut.authorize(who, attrs(method, url)).reason).toBe(reason);
  });

  it('a Role with the same name in another namespace is never used', () => {
    // team-b's pod-reader allows everything; alice's binding in team-a must resolve team-a's role.
    expect(sut.authorize(alice, attrs('DELETE', '/api/v1/namespaces/team-a/secrets/x')).allowed).toBe(false);
  });

  it('rulesFor lists cluster-wide and namespace rules, split by kind', () => {
    const rules = sut.rulesFor(alice, 'team-a');
    expect(rules.incomplete).toBe(false);
    expect(rules.resourceRules).toContainEqual({
      verbs: ['get', 'list', 'watch'],
      apiGroups: [''],
      resources: ['pods'],
    });
    expect(rules.resourceRules).toContainEqual({
      verbs: ['create'],
      apiGroups: ['authorization.k8s.io'],
      resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'],
    });
    expect(rules.nonResourceRules).toContainEqual({
      verbs: ['get'],
      nonResourceURLs: ['/livez', '/readyz', '/healthz', '/version', '/version/'],
    });
    expect(sut.rulesFor(alice, 'team-b').resourceRules).not.toContainEqual(
      expect.objectContaining({ resources: ['pods'] }),
    );
  });

  it('rulesFor keeps resourceNames and reports dangling bindings as incomplete', () => {
    expect(sut.rulesFor(builder, 'team-a').resourceRules).toContainEqual({
      verbs: ['get', 'list'],
      apiGroups: [''],
      resources: ['secrets'],
      resourceNames: ['one'],
    });
    const carol = sut.rulesFor(user('carol'), 'team-c');
    expect(carol.incomplete).toBe(true);
    expect(carol.evaluationError).toContain('role.rbac.authorization.k8s.io "missing" not found');
  });

  it('rulesFor a stranger is empty', () => {
    expect(sut.rulesFor(nobody, 'team-a')).toEqual({
      resourceRules: [],
      nonResourceRules: [],
      incomplete: false,
    });
  });
});

describe('RbacAuthorizer against malformed objects', () => {
  it.each<[string, KubeObject]>([
    ['rules not an array', role('ClusterRole', 'x', 'everything' as unknown as unknown[])],
    [
      'verbs not strings',
      role('ClusterRole', 'x', [{ verbs: [1, null], apiGroups: ['*'], resources: ['*'] }]),
    ],
    ['rule is null', role('ClusterRole', 'x', [null])],
  ])('%s grants nothing and does not throw', (_name, badRole) => {
    const sut = new RbacAuthorizer(
      exactSource([
        badRole,
        binding('ClusterRoleBinding', 'b', { kind: 'ClusterRole', name: 'x' }, [{ kind: 'User', name: 'u' }]),
      ]),
    );
    expect(sut.authorize(user('u'), attrs('GET', '/api/v1/pods'))).toEqual({ allowed: false, reason: '' });
  });

  it('bindings without subjects or roleRef grant nothing', () => {
    const broken: KubeObject = {
      apiVersion: api,
      kind: 'ClusterRoleBinding',
      metadata: { name: 'b' },
      subjects: 'u',
    };
    const sut = new RbacAuthorizer(exactSource([...bootstrapRbacObjects(), broken]));
    expect(sut.authorize(user('u', []), attrs('GET', '/api/v1/pods')).allowed).toBe(false);
  });

  it('a ClusterRoleBinding to a Role is reported missing, as the real resolver does', () => {
    const sut = new RbacAuthorizer(
      exactSource([
        role('Role', 'r', [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }], 'ns'),
        binding('ClusterRoleBinding', 'b', { kind: 'Role', name: 'r' }, [{ kind: 'User', name: 'u' }]),
      ]),
    );
    expect(sut.authorize(user('u'), attrs('GET', '/api/v1/namespaces/ns/pods'))).toEqual({
      allowed: false,
      reason: 'RBAC: role.rbac.authorization.k8s.io "r" not found',
    });
  });
});

describe('bootstrapRbacObjects', () => {
  it('returns fresh copies', () => {
    const first = bootstrapRbacObjects();
    (first[0]['rules'] as unknown[]).length = 0;
    expect((bootstrapRbacObjects()[0]['rules'] as unknown[]).length).toBe(2);
  });

  it.each([
    ['view reads pods', 'view', 'GET', '/api/v1/namespaces/ns/pods', true],
    ['view cannot read secrets', 'view', 'GET', '/api/v1/namespaces/ns/secrets/s', false],
    ['view cannot exec', 'view', 'POST', '/api/v1/namespaces/ns/pods/p/exec', false],
    ['edit reads secrets', 'edit', 'GET', '/api/v1/namespaces/ns/secrets/s', true],
    ['edit scales deployments', 'edit', 'PATCH', '/apis/apps/v1/namespaces/ns/deployments/d/scale', true],
    ['edit port-forwards', 'edit', 'POST', '/api/v1/namespaces/ns/pods/p/portforward', true],
    [
      'edit cannot grant roles',
      'edit',
      'POST',
      '/apis/rbac.authorization.k8s.io/v1/namespaces/ns/rolebindings',
      false,
    ],
    [
      'admin grants roles',
      'admin',
      'POST',
      '/apis/rbac.authorization.k8s.io/v1/namespaces/ns/rolebindings',
      true,
    ],
    ['admin cannot touch nodes', 'admin', 'GET', '/api/v1/nodes', false],
  ])('%s', (_name, clusterRole, method, url, allowed) => {
    const sut = new RbacAuthorizer(
      exactSource([
        ...bootstrapRbacObjects(),
        binding(
          'RoleBinding',
          'rb',
          { kind: 'ClusterRole', name: clusterRole },
          [{ kind: 'User', name: 'u' }],
          'ns',
        ),
      ]),
    );
    expect(sut.authorize(user('u'), attrs(method, url)).allowed).toBe(allowed);
  });
});
