import { requestAttributesFromUrl } from '@tether/kube';
import { evaluatePolicy } from './evaluate-policy.js';
import { DEV_EAST, DEV_WEST, input, policyFrom } from './testing/policy-fixtures.js';

const RULES = `
- name: developers-read
  allow:
    groups: developers
    cluster: dev-west
    verb: [get, list, watch]
- name: admins
  allow:
    groups: platform-admins
- name: developers-own-namespace
  allow:
    groups: developers
    cluster: dev-east
    namespace: dev-\${user}
- name: no-secrets-for-contractors
  deny:
    groups: contractors
    resource: secrets
- name: no-kube-system-deletes
  reason: kube-system is managed by the platform team
  deny:
    namespace: kube-system
    verb: delete
`;
const policy = policyFrom(RULES);

describe('Policy.evaluate', () => {
  it('allows with the first matching allow rule and says which', () => {
    const decision = policy.evaluate(input({ cluster: DEV_WEST, request: { verb: 'list' } }));
    expect(decision).toMatchObject({ allowed: true, rule: 'developers-read' });
  });

  it('decides on the request attributes the broker derives from a kubectl URL', () => {
    const attributes = requestAttributesFromUrl('DELETE', '/api/v1/namespaces/dev-alice/pods/web-0');
    const decision = policy.evaluate({ ...input({ cluster: DEV_EAST }), request: attributes });
    expect(decision).toMatchObject({ allowed: true, rule: 'developers-own-namespace' });
    const watch = requestAttributesFromUrl('GET', '/api/v1/namespaces/default/pods?watch=1');
    expect(policy.evaluate({ ...input({ cluster: DEV_WEST }), request: watch })).toMatchObject({
      allowed: true,
      rule: 'developers-read',
    });
  });

  it('reports the first matching allow rule in file order when several match', () => {
    const both = { groups: ['developers', 'platform-admins'] };
    expect(policy.evaluate(input({ user: both, cluster: DEV_WEST }))).toMatchObject({
      rule: 'developers-read',
    });
  });

  // deny wins: an admin who may do everything still cannot delete in kube-system
  it.each([
    [{ groups: ['platform-admins'] }, { namespace: 'kube-system', verb: 'delete' }, 'no-kube-system-deletes'],
    [{ groups: ['platform-admins', 'contractors'] }, { resource: 'secrets' }, 'no-secrets-for-contractors'],
  ])('denies %j doing %j though an allow rule matches', (user, request, rule) => {
    const decision = policy.evaluate(input({ user, request }));
    expect(decision.allowed).toBe(false);
    expect(decision.rule).toBe(rule);
  });

  it('says which deny rule denied, with its reason', () => {
    const decision = policy.evaluate(
      input({ user: { groups: ['platform-admins'] }, request: { namespace: 'kube-system', verb: 'delete' } }),
    );
    expect(decision).toEqual({
      allowed: false,
      rule: 'no-kube-system-deletes',
      reason: "denied by rule 'no-kube-system-deletes': kube-system is managed by the platform team",
    });
  });

  it('without a reason, names the deny rule alone', () => {
    const decision = policy.evaluate(
      input({ user: { groups: ['contractors', 'platform-admins'] }, request: { resource: 'secrets' } }),
    );
    expect(decision).toEqual({
      allowed: false,
      rule: 'no-secrets-for-contractors',
      reason: "denied by rule 'no-secrets-for-contractors'",
    });
  });

  it.each([
    [
      'the rule written for the person that missed only the verb',
      input({ cluster: DEV_WEST, request: { verb: 'delete' } }),
      "no allow rule matched; closest: 'developers-read' (verb delete not in [get, list, watch])",
    ],
    [
      'a templated namespace, with the value the identity gave',
      input({ cluster: DEV_EAST, request: { namespace: 'dev-bob' } }),
      "no allow rule matched; closest: 'developers-own-namespace' (namespace dev-bob is not dev-${user} [dev-alice])",
    ],
    [
      'a rule for other people when none is written for this person',
      input({ user: { groups: ['sales'] }, cluster: DEV_WEST }),
      "no allow rule matched; closest: 'developers-read' (no group is developers (groups: [sales]))",
    ],
  ])('explains a denial no rule caused with the closest allow rule: %s', (_name, request, reason) => {
    expect(policy.evaluate(request)).toEqual({ allowed: false, reason });
  });

  it('denies everything when the policy has no allow rules', () => {
    const denyOnly = policyFrom('- name: d\n  deny: { verb: delete }');
    expect(denyOnly.evaluate(input())).toEqual({
      allowed: false,
      reason: 'no allow rule matched (the policy has no allow rules)',
    });
  });

  it('fails closed on malformed input instead of throwing', () => {
    const broken = { ...input(), user: { username: 'alice', groups: null } } as unknown as Parameters<
      typeof policy.evaluate
    >[0];
    const decision = policy.evaluate(broken);
    expect(decision.allowed).toBe(false);
    expect(decision).toHaveProperty('reason', expect.stringMatching(/^policy evaluation failed: /));
  });

  it('sees a cluster’s labels change under the same name', () => {
    const byLabel = policyFrom('- name: dev\n  allow: { clusterLabels: { env: dev } }');
    const labels: Record<string, string> = { env: 'dev' };
    const cluster = { name: 'c1', labels };
    expect(byLabel.evaluate(input({ cluster })).allowed).toBe(true);
    expect(byLabel.evaluate(input({ cluster: { name: 'c1', labels: { env: 'prod' } } })).allowed).toBe(false);
    expect(byLabel.evaluate(input({ cluster: { name: 'c1', labels: { env: 'dev' } } })).allowed).toBe(true);
  });
});

