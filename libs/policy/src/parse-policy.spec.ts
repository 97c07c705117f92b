import { formatIssue, PolicyError, type PolicyIssue } from './policy-error.js';
import { parsePolicy, tryParsePolicy } from './parse-policy.js';

const HEADER = 'apiVersion: policy.tether.dev/v1\nkind: Policy\n';

function issuesOf(source: string): string[] {
  const result = tryParsePolicy(source);
  if (result.ok) throw new Error('expected the policy to be rejected');
  expect(result.error.code).toBe('POLICY_INVALID');
  return result.error.issues.map(formatIssue);
}

describe('parsePolicy', () => {
  it('reports every problem at once, each with its path, line and column, in file order', () => {
    const source = [
      'apiVersion: policy.tether.dev/v2', // 1
      'kind: Policy', // 2
      'rules:', // 3
      '  - name: read', // 4
      '    allow:', // 5
      '      verb: { equals: get }', // 6
      '      grops: developers', // 7
      '  - name: read', // 8
      '    deny: {}', // 9
      '  - name: "has space"', // 10
      '    allow:', // 11
      '      time: { days: [mon, funday], hours: "25:00-26:00", timeZone: Mars/Olympus }', // 12
      '      namespace: dev-${nope}', // 13
      '      clusterLabels: { env: [] }', // 14
      'impersonation:', // 15
      '  extra:', // 16
      '    Acme.com/Team: [a]', // 17
      '  mappings:', // 18
      '    - name: m', // 19
      '      when: { verb: get }', // 20
      '      groups: [x]', // 21
      'roles:', // 22
      '  - name: r', // 23
      '    groups: []', // 24
      '    clusters: { groups: x }', // 25
      '    maxDuration: 1y', // 26
    ].join('\n');
    expect(issuesOf(source)).toEqual([
      'apiVersion (line 1, column 13): expected apiVersion: policy.tether.dev/v1',
      "rules[0].allow.verb.equals (line 6, column 15): unknown matcher 'equals'; use one of is, starts_with, ends_with, contains, in, glob",
      "rules[0].allow.grops (line 7, column 7): unknown criterion 'grops'; use user, email, emailDomain, groups, claims, cluster, clusterLabels, namespace, verb, apiGroup, resource, subresource, resourceName, path, time, and, or, not, nor",
      "rules[1].name (line 8, column 11): 'read' is already the name of rules[0]",
      'rules[1].deny (line 9, column 11): an empty condition would match everything; name at least one criterion',
      'rules[2].name (line 10, column 11): names are 1-100 letters, digits, ".", "_", ":" or "-", starting with a letter or digit',
      "rules[2].allow.time.days (line 12, column 21): 'funday' is not a day or day range; use sun, mon, tue, wed, thu, fri, sat or a range like mon-fri",
      "rules[2].allow.time.hours (line 12, column 43): '25:00-26:00' is not an hour range like 09:00-18:00 (24-hour clock, end may be 24:00)",
      "rules[2].allow.time.timeZone (line 12, column 68): 'Mars/Olympus' is not an IANA time zone name like Europe/Berlin",
      'rules[2].allow.namespace.is (line 13, column 18): unknown reference ${nope}; use one of ${user}, ${email}, ${email.local}, ${email.domain}, ${claims.NAME}, ${cluster}, ${cluster.labels.KEY}',
      'rules[2].allow.clusterLabels.env.in (line 14, column 29): needs at least one value',
      'impersonation.extra["Acme.com/Team"] (line 17, column 20): the API server lower-cases extra keys; write \'acme.com/team\'',
      "impersonation.mappings[0].when.verb (line 20, column 15): 'verb' cannot be used in a mapping's condition: what a cluster sees depends only on the identity and the cluster",
      'roles[0].groups (line 24, column 13): a role grants at least one group',
      "roles[0].clusters.groups (line 25, column 17): 'groups' cannot be used in a role's clusters: use cluster and clusterLabels",
      "roles[0].maxDuration (line 26, column 18): '1y' is not a duration like 30m, 8h or 1h30m",
    ]);
  });

  it.each([
    [
      'a rule with both allow and deny',
      '- name: r\n  allow: { verb: get }\n  deny: { verb: get }',
      'rules[0] (line 4, column 5): a rule has exactly one of allow or deny',
    ],
    [
      'a rule with neither',
      '- name: r',
      'rules[0] (line 4, column 5): a rule has exactly one of allow or deny',
    ],
    [
      'a reason on an allow rule',
      '- name: r\n  reason: x\n  allow: { verb: get }',
      'rules[0].reason (line 5, column 13): reason is shown on denials; it belongs to deny rules',
    ],
    [
      'a matcher with two kinds',
      '- name: r\n  allow: { verb: { is: a, in: [b] } }',
      'rules[0].allow.verb (line 5, column 20): a matcher has exactly one of is, starts_with, ends_with, contains, in, glob (found is, in)',
    ],
    [
      'a matcher of the wrong type',
      '- name: r\n  allow: { verb: null }',
      'rules[0].allow.verb (line 5, column 20): expected a string, a list of strings, or a matcher with one of is, starts_with, ends_with, contains, in, glob',
    ],
    [
      'a reference in a glob',
      '- name: r\n  allow: { namespace: { glob: "${user}-*" } }',
      'rules[0].allow.namespace.glob (line 5, column 33): this value cannot use ${...} references',
    ],
    [
      'an empty or',
      '- name: r\n  allow: { or: [] }',
      'rules[0].allow.or (line 5, column 18): needs at least one condition',
    ],
    [
      'a time window with neither days nor hours',
      '- name: r\n  allow: { time: { timeZone: UTC } }',
      'rules[0].allow.time.days (line 5, column 20): a time window needs days, hours or both',
    ],
    [
      'an empty hour range',
      '- name: r\n  allow: { time: { hours: "09:00-09:00" } }',
      "rules[0].allow.time.hours (line 5, column 29): '09:00-09:00' is empty; a whole day is 00:00-24:00",
    ],
    ['rules that are not a list', 'allow: x', 'rules (line 4, column 3): expected a list of rules'],
  ])('rejects %s', (_name, rules, expected) => {
    const indented = rules
      .split('\n')
      .map((line) => `  ${line}`)
      .join('\n');
    expect(issuesOf(`${HEADER}rules:\n${indented}\n`)).toEqual([expected]);
  });

  it.each([
    [
      'a role nobody could approve',
      'roles:\n  - name: r\n    groups: [g]\n    clusters: { cluster: c }\n    maxDuration: 1h',
      'roles[0].approvers (line 5, column 5): nobody could approve this role: list approvers (groups) or allow selfApproval',
    ],
    [
      'break-glass without a reason',
      'roles:\n  - name: r\n    groups: [g]\n    clusters: { cluster: c }\n    maxDuration: 1h\n    selfApproval: true\n    reasonRequired: false',
      'roles[0].reasonRequired (line 10, column 21): self-approved (break-glass) access must state a reason; remove reasonRequired: false',
    ],
    [
      'a mapping that changes nothing',
      'impersonation:\n  mappings:\n    - name: m\n      when: { groups: g }',
      'impersonation.mappings[0] (line 6, column 7): a mapping sets user, groups or extra',
    ],
    [
      'duplicate role names',
      'roles:\n  - { name: r, groups: [g], clusters: { cluster: c }, maxDuration: 1h, approvers: [a] }\n  - { name: r, groups: [g], clusters: { cluster: c }, maxDuration: 1h, approvers: [a] }',
      "roles[1].name (line 6, column 13): 'r' is already the name of roles[0]",
    ],
    [
      'a request criterion in a role’s requesters',
      'roles:\n  - { name: r, groups: [g], clusters: { cluster: c }, maxDuration: 1h, approvers: [a], requesters: { verb: get } }',
      "roles[0].requesters.verb (line 5, column 102): 'verb' cannot be used in a role's requesters: requesters are people, not requests",
    ],
    [
      'an unknown top-level key',
      'rule: []',
      "rule (line 4, column 1): unknown key 'rule' in a policy; expected apiVersion, kind, description, rules, impersonation, roles",
    ],
  ])('rejects %s', (_name, rest, expected) => {
    expect(issuesOf(`${HEADER}rules: []\n${rest}\n`)).toEqual([expected]);
  });

  it.each([
    ['broken YAML', 'rules: [1\nx: 2', '(yaml) (line 2, column 1):'],
    ['duplicate keys', 'kind: Policy\nkind: Policy', '(yaml) (line 2, column 1): Map keys must be unique'],
    ['an empty file', '', '(policy) (line 1, column 1): expected a policy (a mapping)'],
    ['two documents', 'kind: Policy\n---\nkind: Policy', '(yaml) (line 2, column 1):'],
  ])('reports %s with its position', (_name, source, expected) => {
    expect(issuesOf(source)[0].startsWith(expected)).toBe(true);
  });

  it('refuses alias bombs without expanding them', () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let level = 1; level < 12; level++) {
      lines.push(
        `${'b'.repeat(level)}: &${'b'.repeat(level)} [${Array(10)
          .fill(level === 1 ? '*a' : `*${'b'.repeat(level - 1)}`)
          .join(', ')}]`,
      );
    }
    expect(issuesOf(lines.join('\n'))[0]).toMatch(/^\(yaml\).*resource exhaustion/);
  });

  it('accepts anchors reused across many rules', () => {
    const rules = Array.from({ length: 300 }, (_, i) => `  - { name: r${i}, allow: { verb: *read } }`);
    rules[0] = '  - { name: r0, allow: { verb: &read [get, list] } }';
    const policy = parsePolicy(`${HEADER}rules:\n${rules.join('\n')}\n`);
    expect(policy.ruleNames).toHaveLength(300);
  });

  it('throws a PolicyError whose message lists the issues', () => {
    let error: unknown;
    try {
      parsePolicy(`${HEADER}rules: 5\n`);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(PolicyError);
    expect((error as PolicyError).message).toBe(
      'the policy is invalid:\n  rules (line 3, column 8): expected a list of rules',
    );
    expect((error as PolicyError).issues).toEqual<PolicyIssue[]>([
      { path: 'rules', line: 3, column: 8, message: 'expected a list of rules' },
    ]);
  });

  it('reads YAML numbers and booleans in matchers as the text written', () => {
    const policy = parsePolicy(
      `${HEADER}rules:\n  - { name: r, allow: { namespace: 2024, claims: { admin: true } } }\n`,
    );
    expect(policy.ruleNames).toEqual(['r']);
  });
});
