import { forbiddenStatus } from './forbidden-status.js';
import type { AuthorizationAttributes } from './request-attributes.js';
import {
  alreadyExistsStatus,
  badRequestStatus,
  conflictStatus,
  goneStatus,
  invalidStatus,
  methodNotAllowedStatus,
  notFoundStatus,
  statusFailure,
  unauthorizedStatus,
} from './status.js';

function attrs(overrides: Partial<AuthorizationAttributes>): AuthorizationAttributes {
  return {
    verb: 'get',
    apiGroup: '',
    resource: '',
    subresource: '',
    namespace: '',
    name: '',
    isResourceRequest: true,
    path: '',
    ...overrides,
  };
}

describe('Status bodies', () => {
  it('401 is byte for byte the body kubectl re-runs the credential plugin on', () => {
    expect(JSON.stringify(unauthorizedStatus())).toBe(
      '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}',
    );
  });

  it('keeps Go field order with details before code', () => {
    expect(Object.keys(statusFailure(500, 'InternalError', 'boom', { name: 'x' }))).toEqual([
      'kind',
      'apiVersion',
      'metadata',
      'status',
      'message',
      'reason',
      'details',
      'code',
    ]);
  });

  it.each([
    [
      notFoundStatus('pods', '', 'web'),
      404,
      'NotFound',
      'pods "web" not found',
      { name: 'web', kind: 'pods' },
    ],
    [
      notFoundStatus('deployments', 'apps', 'web'),
      404,
      'NotFound',
      'deployments.apps "web" not found',
      { name: 'web', group: 'apps', kind: 'deployments' },
    ],
    [
      alreadyExistsStatus('configmaps', '', 'cm'),
      409,
      'AlreadyExists',
      'configmaps "cm" already exists',
      { name: 'cm', kind: 'configmaps' },
    ],
    [
      conflictStatus('configmaps', '', 'cm'),
      409,
      'Conflict',
      'Operation cannot be fulfilled on configmaps "cm": the object has been modified; please apply your changes to the latest version and try again',
      { name: 'cm', kind: 'configmaps' },
    ],
    [
      invalidStatus('Pod', 'p', [
        { reason: 'FieldValueRequired', message: 'Required value', field: 'spec.containers' },
      ]),
      422,
      'Invalid',
      'Pod "p" is invalid: spec.containers: Required value',
      {
        name: 'p',
        kind: 'Pod',
        causes: [{ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.containers' }],
      },
    ],
    [
      invalidStatus(
        'Deployment',
        'd',
        [
          { reason: 'FieldValueRequired', message: 'Required value', field: 'spec.selector' },
          { reason: 'FieldValueInvalid', message: 'Invalid value: -1', field: 'spec.replicas' },
        ],
        'apps',
      ),
      422,
      'Invalid',
      'Deployment.apps "d" is invalid: [spec.selector: Required value, spec.replicas: Invalid value: -1]',
      expect.objectContaining({ group: 'apps', kind: 'Deployment' }),
    ],
    [badRequestStatus('bad body'), 400, 'BadRequest', 'bad body', undefined],
    [
      goneStatus('too old resource version: 1 (20)'),
      410,
      'Expired',
      'too old resource version: 1 (20)',
      undefined,
    ],
    [
      methodNotAllowedStatus(),
      405,
      'MethodNotAllowed',
      'the server does not allow this method on the requested resource',
      undefined,
    ],
  ])('%#: %s', (status, code, reason, message, details) => {
    expect(status).toMatchObject({
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      code,
      reason,
      message,
    });
    expect(status.details).toEqual(details);
  });
});

describe('forbiddenStatus', () => {
  it.each([
    [
      attrs({ resource: 'pods', name: 'x', namespace: 'ns' }),
      'bob',
      'pods "x" is forbidden: User "bob" cannot get resource "pods" in API group "" in the namespace "ns"',
      { name: 'x', kind: 'pods' },
    ],
    [
      attrs({ verb: 'list', resource: 'pods', namespace: 'ns' }),
      'bob',
      'pods is forbidden: User "bob" cannot list resource "pods" in API group "" in the namespace "ns"',
      { kind: 'pods' },
    ],
    [
      attrs({ verb: 'list', resource: 'nodes' }),
      'bob',
      'nodes is forbidden: User "bob" cannot list resource "nodes" in API group "" at the cluster scope',
      { kind: 'nodes' },
    ],
    [
      attrs({ verb: 'create', resource: 'pods', subresource: 'exec', name: 'p', namespace: 'ns' }),
      'bob',
      'pods "p" is forbidden: User "bob" cannot create resource "pods/exec" in API group "" in the namespace "ns"',
      { name: 'p', kind: 'pods' },
    ],
    [
      attrs({ verb: 'patch', apiGroup: 'apps', resource: 'deployments', name: 'web', namespace: 'ns' }),
      'alice',
      'deployments.apps "web" is forbidden: User "alice" cannot patch resource "deployments" in API group "apps" in the namespace "ns"',
      { name: 'web', group: 'apps', kind: 'deployments' },
    ],
    [
      attrs({ verb: 'impersonate', resource: 'users', name: 'alice' }),
      'system:serviceaccount:tether:agent',
      'users "alice" is forbidden: User "system:serviceaccount:tether:agent" cannot impersonate resource "users" in API group "" at the cluster scope',
      { name: 'alice', kind: 'users' },
    ],
    [
      attrs({ isResourceRequest: false, path: '/foo' }),
      'x',
      'forbidden: User "x" cannot get path "/foo"',
      {},
    ],
    [
      attrs({ isResourceRequest: false, verb: 'post', path: '/<script>&' }),
      'x',
      'forbidden: User "x" cannot post path "/&lt;script&gt;&amp;"',
      {},
    ],
    [
      attrs({ resource: 'pods', name: 'a"b', namespace: 'ns' }),
      'e"ve',
      'pods "a\\"b" is forbidden: User "e\\"ve" cannot get resource "pods" in API group "" in the namespace "ns"',
      { name: 'a"b', kind: 'pods' },
    ],
  ])('%#', (a, user, message, details) => {
    const status = forbiddenStatus(a, user);
    expect(status).toMatchObject({ code: 403, reason: 'Forbidden', status: 'Failure', message });
    expect(status.details).toEqual(details);
  });

  it('appends the authorizer reason after a colon', () => {
    const status = forbiddenStatus(
      attrs({ resource: 'pods', namespace: 'ns', verb: 'list' }),
      'bob',
      'RBAC: role.rbac.authorization.k8s.io "r" not found',
    );
    expect(status.message).toBe(
      'pods is forbidden: User "bob" cannot list resource "pods" in API group "" in the namespace "ns": RBAC: role.rbac.authorization.k8s.io "r" not found',
    );
  });
});
