import type { AuthorizationAttributes } from '@tether/kube';
import type { PolicyRule } from './rbac-objects.js';
import { ruleAllows } from './rule-matching.js';

function rule(partial: Partial<PolicyRule>): PolicyRule {
  return { verbs: [], apiGroups: [], resources: [], resourceNames: [], nonResourceURLs: [], ...partial };
}

function request(partial: Partial<AuthorizationAttributes>): AuthorizationAttributes {
  return {
    verb: 'get',
    apiGroup: '',
    resource: 'pods',
    subresource: '',
    namespace: 'ns',
    name: 'p',
    isResourceRequest: true,
    path: '/api/v1/namespaces/ns/pods/p',
    ...partial,
  };
}

const pods = { apiGroups: [''], resources: ['pods'] };

describe('ruleAllows', () => {
  it.each<[string, Partial<PolicyRule>, Partial<AuthorizationAttributes>, boolean]>([
    ['exact verb', { verbs: ['get'], ...pods }, {}, true],
    ['other verb', { verbs: ['list'], ...pods }, {}, false],
    ['verb *', { verbs: ['*'], ...pods }, { verb: 'deletecollection' }, true],
    ['verbs are case-sensitive', { verbs: ['GET'], ...pods }, {}, false],
    [
      'apiGroup exact',
      { verbs: ['get'], apiGroups: ['apps'], resources: ['deployments'] },
      { apiGroup: 'apps', resource: 'deployments' },
      true,
    ],
    ['apiGroup "" is only the core group', { verbs: ['get'], ...pods }, { apiGroup: 'apps' }, false],
    [
      'apiGroup *',
      { verbs: ['get'], apiGroups: ['*'], resources: ['pods'] },
      { apiGroup: 'metrics.k8s.io' },
      true,
    ],
    ['no apiGroups matches nothing', { verbs: ['get'], resources: ['pods'] }, {}, false],
    ['resource *', { verbs: ['get'], apiGroups: [''], resources: ['*'] }, { resource: 'secrets' }, true],
    [
      'resource * covers subresources',
      { verbs: ['create'], apiGroups: [''], resources: ['*'] },
      { verb: 'create', subresource: 'exec' },
      true,
    ],
    [
      'resource does not cover its subresources',
      { verbs: ['create'], ...pods },
      { verb: 'create', subresource: 'exec' },
      false,
    ],
    [
      'res/sub',
      { verbs: ['create'], apiGroups: [''], resources: ['pods/exec'] },
      { verb: 'create', subresource: 'exec' },
      true,
    ],
    ['res/sub is not the resource', { verbs: ['get'], apiGroups: [''], resources: ['pods/log'] }, {}, false],
    [
      'res/sub is not another sub',
      { verbs: ['get'], apiGroups: [''], resources: ['pods/log'] },
      { subresource: 'exec' },
      false,
    ],
    [
      '*/sub',
      { verbs: ['get'], apiGroups: ['*'], resources: ['*/scale'] },
      { apiGroup: 'apps', resource: 'deployments', subresource: 'scale' },
      true,
    ],
    [
      '*/sub not the parent',
      { verbs: ['get'], apiGroups: ['*'], resources: ['*/scale'] },
      { resource: 'deployments' },
      false,
    ],
    [
      '*/sub suffix only',
      { verbs: ['get'], apiGroups: ['*'], resources: ['*/scale'] },
      { subresource: 'rescale' },
      false,
    ],
    [
      'res/* is not a wildcard',
      { verbs: ['create'], apiGroups: [''], resources: ['pods/*'] },
      { verb: 'create', subresource: 'exec' },
      false,
    ],
    [
      'extra key as subresource',
      {
        verbs: ['impersonate'],
        apiGroups: ['authentication.k8s.io'],
        resources: ['userextras/acme.com/project'],
      },
      {
        verb: 'impersonate',
        apiGroup: 'authentication.k8s.io',
        resource: 'userextras',
        subresource: 'acme.com/project',
        name: 'x',
        namespace: '',
      },
      true,
    ],
    ['resourceNames match', { verbs: ['get'], ...pods, resourceNames: ['p'] }, {}, true],
    ['resourceNames other name', { verbs: ['get'], ...pods, resourceNames: ['q'] }, {}, false],
    [
      'resourceNames never match a list',
      { verbs: ['list'], ...pods, resourceNames: ['p'] },
      { verb: 'list', name: '' },
      false,
    ],
    [
      'resourceNames never match a create',
      { verbs: ['create'], ...pods, resourceNames: ['p'] },
      { verb: 'create', name: '' },
      false,
    ],
    [
      'resource rule does not grant a path',
      { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
      { isResourceRequest: false, path: '/healthz' },
      false,
    ],
    [
      'nonResourceURL exact',
      { verbs: ['get'], nonResourceURLs: ['/healthz'] },
      { isResourceRequest: false, path: '/healthz' },
      true,
    ],
    [
      'nonResourceURL exact is exact',
      { verbs: ['get'], nonResourceURLs: ['/healthz'] },
      { isResourceRequest: false, path: '/healthz/etcd' },
      false,
    ],
    [
      'nonResourceURL prefix*',
      { verbs: ['get'], nonResourceURLs: ['/healthz/*'] },
      { isResourceRequest: false, path: '/healthz/etcd' },
      true,
    ],
    [
      'nonResourceURL prefix* not the bare prefix',
      { verbs: ['get'], nonResourceURLs: ['/healthz/*'] },
      { isResourceRequest: false, path: '/healthz' },
      false,
    ],
    [
      'nonResourceURL prefix without slash',
      { verbs: ['get'], nonResourceURLs: ['/api*'] },
      { isResourceRequest: false, path: '/apis' },
      true,
    ],
    [
      'nonResourceURL *',
      { verbs: ['get'], nonResourceURLs: ['*'] },
      { isResourceRequest: false, path: '/anything' },
      true,
    ],
    [
      'nonResourceURL verb',
      { verbs: ['get'], nonResourceURLs: ['*'] },
      { isResourceRequest: false, verb: 'post', path: '/logs' },
      false,
    ],
    ['path rule does not grant a resource', { verbs: ['*'], nonResourceURLs: ['*'] }, {}, false],
  ])('%s → %s', (_name, r, attrs, allowed) => {
    expect(ruleAllows(request(attrs), rule(r))).toBe(allowed);
  });
});
