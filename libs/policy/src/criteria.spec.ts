import { allowIf, DEV_EAST, input, PROD_EU, type InputOverrides } from './testing/policy-fixtures.js';

// Each row: a one-criterion condition, an input it must allow, and one it must not.
const criteria: [criterion: string, condition: string, matching: InputOverrides, other: InputOverrides][] = [
  ['user', 'user: alice', { user: { username: 'alice' } }, { user: { username: 'bob' } }],
  [
    'email',
    'email: alice@acme.com',
    { user: { email: 'alice@acme.com' } },
    { user: { email: 'bob@acme.com' } },
  ],
  ['email without one', 'email: { ends_with: "@acme.com" }', {}, { user: { email: undefined } }],
  [
    'email, any case',
    'email: Alice@ACME.com',
    { user: { email: 'ALICE@acme.COM' } },
    { user: { email: 'a@acme.com' } },
  ],
  [
    'email domain',
    'emailDomain: acme.com',
    { user: { email: 'x@ACME.com' } },
    { user: { email: 'x@evil.com' } },
  ],
  [
    'email domain is the part after the last @',
    'emailDomain: acme.com',
    { user: { email: 'a@evil.com@acme.com' } },
    { user: { email: 'a@acme.com@evil.com' } },
  ],
  ['groups (any group)', 'groups: ops', { user: { groups: ['dev', 'ops'] } }, { user: { groups: ['dev'] } }],
  ['groups, none at all', 'groups: { glob: "*" }', { user: { groups: ['x'] } }, { user: { groups: [] } }],
  [
    'claims (string)',
    'claims: { department: platform }',
    { user: { claims: { department: 'platform' } } },
    { user: { claims: { department: 'sales' } } },
  ],
  [
    'claims (boolean)',
    'claims: { email_verified: true }',
    { user: { claims: { email_verified: true } } },
    { user: { claims: { email_verified: false } } },
  ],
  [
    'claims (number)',
    'claims: { level: { in: [3, 4] } }',
    { user: { claims: { level: 4 } } },
    { user: { claims: { level: 2 } } },
  ],
  [
    'claims (list: any element)',
    'claims: { roles: admin }',
    { user: { claims: { roles: ['viewer', 'admin'] } } },
    { user: { claims: { roles: ['viewer'] } } },
  ],
  [
    'claims, every claim listed must match',
    'claims: { a: "1", b: "2" }',
    { user: { claims: { a: '1', b: '2' } } },
    { user: { claims: { a: '1' } } },
  ],
  [
    'claims with a URL name',
    'claims: { "https://acme.com/team": payments }',
    { user: { claims: { 'https://acme.com/team': 'payments' } } },
    { user: { claims: {} } },
  ],
  [
    'claims, objects never match',
    'claims: { org: { contains: a } }',
    { user: { claims: { org: 'a' } } },
    { user: { claims: { org: { a: 'a' } } } },
  ],
  ['cluster name', 'cluster: dev-east', { cluster: DEV_EAST }, { cluster: PROD_EU }],
  ['cluster labels', 'clusterLabels: { env: dev }', { cluster: DEV_EAST }, { cluster: PROD_EU }],
  [
    'cluster labels, all must match',
    'clusterLabels: { env: dev, region: us }',
    { cluster: { name: 'x', labels: { env: 'dev', region: 'us' } } },
    { cluster: DEV_EAST },
  ],
  [
    'cluster label missing',
    'clusterLabels: { tier: { glob: "*" } }',
    { cluster: { name: 'x', labels: { tier: '' } } },
    { cluster: DEV_EAST },
  ],
  [
    'namespace',
    'namespace: team-a',
    { request: { namespace: 'team-a' } },
    { request: { namespace: 'team-b' } },
  ],
  [
    'namespace "" is cluster scope',
    'namespace: ""',
    { request: { namespace: '' } },
    { request: { namespace: 'a' } },
  ],
  ['verb', 'verb: [get, list]', { request: { verb: 'list' } }, { request: { verb: 'delete' } }],
  ['API group', 'apiGroup: apps', { request: { apiGroup: 'apps' } }, { request: { apiGroup: '' } }],
  ['core API group', 'apiGroup: ""', { request: { apiGroup: '' } }, { request: { apiGroup: 'apps' } }],
  ['resource', 'resource: secrets', { request: { resource: 'secrets' } }, { request: { resource: 'pods' } }],
  [
    'subresource',
    'subresource: exec',
    { request: { subresource: 'exec' } },
    { request: { subresource: 'log' } },
  ],
  ['resource name', 'resourceName: web-0', { request: { name: 'web-0' } }, { request: { name: 'web-1' } }],
  ['path', 'path: { starts_with: /apis }', { request: { path: '/apis' } }, { request: { path: '/version' } }],
  [
    'time',
    'time: { days: wed, timeZone: UTC }',
    { now: new Date('2026-11-25T23:59:00Z') },
    { now: new Date('2026-11-26T00:00:00Z') },
  ],
];

