import type { KubeObject } from '@tether/kube';
import { bootstrapRbacObjects } from './bootstrap-rbac-objects.js';
import { impersonate } from './impersonation.js';
import { RbacAuthorizer } from './rbac-authorizer.js';
import type { RbacResource } from './rbac-source.js';
import type { UserInfo } from './user-info.js';

const KINDS: Record<string, RbacResource> = {
  Role: 'roles',
  ClusterRole: 'clusterroles',
  RoleBinding: 'rolebindings',
  ClusterRoleBinding: 'clusterrolebindings',
};

const api = 'rbac.authorization.k8s.io/v1';
const AGENT = 'system:serviceaccount:tether:agent';

const objects: KubeObject[] = [
  ...bootstrapRbacObjects(),
  {
    apiVersion: api,
    kind: 'ClusterRole',
    metadata: { name: 'tether-impersonator' },
    rules: [
      {
        verbs: ['impersonate'],
        apiGroups: [''],
        resources: ['users'],
        resourceNames: ['alice', 'system:anonymous'],
      },
      {
        verbs: ['impersonate'],
        apiGroups: [''],
        resources: ['groups'],
        resourceNames: ['devs', 'a,b', 'system:unauthenticated'],
      },
      {
        verbs: ['impersonate'],
        apiGroups: ['authentication.k8s.io'],
        resources: ['uids'],
        resourceNames: ['uid-1'],
      },
      {
        verbs: ['impersonate'],
        apiGroups: ['authentication.k8s.io'],
        resources: ['userextras/acme.com/project'],
        resourceNames: ['p1'],
      },
      {
        verbs: ['impersonate'],
        apiGroups: ['authentication.k8s.io'],
        resources: ['userextras/tether.dev/request-id'],
      },
    ],
  },
  {
    apiVersion: api,
    kind: 'ClusterRoleBinding',
    metadata: { name: 'tether-agent' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'tether-impersonator' },
    subjects: [{ kind: 'ServiceAccount', name: 'agent', namespace: 'tether' }],
  },
  {
    apiVersion: api,
    kind: 'Role',
    metadata: { name: 'sa-impersonator', namespace: 'apps' },
    rules: [
      {
        verbs: ['impersonate'],
        apiGroups: [''],
        resources: ['serviceaccounts'],
        resourceNames: ['deployer'],
      },
    ],
  },
  {
    apiVersion: api,
    kind: 'RoleBinding',
    metadata: { name: 'agent-sa', namespace: 'apps' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'sa-impersonator' },
    subjects: [{ kind: 'ServiceAccount', name: 'agent', namespace: 'tether' }],
  },
  {
    apiVersion: api,
    kind: 'RoleBinding',
    metadata: { name: 'alice-view', namespace: 'apps' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
    subjects: [{ kind: 'User', name: 'alice' }],
  },
];

const authorizer = new RbacAuthorizer({
  list: (resource, namespace) =>
    objects.filter(
      (o) => KINDS[o.kind] === resource && (namespace === undefined || o.metadata.namespace === namespace),
    ),
});

const agent: UserInfo = {
  username: AGENT,
  uid: 'agent-uid',
  groups: ['system:serviceaccounts', 'system:serviceaccounts:tether', 'system:authenticated'],
  extra: { 'authentication.kubernetes.io/pod-name': ['agent-0'] },
};
const root: UserInfo = { username: 'root', groups: ['system:masters', 'system:authenticated'] };

function forbidden(resource: string, name: string, scope = 'at the cluster scope', group = ''): string {
  const qualified = group === '' ? resource.split('/')[0] : `${resource.split('/')[0]}.${group}`;
  return `${qualified} "${name}" is forbidden: User "${AGENT}" cannot impersonate resource "${resource}" in API group "${group}" ${scope}`;
}

describe('impersonate', () => {
  it.each<[string, Record<string, string[]>]>([
    ['no headers', {}],
    ['unrelated headers', { accept: ['application/json'], 'x-impersonate-user': ['bob'] }],
    ['an empty Impersonate-User line', { 'impersonate-user': [''] }],
  ])('%s: the requester is unchanged', (_name, headers) => {
    expect(impersonate(agent, headers, authorizer)).toEqual({ ok: true, user: agent });
  });

  describe('allowed', () => {
    it.each<[string, Record<string, string[]>, UserInfo]>([
      ['a user', { 'impersonate-user': ['alice'] }, { username: 'alice', groups: ['system:authenticated'] }],
      [
        'a user and a group',
        { 'impersonate-user': ['alice'], 'impersonate-group': ['devs'] },
        { username: 'alice', groups: ['devs', 'system:authenticated'] },
      ],
      [
        'a comma inside one group line is one group',
        { 'impersonate-user': ['alice'], 'impersonate-group': ['a,b'] },
        { username: 'alice', groups: ['a,b', 'system:authenticated'] },
      ],
      [
        'repeated group lines, in order',
        { 'impersonate-user': ['alice'], 'impersonate-group': ['a,b', 'devs'] },
        { username: 'alice', groups: ['a,b', 'devs', 'system:authenticated'] },
      ],
      [
        'system:unauthenticated asked for: system:authenticated is not added',
        { 'impersonate-user': ['alice'], 'impersonate-group': ['system:unauthenticated'] },
        { username: 'alice', groups: ['system:unauthenticated'] },
      ],
      [
        'header names in any case',
        { 'Impersonate-User': ['alice'], 'IMPERSONATE-GROUP': ['devs'], 'impersonate-uid': ['uid-1'] },
        { username: 'alice', uid: 'uid-1', groups: ['devs', 'system:authenticated'] },
      ],
      [
        'only the first Impersonate-User line counts',
        { 'impersonate-user': ['alice', 'bob'] },
        { username: 'alice', groups: ['system:authenticated'] },
      ],
      [
        'a uid',
        { 'impersonate-user': ['alice'], 'impersonate-uid': ['uid-1'] },
        { username: 'alice', uid: 'uid-1', groups: ['system:authenticated'] },
      ],
      [
        'an extra with a percent-encoded key, lower-cased first',
        { 'impersonate-user': ['alice'], 'Impersonate-Extra-Acme.com%2Fproject': ['p1'] },
        { username: 'alice', groups: ['system:authenticated'], extra: { 'acme.com/project': ['p1'] } },
      ],
      [
        'several values of an unrestricted extra key',
        { 'impersonate-user': ['alice'], 'impersonate-extra-tether.dev%2frequest-id': ['r1', 'r2'] },
        {
          username: 'alice',
          groups: ['system:authenticated'],
          extra: { 'tether.dev/request-id': ['r1', 'r2'] },
        },
      ],
      [
        'the same key spelled two ways merges',
        {
          'impersonate-user': ['alice'],
          'impersonate-extra-tether.dev%2frequest-id': ['r1'],
          'Impersonate-Extra-Tether.dev%2FRequest-Id': ['r2'],
        },
        {
          username: 'alice',
          groups: ['system:authenticated'],
          extra: { 'tether.dev/request-id': ['r1', 'r2'] },
        },
      ],
      [
        'a service account gets its groups',
        { 'impersonate-user': ['system:serviceaccount:apps:deployer'] },
        {
          username: 'system:serviceaccount:apps:deployer',
          groups: ['system:serviceaccounts', 'system:serviceaccounts:apps', 'system:authenticated'],
        },
      ],
      [
        'a service account with explicit groups gets only those',
        { 'impersonate-user': ['system:serviceaccount:apps:deployer'], 'impersonate-group': ['devs'] },
        { username: 'system:serviceaccount:apps:deployer', groups: ['devs', 'system:authenticated'] },
      ],
      [
        'anonymous gets system:unauthenticated',
        { 'impersonate-user': ['system:anonymous'] },
        { username: 'system:anonymous', groups: ['system:unauthenticated'] },
      ],
    ])('%s', (_name, headers, user) => {
      expect(impersonate(agent, headers, authorizer)).toEqual({ ok: true, user });
    });

    it('the requester keeps none of its own groups, uid or extra', () => {
      const result = impersonate(root, { 'impersonate-user': ['mallory'] }, authorizer);
      expect(result).toEqual({ ok: true, user: { username: 'mallory', groups: ['system:authenticated'] } });
    });

    it('an extra key named __proto__ is an ordinary key', () => {
      const result = impersonate(
        root,
        { 'impersonate-user': ['u'], 'impersonate-extra-__proto__': ['x'] },
        authorizer,
      );
      expect(result.ok).toBe(true);
      if (!result.ok) return;
      expect(Object.keys(result.user.extra ?? {})).toEqual(['__proto__']);
      expect(result.user.extra?.['__proto__']).toEqual(['x']);
      expect(JSON.stringify(result.user.extra)).toBe('{"__proto__":["x"]}');
    });

    it('the impersonated user is then authorized as itself', () => {
      const result = impersonate(agent, { 'impersonate-user': ['alice'] }, authorizer);
      if (!result.ok) throw new Error('expected impersonation to succeed');
      const get = {
        verb: 'get',
        apiGroup: '',
        resource: 'pods',
        subresource: '',
        name: 'p',
        isResourceRequest: true,
        path: '',
      };
      expect(authorizer.authorize(result.user, { ...get, namespace: 'apps' }).allowed).toBe(true);
      expect(authorizer.authorize(result.user, { ...get, namespace: 'tether' }).allowed).toBe(false);
    });
  });

  describe('forbidden: the first item refused is reported', () => {
    it.each<[string, Record<string, string[]>, string]>([
      ['another user', { 'impersonate-user': ['bob'] }, forbidden('users', 'bob')],
      [
        'a user on a later line is never looked at',
        { 'impersonate-user': ['bob', 'alice'] },
        forbidden('users', 'bob'),
      ],
      [
        'the user before the groups',
        { 'impersonate-user': ['bob'], 'impersonate-group': ['system:masters'] },
        forbidden('users', 'bob'),
      ],
      [
        'Impersonate-Group: system:masters without being allowed',
        { 'impersonate-user': ['alice'], 'impersonate-group': ['devs', 'system:masters'] },
        forbidden('groups', 'system:masters'),
      ],
      [
        'system:authenticated must be allowed too when asked for explicitly',
        { 'impersonate-user': ['alice'], 'impersonate-group': ['system:authenticated'] },
        forbidden('groups', 'system:authenticated'),
      ],
      [
        'one part of a comma group',
        { 'impersonate-user': ['alice'], 'impersonate-group': ['a'] },
        forbidden('groups', 'a'),
      ],
      [
        'a group line naming two allowed groups',
        { 'impersonate-user': ['alice'], 'impersonate-group': ['devs,a,b'] },
        forbidden('groups', 'devs,a,b'),
      ],
      [
        'another uid',
        { 'impersonate-user': ['alice'], 'impersonate-uid': ['uid-2'] },
        forbidden('uids', 'uid-2', undefined, 'authentication.k8s.io'),
      ],
      [
        'an extra value outside resourceNames',
        { 'impersonate-user': ['alice'], 'impersonate-extra-acme.com%2fproject': ['p1', 'p2'] },
        forbidden('userextras/acme.com/project', 'p2', undefined, 'authentication.k8s.io'),
      ],
      [
        'an extra key not listed',
        { 'impersonate-user': ['alice'], 'impersonate-extra-acme.com%2fteam': ['t'] },
        forbidden('userextras/acme.com/team', 't', undefined, 'authentication.k8s.io'),
      ],
      [
        'a double-encoded key is decoded once only',
        { 'impersonate-user': ['alice'], 'impersonate-extra-acme.com%252fproject': ['p1'] },
        forbidden('userextras/acme.com%2fproject', 'p1', undefined, 'authentication.k8s.io'),
      ],
      [
        'a malformed escape keeps the raw key',
        { 'impersonate-user': ['alice'], 'impersonate-extra-acme.com%2': ['p1'] },
        forbidden('userextras/acme.com%2', 'p1', undefined, 'authentication.k8s.io'),
      ],
      [
        'an extra key that is not UTF-8 keeps the raw key',
        { 'impersonate-user': ['alice'], 'impersonate-extra-acme.com%ff': ['p1'] },
        forbidden('userextras/acme.com%ff', 'p1', undefined, 'authentication.k8s.io'),
      ],
      [
        'a service account in another namespace',
        { 'impersonate-user': ['system:serviceaccount:other:deployer'] },
        forbidden('serviceaccounts', 'deployer', 'in the namespace "other"'),
      ],
      [
        'a malformed service account name is a user',
        { 'impersonate-user': ['system:serviceaccount:apps:deployer:x'] },
        forbidden('users', 'system:serviceaccount:apps:deployer:x'),
      ],
      [
        'an upper-case service account name is a user',
        { 'impersonate-user': ['system:serviceaccount:Apps:deployer'] },
        forbidden('users', 'system:serviceaccount:Apps:deployer'),
      ],
    ])('%s', (_name, headers, message) => {
      const result = impersonate(agent, headers, authorizer);
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.status).toMatchObject({
        kind: 'Status',
        status: 'Failure',
        code: 403,
        reason: 'Forbidden',
        message,
      });
    });

    it('names the refused item in details', () => {
      const result = impersonate(
        agent,
        { 'impersonate-user': ['alice'], 'impersonate-uid': ['uid-2'] },
        authorizer,
      );
      expect(result).toMatchObject({
        ok: false,
        status: { details: { name: 'uid-2', group: 'authentication.k8s.io', kind: 'uids' } },
      });
    });
  });

  describe('400 without a user', () => {
    it.each<[string, Record<string, string[]>]>([
      ['a group alone', { 'impersonate-group': ['devs'] }],
      ['system:masters alone', { 'impersonate-group': ['system:masters'] }],
      ['a uid alone', { 'impersonate-uid': ['uid-1'] }],
      ['an extra alone', { 'impersonate-extra-tether.dev%2frequest-id': ['r1'] }],
      ['an empty user line with a group', { 'impersonate-user': [''], 'impersonate-group': ['devs'] }],
      ['an empty group line alone', { 'impersonate-group': [''] }],
    ])('%s', (_name, headers) => {
      const result = impersonate(root, headers, authorizer);
      expect(result).toMatchObject({ ok: false, status: { code: 400, reason: 'BadRequest' } });
      if (!result.ok) expect(result.status.message).toMatch(/without impersonating a user$/);
    });
  });
});
