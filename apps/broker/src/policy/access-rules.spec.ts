import { requestAttributesFromUrl } from '@tether/kube';
import type { AccessRule } from '@tether/config';
import { decideAccess } from './access-rules';

const rules: AccessRule[] = [
  {
    name: 'admins-everywhere',
    groups: ['platform-admins'],
    clusters: ['*'],
    verbs: ['*'],
    impersonateGroups: ['system:masters'],
  },
  {
    name: 'developers-read-west',
    groups: ['developers'],
    clusters: ['dev-west'],
    verbs: ['get', 'list', 'watch'],
  },
  {
    name: 'developers-web-east',
    groups: ['developers'],
    clusters: ['dev-east'],
    verbs: ['*'],
    namespaces: ['web'],
  },
];

const attrs = (method: string, path: string) => requestAttributesFromUrl(method, path);
const bob = { username: 'bob', groups: ['developers'] };

describe('decideAccess', () => {
  it('allows by group, cluster and verb, naming the rule and the groups to impersonate', () => {
    expect(
      decideAccess(
        rules,
        { username: 'alice', groups: ['platform-admins'] },
        'prod',
        attrs('DELETE', '/api/v1/namespaces/x/pods/p'),
      ),
    ).toEqual({
      allowed: true,
      rule: 'admins-everywhere',
      impersonateGroups: ['system:masters'],
    });
    expect(decideAccess(rules, bob, 'dev-west', attrs('GET', '/api/v1/pods'))).toMatchObject({
      allowed: true,
      rule: 'developers-read-west',
      impersonateGroups: ['developers'],
    });
  });

  it('denies what no rule allows, saying why', () => {
    const decision = decideAccess(rules, bob, 'dev-west', attrs('DELETE', '/api/v1/namespaces/web/pods/p'));
    expect(decision).toEqual({
      allowed: false,
      reason: expect.stringContaining('delete on cluster "dev-west"'),
    });
  });

  it('confines namespace-scoped rules to their namespaces, and never to cluster-wide requests', () => {
    expect(
      decideAccess(rules, bob, 'dev-east', attrs('DELETE', '/api/v1/namespaces/web/pods/p')).allowed,
    ).toBe(true);
    expect(
      decideAccess(rules, bob, 'dev-east', attrs('DELETE', '/api/v1/namespaces/payments/pods/p')).allowed,
    ).toBe(false);
    expect(decideAccess(rules, bob, 'dev-east', attrs('GET', '/api/v1/pods')).allowed).toBe(false);
    expect(decideAccess(rules, bob, 'dev-east', attrs('GET', '/apis')).allowed).toBe(true);
  });

  it('lets anyone with access to a cluster ask who they are and what they may do there, and nothing more', () => {
    const review = attrs('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews');
    expect(decideAccess(rules, bob, 'dev-east', review)).toMatchObject({
      allowed: true,
      rule: 'developers-web-east',
    });
    expect(decideAccess(rules, bob, 'prod', review).allowed).toBe(false);
    expect(
      decideAccess(
        rules,
        bob,
        'dev-east',
        attrs('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews'),
      ).allowed,
    ).toBe(false);
  });

  it('denies people with no matching group and unknown clusters', () => {
    expect(
      decideAccess(rules, { username: 'eve', groups: [] }, 'dev-west', attrs('GET', '/api/v1/pods')).allowed,
    ).toBe(false);
    expect(decideAccess(rules, bob, 'prod', attrs('GET', '/api/v1/pods')).allowed).toBe(false);
  });
});
