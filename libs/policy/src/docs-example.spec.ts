/** The complete example in docs/policy.md must parse and behave as its table says. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePolicy } from './parse-policy.js';
import { DEV_WEST, input, PROD_EU, request } from './testing/policy-fixtures.js';

function examplePolicyText(): string {
  const doc = readFileSync(join(__dirname, '../../../docs/policy.md'), 'utf8');
  const start = doc.indexOf('```yaml', doc.indexOf('<!-- example-policy'));
  return doc.slice(start + '```yaml'.length, doc.indexOf('```', start + 1));
}

const policy = parsePolicy(examplePolicyText());
const DEV_EAST = { name: 'dev-east', labels: { env: 'dev' } };
const SATURDAY_NOON = new Date('2026-11-28T12:00:00Z');
const alice = { username: 'alice', email: 'alice@acme.com', groups: ['developers'] };
const root = { username: 'root', email: 'root@acme.com', groups: ['platform-admins'] };
const audrey = { username: 'audrey', email: 'audrey@acme.com', groups: ['auditors'] };
const bob = { username: 'bob', email: 'bob@acme.com', groups: ['sre'] };

describe('the example policy in docs/policy.md', () => {
  it('lets developers read on dev-west as themselves', () => {
    expect(policy.evaluate(input({ user: alice, cluster: DEV_WEST }))).toEqual({
      allowed: true,
      rule: 'developers-read-dev-west',
      impersonate: {
        user: 'alice@acme.com',
        groups: ['oidc:developers'],
        extra: { 'tether.dev/idp-user': ['alice'] },
      },
    });
  });

  it.each([
    [
      'delete on dev-west',
      input({ user: alice, cluster: DEV_WEST, request: { verb: 'delete' } }),
      "no allow rule matched; closest: 'developers-read-dev-west' (verb delete not in [get, list, watch])",
    ],
    [
      "someone else's namespace on dev-east",
      input({ user: alice, cluster: DEV_EAST, request: { namespace: 'dev-bob' } }),
      "no allow rule matched; closest: 'developers-own-namespace-dev-east' (namespace dev-bob is not dev-${user} [dev-alice])",
    ],
  ])('denies developers %s, explaining the closest rule', (_name, request, reason) => {
    expect(policy.evaluate(request)).toEqual({ allowed: false, reason });
  });

  it('gives developers everything in their own namespace on dev-east', () => {
    const request = input({
      user: alice,
      cluster: DEV_EAST,
      request: { verb: 'delete', namespace: 'dev-alice' },
    });
    expect(policy.evaluate(request)).toMatchObject({
      allowed: true,
      rule: 'developers-own-namespace-dev-east',
    });
  });

  it('lets anyone read discovery', () => {
    const discovery = request({
      resource: '',
      namespace: '',
      name: '',
      path: '/apis',
      isResourceRequest: false,
    });
    const someone = { username: 'x', email: 'x@acme.com', groups: [] };
    expect(policy.evaluate({ ...input({ user: someone }), request: discovery })).toMatchObject({
      allowed: true,
      rule: 'everyone-discovery',
    });
  });

  it('maps platform-admins to system:masters on dev clusters only', () => {
    expect(policy.evaluate(input({ user: root, cluster: DEV_EAST }))).toMatchObject({
      rule: 'admins-everywhere',
      impersonate: { groups: ['oidc:platform-admins', 'system:masters'] },
    });
    expect(policy.evaluate(input({ user: root, cluster: PROD_EU }))).toMatchObject({
      rule: 'admins-everywhere',
      impersonate: { groups: ['oidc:platform-admins'] },
    });
  });

  it('stops deletes in prod outside Berlin business hours, even for admins', () => {
    const del = { verb: 'delete' };
    expect(
      policy.evaluate(input({ user: root, cluster: PROD_EU, request: del, now: SATURDAY_NOON })),
    ).toEqual({
      allowed: false,
      rule: 'no-prod-deletes-after-hours',
      reason:
        "denied by rule 'no-prod-deletes-after-hours': deletes in production only Mon-Fri 09:00-18:00 Berlin time",
    });
    // Wednesday 08:30 UTC is 09:30 in Berlin.
    const wednesday = new Date('2026-11-25T08:30:00Z');
    expect(
      policy.evaluate(input({ user: root, cluster: PROD_EU, request: del, now: wednesday })).allowed,
    ).toBe(true);
  });

  it.each([
    ['read pods', { verb: 'list' }, true],
    ['read secrets', { verb: 'get', resource: 'secrets' }, false],
    ['exec into a pod', { verb: 'get', subresource: 'exec' }, false],
    ['delete pods', { verb: 'delete' }, false],
  ])('lets auditors %s: %s', (_name, req, allowed) => {
    expect(policy.evaluate(input({ user: audrey, cluster: PROD_EU, request: req })).allowed).toBe(allowed);
  });

  it('gives break-glass cluster-admin on prod, deletes on Saturday included, while the grant lasts', () => {
    const grant = {
      role: 'break-glass',
      cluster: 'prod-eu',
      expiresAt: new Date(SATURDAY_NOON.getTime() + 60_000),
    };
    const decision = policy.evaluate(
      input({
        user: bob,
        cluster: PROD_EU,
        request: { verb: 'delete' },
        now: SATURDAY_NOON,
        grants: [grant],
      }),
    );
    expect(decision).toEqual({
      allowed: true,
      rule: 'break-glass',
      impersonate: {
        user: 'bob@acme.com',
        groups: ['oidc:sre', 'tether:break-glass', 'system:masters'],
        extra: { 'tether.dev/idp-user': ['bob'] },
      },
    });
    const later = new Date(grant.expiresAt.getTime() + 1);
    const expired = policy.evaluate(
      input({ user: bob, cluster: PROD_EU, request: { verb: 'delete' }, now: later, grants: [grant] }),
    );
    expect(expired.allowed).toBe(false);
  });

  it('defines break-glass as a self-approvable role for SREs', () => {
    const role = policy.roles.get('break-glass')!;
    expect(
      role.requestProblem({ user: bob, cluster: PROD_EU, durationMs: 3_600_000, reason: 'INC-7' }),
    ).toBeUndefined();
    expect(role.requestProblem({ user: alice, cluster: PROD_EU, durationMs: 60_000, reason: 'x' })).toBe(
      "you may not request role 'break-glass'",
    );
    expect(role.mayApprove(bob, 'bob')).toBe(true);
  });
});