describe('criteria', () => {
  it.each(criteria)('%s', (_name, condition, matching, other) => {
    const policy = allowIf(condition);
    expect(policy.evaluate(input(matching)).allowed).toBe(true);
    expect(policy.evaluate(input(other)).allowed).toBe(false);
  });

  // Kubernetes reserves system: groups (system:masters is cluster-admin); an IdP must not be able to claim them.
  it('ignores system: groups from the identity provider', () => {
    const policy = allowIf('groups: system:masters');
    expect(policy.evaluate(input({ user: { groups: ['system:masters'] } }))).toMatchObject({
      allowed: false,
    });
  });
});

// Each row: a matcher on the namespace, namespaces it accepts, namespaces it refuses.
const matchers: [matcher: string, accepts: string[], refuses: string[]][] = [
  ['team-a', ['team-a'], ['team-ab', 'Team-a', '']],
  ['{ is: team-a }', ['team-a'], ['team-a ']],
  ['{ starts_with: team- }', ['team-', 'team-a'], ['a-team-', 'tea']],
  ['{ ends_with: -prod }', ['a-prod', '-prod'], ['a-prod-1']],
  ['{ contains: pay }', ['payments', 'x-pay-y'], ['p-a-y']],
  ['[a, b]', ['a', 'b'], ['c', 'ab']],
  ['{ in: [a, b] }', ['a', 'b'], ['c']],
  [
    '{ glob: "team-*-prod" }',
    ['team-a-prod', 'team--prod', 'team-a-b-prod'],
    ['team-a-prod-1', 'xteam-a-prod'],
  ],
  ['{ glob: "team-?" }', ['team-a'], ['team-', 'team-ab']],
  ['{ glob: "a.b+(c)" }', ['a.b+(c)'], ['axb+(c)', 'a.bb(c)']],
  ['{ glob: "*" }', ['', 'anything/at all'], []],
  ['"dev-${user}"', ['dev-alice'], ['dev-bob', 'dev-']],
  ['{ starts_with: "${claims.team}-" }', ['payments-api'], ['search-api', '-api']],
  ['{ in: [shared, "${email.local}"] }', ['shared', 'alice'], ['bob']],
  ['"${cluster}-ops"', ['dev-east-ops'], ['dev-west-ops']],
  ['"${cluster.labels.region}-apps"', ['eu-apps'], ['us-apps']],
  ['"${email.domain}"', ['acme.com'], ['alice']],
];

describe('string matchers', () => {
  it.each(matchers)('namespace: %s', (matcher, accepts, refuses) => {
    const policy = allowIf(`namespace: ${matcher}`);
    const claims = { team: 'payments' };
    for (const namespace of accepts) {
      expect(policy.evaluate(input({ user: { claims }, request: { namespace } })).allowed, namespace).toBe(
        true,
      );
    }
    for (const namespace of refuses) {
      expect(policy.evaluate(input({ user: { claims }, request: { namespace } })).allowed, namespace).toBe(
        false,
      );
    }
  });

  // A reference the identity cannot fill must not shrink to "" and match a shorter value.
  it.each([
    ['dev-${claims.team}', 'dev-'],
    ['${email.local}', ''],
  ])('treats %s as unavailable when the identity lacks the value', (template, namespace) => {
    const policy = allowIf(`namespace: "${template}"`);
    expect(
      policy.evaluate(input({ user: { email: undefined, claims: {} }, request: { namespace } })).allowed,
    ).toBe(false);
  });
});
