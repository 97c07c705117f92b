/**
 * Policy decisions per second on one core: a generated 500-rule policy against varied requests, next to
 * the same rules written by hand as an `if` chain. Bar: at least 200,000 decisions/s.
 *   npx tsx --conditions=source bench/policy/evaluate.bench.ts [million decisions per row, default 2] [rounds, default 3]
 */
import { performance } from 'node:perf_hooks';
import { parsePolicy, type Policy, type PolicyDecision } from '@tether/policy';
import { handWrittenAuthorizer, type BaselineDecision } from './hand-written-authorizer';
import { policyYaml } from './policy-yaml';
import { effectOf, ruleModels } from './policy-world';
import { workload, type BenchInput } from './workload';

const millions = Number(process.argv[2] ?? 2);
const rounds = Number(process.argv[3] ?? 3);
const total = Math.round(millions * 1_000_000);

type Decide = (input: BenchInput) => PolicyDecision | BaselineDecision;

/** Runs `decide` over `inputs` (cycled) `total` times; returns decisions per second. */
function measure(decide: Decide, inputs: readonly BenchInput[]): number {
  let allowed = 0;
  const start = performance.now();
  for (let i = 0, j = 0; i < total; i++, j = j + 1 === inputs.length ? 0 : j + 1) {
    if (decide(inputs[j]).allowed) allowed++;
  }
  const seconds = (performance.now() - start) / 1000;
  if (allowed < 0) console.log(allowed); // keeps the loop's result alive
  return total / seconds;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Both authorizers must agree on every input, or the comparison is meaningless. */
function checkAgreement(policy: Policy, baseline: Decide, inputs: readonly BenchInput[]): void {
  for (const input of inputs) {
    const a = policy.evaluate(input);
    const b = baseline(input);
    if (a.allowed !== b.allowed || a.rule !== b.rule) {
      throw new Error(
        `disagreement on ${JSON.stringify(input)}: policy ${JSON.stringify(a)}, baseline ${JSON.stringify(b)}`,
      );
    }
  }
}

function main(): void {
  const models = ruleModels();
  const yaml = policyYaml(models);
  const loadStart = performance.now();
  const policy = parsePolicy(yaml);
  const loadMs = performance.now() - loadStart;
  const baseline = handWrittenAuthorizer(models);
  const inputs = workload(20_000);
  checkAgreement(policy, baseline, inputs);

  const decisions = inputs.map((input) => policy.evaluate(input));
  const allowedInputs = inputs.filter((_, i) => decisions[i].allowed);
  const deniedByRule = inputs.filter((_, i) => !decisions[i].allowed && decisions[i].rule !== undefined);
  const deniedNoMatch = inputs.filter((_, i) => !decisions[i].allowed && decisions[i].rule === undefined);
  const evaluate: Decide = (input) => policy.evaluate(input);

  // The floor: no rule logic at all, only the decision a caller gets back (same shape, same copies).
  const floor: Decide = (input) => {
    const groups: string[] = [];
    for (const group of input.user.groups) groups.push(`oidc:${group}`);
    return { allowed: true, rule: 'floor', impersonate: { user: input.user.email ?? '', groups, extra: {} } };
  };
  const rows: [string, Decide, readonly BenchInput[]][] = [
    ['baseline: hand-written if chain, mixed', baseline, inputs],
    ['floor: build the decision only, no rules', floor, inputs],
    ['policy.evaluate, mixed', evaluate, inputs],
    ['policy.evaluate, allowed only', evaluate, allowedInputs],
    ['policy.evaluate, denied by a rule', evaluate, deniedByRule],
    ['policy.evaluate, no rule matched (explained)', evaluate, deniedNoMatch],
  ];
  const results = rows.map(() => [] as number[]);
  for (let round = 0; round < rounds; round++) {
    rows.forEach(([, decide, set], i) => results[i].push(measure(decide, set)));
  }

  const denyRules = models.filter((m) => effectOf(m) === 'deny').length;
  console.log(
    `policy: ${models.length} rules (${denyRules} deny, ${models.length - denyRules} allow), ${yaml.split('\n').length} lines of YAML, parsed and compiled in ${loadMs.toFixed(1)} ms`,
  );
  console.log(
    `workload: ${inputs.length} distinct requests (${allowedInputs.length} allowed, ${deniedByRule.length} denied by a rule, ${deniedNoMatch.length} matched no rule); ${millions} M decisions per row, median of ${rounds}; node ${process.version}`,
  );
  const base = median(results[0]);
  const table = rows.map(([label], i) => {
    const rate = median(results[i]);
    return [
      label,
      Math.round(rate).toLocaleString('en-US'),
      (1e9 / rate).toFixed(0),
      `${(rate / base).toFixed(2)}×`,
    ];
  });
  const header = ['row', 'decisions/s', 'ns/decision', 'vs baseline'];
  const widths = header.map((h, c) => Math.max(h.length, ...table.map((r) => r[c].length)));
  const line = (cells: string[]) =>
    `| ${cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join(' | ')} |`;
  console.log(line(header));
  console.log(`| ${widths.map((w, c) => (c === 0 ? '-'.repeat(w) : `${'-'.repeat(w - 1)}:`)).join(' | ')} |`);
  for (const row of table) console.log(line(row));
  const mixed = median(results[1]);
  console.log(`bar: ≥ 200,000 decisions/s mixed — ${mixed >= 200_000 ? 'met' : 'NOT met'}`);
}

main();
