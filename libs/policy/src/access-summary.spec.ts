import { DEV_EAST, DEV_WEST, PROD_EU, policyFrom } from './testing/policy-fixtures.js';

const policy = policyFrom(`
- name: everyone-discovery
  allow: { verb: get, resource: '', path: { glob: '/api*' } }
- name: admins-everywhere
  allow: { groups: platform-admins }
- name: developers-read-dev-west
  allow: { groups: developers, cluster: dev-west, verb: [get, list, watch] }
- name: developers-web-dev-east
  allow: { groups: developers, cluster: dev-east, namespace: web }
- name: alice-on-prod
  allow: { user: alice, clusterLabels: { env: prod }, verb: get }
- name: no-prod-deletes
  deny: { clusterLabels: { env: prod }, verb: delete }
`);

const developer = { username: 'bob', groups: ['developers'] };

describe('Policy.summarize', () => {
  it('lists the allow rules written for the person on that cluster, with what they still require', () => {
    expect(policy.summarize(developer, DEV_WEST)).toBe(
      'rules: everyone-discovery (get, with further conditions); developers-read-dev-west (get, list, watch)',
    );
    expect(policy.summarize(developer, DEV_EAST)).toContain(
      'developers-web-dev-east (all verbs in namespace web)',
    );
    expect(policy.summarize(developer, DEV_EAST)).not.toContain('developers-read-dev-west');
  });

  it('says a rule with nothing left to require allows all verbs', () => {
    expect(policy.summarize({ username: 'root', groups: ['platform-admins'] }, DEV_EAST)).toContain(
      'admins-everywhere (all verbs)',
    );
  });

  it('matches people by user name and clusters by label, and names deny rules that may apply', () => {
    const line = policy.summarize({ username: 'alice', groups: [] }, PROD_EU);
    expect(line).toContain('alice-on-prod (get)');
    expect(line).toMatch(/except as denied by no-prod-deletes$/);
    expect(policy.summarize({ username: 'mallory', groups: [] }, PROD_EU)).not.toContain('alice-on-prod');
  });

  it('ignores identity-provider groups the policy reserves for itself', () => {
    const line = policyFrom(`- name: masters\n  allow: { groups: 'system:masters' }`).summarize(
      { username: 'eve', groups: ['system:masters'] },
      DEV_EAST,
    );
    expect(line).toBe('no access');
  });

  it('judges identity and cluster criteria nested in and/or/not/nor, and only flags the rest', () => {
    const nested = policyFrom(`
- name: discovery
  allow:
    verb: get
    and:
      - or: [{ groups: admins }, { groups: developers, cluster: dev-west }]
      - or: [{ path: /version }, { path: /api }]
- name: not-contractors
  allow: { verb: list, not: { groups: contractors } }
- name: nor-prod
  allow: { verb: watch, nor: [{ clusterLabels: { env: prod } }, { resource: secrets }] }
`);
    expect(nested.summarize(developer, DEV_WEST)).toBe(
      'rules: discovery (get, with further conditions); not-contractors (list); nor-prod (watch, with further conditions)',
    );
    expect(nested.summarize(developer, DEV_EAST)).toBe(
      'rules: not-contractors (list); nor-prod (watch, with further conditions)',
    );
    expect(nested.summarize({ username: 'c', groups: ['contractors'] }, PROD_EU)).toBe('no access');
  });

  it('says "no access" when no allow rule can apply', () => {
    const strict = policyFrom(`- name: admins\n  allow: { groups: platform-admins }`);
    expect(strict.summarize(developer, DEV_WEST)).toBe('no access');
  });
});
