import type { Policy } from './policy.js';
import type { PolicyInput } from './policy-input.js';
import { input, policyFrom } from './testing/policy-fixtures.js';

/** mulberry32, so a failure reproduces. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CLUSTERS = ['dev-a', 'dev-b', 'prod-a', 'prod-b'];
const VERBS = ['get', 'list', 'delete', 'create', 'escalate'];
const GROUPS = ['g1', 'g2', 'g3', 'g4'];
const NAMESPACES = ['ns-1', 'ns-2', 'kube-system', ''];

/** A random criterion, in the shapes the index treats specially (exact) and those it does not. */
function criterion(next: () => number): string {
  const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)];
  const criteria = [
    () => `cluster: ${pick(CLUSTERS)}`,
    () => `cluster: { glob: "${pick(['dev', 'prod'])}-*" }`,
    () => `clusterLabels: { env: ${pick(['dev', 'prod'])} }`,
    () => `verb: [${pick(VERBS)}, ${pick(VERBS)}]`,
    () => `verb: { starts_with: ${pick(['g', 'l', 'd', 'c'])} }`,
    () => `groups: ${pick(GROUPS)}`,
    () => `groups: [${pick(GROUPS)}, ${pick(GROUPS)}]`,
    () => `groups: { ends_with: "${pick(['1', '2'])}" }`,
    () => `namespace: "${pick(NAMESPACES)}"`,
    () => `cluster: "\${claims.home}"`,
    () => `or: [{ verb: ${pick(VERBS)} }, { groups: ${pick(GROUPS)} }]`,
    () => `not: { cluster: ${pick(CLUSTERS)} }`,
    () => `nor: [{ namespace: ${pick(NAMESPACES.slice(0, 3))} }, { verb: ${pick(VERBS)} }]`,
  ];
  return pick(criteria)();
}

function randomPolicy(next: () => number): Policy {
  const rules: string[] = [];
  for (let i = 0; i < 24; i++) {
    const effect = next() < 0.25 ? 'deny' : 'allow';
    const count = 2 + Math.floor(next() * 3);
    const parts = Array.from({ length: count }, () => criterion(next));
    // Repeated keys in one mapping are invalid YAML; nest them under and: instead.
    rules.push(
      `- name: r${i}\n  ${effect}:\n    and:\n${parts.map((part) => `      - { ${part} }`).join('\n')}`,
    );
  }
  return policyFrom(rules.join('\n'));
}

function randomInput(next: () => number): PolicyInput {
  const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)];
  const cluster = pick(CLUSTERS);
  return input({
    user: { groups: GROUPS.filter(() => next() < 0.4), claims: { home: pick(CLUSTERS) } },
    cluster: { name: cluster, labels: { env: cluster.split('-')[0] } },
    request: { verb: pick(VERBS), namespace: pick(NAMESPACES) },
  });
}

/** What the decision must be by definition: any deny rule wins, else the first allow rule in file order. */
function byDefinition(policy: Policy, request: PolicyInput): { allowed: boolean; rule?: string } {
  const rules = policy.explain(request).rules.filter((rule) => rule.matched);
  const deny = rules.find((rule) => rule.effect === 'deny');
  if (deny) return { allowed: false, rule: deny.name };
  const allow = rules.find((rule) => rule.effect === 'allow');
  return allow ? { allowed: true, rule: allow.name } : { allowed: false };
}

describe('the rule index', () => {
  it.each([1, 2, 3, 4, 5])('decides exactly as a plain scan of every rule would (seed %i)', (seed) => {
    const next = random(seed);
    const policy = randomPolicy(next);
    const outcomes = new Set<string>();
    for (let i = 0; i < 400; i++) {
      const request = randomInput(next);
      const decision = policy.evaluate(request);
      outcomes.add(decision.allowed ? 'allowed' : decision.rule ? 'denied by a rule' : 'no rule matched');
      expect({ allowed: decision.allowed, rule: decision.rule }, JSON.stringify(request)).toEqual(
        byDefinition(policy, request),
      );
    }
    expect(outcomes.size).toBe(3);
  });
});
