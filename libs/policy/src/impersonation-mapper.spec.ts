import { DEV_EAST, input, policyFrom, PROD_EU, type InputOverrides } from './testing/policy-fixtures.js';

const ALLOW_ALL = '- name: all\n  allow: { verb: { glob: "*" } }';

function impersonate(impersonation: string, overrides: InputOverrides = {}) {
  return policyFrom(ALLOW_ALL, `impersonation:\n${impersonation.replace(/^/gm, '  ')}`).evaluate(
    input(overrides),
  );
}

describe('impersonation', () => {
  it('by default passes the user name and identity-provider groups through', () => {
    const decision = policyFrom(ALLOW_ALL).evaluate(input({ user: { groups: ['developers', 'qa'] } }));
    expect(decision).toEqual({
      allowed: true,
      rule: 'all',
      impersonate: { user: 'alice', groups: ['developers', 'qa'], extra: {} },
    });
  });

  const platformAdmins = `
user: "oidc:\${email}"
groups: { prefix: "oidc:" }
extra:
  tether.dev/idp-user: ["\${user}"]
mappings:
  - name: masters-on-dev
    when:
      groups: platform-admins
      clusterLabels: { env: dev }
    groups: [system:masters]
    extra:
      tether.dev/mapped: [masters-on-dev]
`;

  it.each([
    [
      'dev cluster: platform-admins also become system:masters',
      DEV_EAST,
      ['oidc:platform-admins', 'system:masters'],
      { 'tether.dev/idp-user': ['alice'], 'tether.dev/mapped': ['masters-on-dev'] },
    ],
    [
      'prod cluster: no mapping applies',
      PROD_EU,
      ['oidc:platform-admins'],
      { 'tether.dev/idp-user': ['alice'] },
    ],
  ])('maps per cluster label — %s', (_name, cluster, groups, extra) => {
    const decision = impersonate(platformAdmins, { cluster, user: { groups: ['platform-admins'] } });
    expect(decision).toEqual({
      allowed: true,
      rule: 'all',
      impersonate: { user: 'oidc:alice@acme.com', groups, extra },
    });
  });

  it('lets a mapping replace the user name and drop group passthrough', () => {
    const decision = impersonate(
      'groups: { passthrough: false }\nmappings:\n  - name: m\n    when: { cluster: dev-east }\n    user: "dev:${email.local}"',
    );
    expect(decision).toMatchObject({ impersonate: { user: 'dev:alice', groups: [] } });
  });

  it('never passes system: groups from the identity provider', () => {
    const decision = impersonate('groups: { passthrough: true }', {
      user: { groups: ['system:masters', 'dev'] },
    });
    expect(decision).toMatchObject({ impersonate: { groups: ['dev'] } });
  });

  // An IdP account named like a service account must not become one on the cluster.
  it('refuses to impersonate a reserved user name that came from the identity', () => {
    const decision = impersonate('user: "${user}"', {
      user: { username: 'system:serviceaccount:kube-system:admin' },
    });
    expect(decision).toEqual({
      allowed: false,
      rule: 'all',
      reason:
        "allowed by rule 'all', but refusing to impersonate the reserved Kubernetes user 'system:serviceaccount:kube-system:admin'",
    });
  });

  it('allows a reserved user name the policy itself writes', () => {
    const decision = impersonate('user: "system:tether:${user}"');
    expect(decision).toMatchObject({ allowed: true, impersonate: { user: 'system:tether:alice' } });
  });

  it('denies when the user name needs a value the identity lacks', () => {
    const decision = impersonate('user: "${email}"', { user: { email: undefined } });
    expect(decision).toEqual({
      allowed: false,
      rule: 'all',
      reason:
        "allowed by rule 'all', but the Kubernetes user '${email}' needs a value this identity does not have",
    });
  });

  it('leaves out extra values the identity cannot fill', () => {
    const decision = impersonate('extra:\n  acme.com/team: ["${claims.team}", fixed]', {
      user: { claims: {} },
    });
    expect(decision).toMatchObject({ impersonate: { extra: { 'acme.com/team': ['fixed'] } } });
  });

  it.each([
    ['user name', { username: 'alice\r\nImpersonate-Group: system:masters' }],
    ['group', { groups: ['dev\nx'] }],
    ['extra value', { claims: { team: 'a\0b' } }],
  ])('denies an identity whose %s holds CR, LF or NUL', (_name, user) => {
    const decision = impersonate('extra:\n  acme.com/team: ["${claims.team}"]', { user });
    expect(decision).toMatchObject({
      allowed: false,
      reason: "allowed by rule 'all', but the identity contains CR, LF or NUL and cannot be impersonated",
    });
  });

  it('adds each group once', () => {
    const decision = impersonate(
      'mappings:\n  - name: m\n    when: { groups: dev }\n    groups: [dev, ops, ops]',
      {
        user: { groups: ['dev'] },
      },
    );
    expect(decision).toMatchObject({ impersonate: { groups: ['dev', 'ops'] } });
  });
});