describe('Policy.explain', () => {
  it('lists every rule in file order with why it did or did not match', () => {
    const explanation = policy.explain(
      input({
        user: { groups: ['developers'] },
        cluster: DEV_WEST,
        request: { verb: 'delete', namespace: 'kube-system' },
      }),
    );
    expect(explanation.decision).toMatchObject({ allowed: false, rule: 'no-kube-system-deletes' });
    expect(explanation.rules).toEqual([
      {
        name: 'developers-read',
        effect: 'allow',
        matched: false,
        failures: ['verb delete not in [get, list, watch]'],
      },
      {
        name: 'admins',
        effect: 'allow',
        matched: false,
        failures: ['no group is platform-admins (groups: [developers])'],
      },
      {
        name: 'developers-own-namespace',
        effect: 'allow',
        matched: false,
        failures: [
          'cluster dev-west is not dev-east',
          'namespace kube-system is not dev-${user} [dev-alice]',
        ],
      },
      {
        name: 'no-secrets-for-contractors',
        effect: 'deny',
        matched: false,
        failures: ['resource pods is not secrets', 'no group is contractors (groups: [developers])'],
      },
      { name: 'no-kube-system-deletes', effect: 'deny', matched: true, failures: [] },
    ]);
  });

  it('describes failed not and nor conditions', () => {
    const rules = policyFrom(
      '- name: r\n  allow:\n    not: { verb: delete }\n    nor: [{ resource: secrets }, { namespace: kube-system }]',
    );
    const explanation = rules.explain(input({ request: { verb: 'delete', resource: 'secrets' } }));
    expect(explanation.rules[0].failures).toEqual([
      'verb is delete (excluded by not)',
      'resource is secrets (excluded by nor)',
    ]);
  });
});

describe('evaluatePolicy', () => {
  it('fails closed without a policy, saying why', () => {
    expect(evaluatePolicy(undefined, input(), 'cannot read /etc/tether/policy.yaml')).toEqual({
      allowed: false,
      reason: 'no policy is loaded, so every request is denied (cannot read /etc/tether/policy.yaml)',
    });
  });

  it('decides with the policy when there is one', () => {
    expect(evaluatePolicy(policy, input({ cluster: DEV_WEST })).allowed).toBe(true);
  });
});
