import { DEV_EAST, input, policyFrom, PROD_EU, WEDNESDAY_NOON } from './testing/policy-fixtures.js';
import type { ActiveGrant } from './policy-input.js';

const RULES = `
- name: break-glass
  allow: { groups: "tether:break-glass" }
- name: sre-read
  allow: { groups: sre, verb: [get, list, watch] }
`;
const ROLES = `
impersonation:
  mappings:
    - name: break-glass-is-admin
      when: { groups: "tether:break-glass" }
      groups: [system:masters]
roles:
  - name: break-glass
    description: Emergency access to production
    groups: ["tether:break-glass"]
    clusters: { clusterLabels: { env: prod } }
    requesters: { groups: sre }
    approvers: [sre-leads]
    maxDuration: 1h
    selfApproval: true
  - name: db-admin
    groups: [db-admins]
    clusters: { cluster: [prod-eu] }
    approvers: [dba-leads]
    maxDuration: 4h30m
`;
const policy = policyFrom(RULES, ROLES);
const bob = { username: 'bob', email: 'bob@acme.com', groups: ['sre'] };
const inMinutes = (minutes: number) => new Date(WEDNESDAY_NOON.getTime() + minutes * 60_000);
const deleteOnProd = (grants: ActiveGrant[], now = WEDNESDAY_NOON) =>
  policy.evaluate(input({ user: bob, cluster: PROD_EU, request: { verb: 'delete' }, grants, now }));
const breakGlass = (overrides: Partial<ActiveGrant> = {}): ActiveGrant => ({
  role: 'break-glass',
  cluster: 'prod-eu',
  expiresAt: inMinutes(30),
  ...overrides,
});

describe('just-in-time grants', () => {
  it('add the role’s groups for rules and for what the cluster sees', () => {
    expect(deleteOnProd([breakGlass()])).toEqual({
      allowed: true,
      rule: 'break-glass',
      impersonate: { user: 'bob', groups: ['sre', 'tether:break-glass', 'system:masters'], extra: {} },
    });
  });

  it.each([
    ['without a grant', []],
    ['after the grant expired', [breakGlass({ expiresAt: inMinutes(-1) })]],
    ['at the instant it expires', [breakGlass({ expiresAt: WEDNESDAY_NOON })]],
    ['for a grant on another cluster', [breakGlass({ cluster: 'dev-east' })]],
    ['for a role the policy no longer has', [breakGlass({ role: 'retired-role' })]],
    ['for an unusable expiry', [breakGlass({ expiresAt: new Date('garbage') })]],
  ])('do nothing %s', (_name, grants) => {
    expect(deleteOnProd(grants as ActiveGrant[]).allowed).toBe(false);
  });

  it('cannot be faked by an identity-provider group named like a granted one', () => {
    const impostor = { ...bob, groups: ['sre', 'tether:break-glass'] };
    const decision = policy.evaluate(
      input({ user: impostor, cluster: PROD_EU, request: { verb: 'delete' } }),
    );
    expect(decision.allowed).toBe(false);
  });

  it('count until the expiry passes', () => {
    const grants = [breakGlass({ expiresAt: inMinutes(10) })];
    expect(deleteOnProd(grants, inMinutes(9)).allowed).toBe(true);
    expect(deleteOnProd(grants, inMinutes(10)).allowed).toBe(false);
  });

  // A grant stored for a cluster the role no longer covers (policy edited since) stops working.
  it('do nothing on a cluster the role does not cover', () => {
    const grant = { role: 'break-glass', cluster: 'dev-east', expiresAt: inMinutes(30) };
    const decision = policy.evaluate(
      input({ user: bob, cluster: DEV_EAST, request: { verb: 'delete' }, grants: [grant] }),
    );
    expect(decision.allowed).toBe(false);
  });

  it('are listed by grantedGroups and explain', () => {
    const grants = [breakGlass(), { role: 'db-admin', cluster: 'prod-eu', expiresAt: inMinutes(5) }];
    expect(policy.grantedGroups(bob, PROD_EU, grants, WEDNESDAY_NOON)).toEqual([
      'tether:break-glass',
      'db-admins',
    ]);
    expect(policy.explain(input({ user: bob, cluster: PROD_EU, grants })).grantedGroups).toEqual([
      'tether:break-glass',
      'db-admins',
    ]);
  });
});

describe('JIT roles', () => {
  const breakGlassRole = policy.roles.get('break-glass')!;
  const dbAdmin = policy.roles.get('db-admin')!;

  it('expose what the policy says about them', () => {
    expect(policy.roles.list().map((role) => role.name)).toEqual(['break-glass', 'db-admin']);
    expect(breakGlassRole).toMatchObject({
      name: 'break-glass',
      description: 'Emergency access to production',
      groups: ['tether:break-glass'],
      approverGroups: ['sre-leads'],
      maxDurationMs: 3_600_000,
      selfApproval: true,
      reasonRequired: true,
    });
    expect(dbAdmin).toMatchObject({ maxDurationMs: 16_200_000, selfApproval: false, reasonRequired: false });
  });

  it.each([
    ['an approver group member', { username: 'carol', groups: ['sre-leads'] }, 'bob', true],
    ['someone outside the approver groups', { username: 'dave', groups: ['sre'] }, 'bob', false],
    ['the requester, for a self-approvable role', { username: 'bob', groups: ['sre'] }, 'bob', true],
  ])('break-glass may be approved by %s: %s', (_name, approver, requester, expected) => {
    expect(breakGlassRole.mayApprove(approver, requester)).toBe(expected);
  });

  it('may not be approved by the requester when self-approval is off, even one in an approver group', () => {
    expect(dbAdmin.mayApprove({ username: 'erin', groups: ['dba-leads'] }, 'erin')).toBe(false);
  });

  it.each([
    ['a valid request', { user: bob, cluster: PROD_EU, durationMs: 3_600_000, reason: 'INC-42' }, undefined],
    [
      'a cluster the role does not cover',
      { user: bob, cluster: DEV_EAST, durationMs: 60_000, reason: 'x' },
      "role 'break-glass' does not apply to cluster 'dev-east'",
    ],
    [
      'someone who may not request it',
      { user: { username: 'mallory', groups: ['sales'] }, cluster: PROD_EU, durationMs: 60_000, reason: 'x' },
      "you may not request role 'break-glass'",
    ],
    [
      'too long',
      { user: bob, cluster: PROD_EU, durationMs: 3_600_001, reason: 'x' },
      "role 'break-glass' is granted for at most 1h",
    ],
    [
      'no reason for break-glass',
      { user: bob, cluster: PROD_EU, durationMs: 60_000, reason: '  ' },
      "role 'break-glass' requires a reason",
    ],
  ])('checks an access request: %s', (_name, request, problem) => {
    expect(breakGlassRole.requestProblem(request)).toBe(problem);
  });
});
