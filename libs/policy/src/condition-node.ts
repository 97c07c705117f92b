import type { EvaluationContext } from './evaluation-context.js';

/**
 * A criterion that does not hold. `weight` ranks how far a rule is from matching: a rule written for other
 * people (identity failed) is further away than one that only missed the verb.
 */
export interface Failure {
  message: string;
  weight: number;
}

/** A compiled piece of a rule's condition. `test` is the hot path; `failures` only runs to explain a denial. */
export interface ConditionNode {
  test(ctx: EvaluationContext): boolean;
  /** One entry per criterion that does not hold (empty when the condition holds). */
  failures(ctx: EvaluationContext): Failure[];
  /**
   * The total weight of `failures` without building them, to find the closest rule cheaply; may stop
   * counting and return any value ≥ `limit` once the sum reaches it.
   */
  distance(ctx: EvaluationContext, limit: number): number;
  /** What a failure of this node costs at most, when known (leaves); orders distance counting. */
  readonly weight?: number;
  /** Reads as a statement that is true when the condition holds: `verb in [get, list]`. */
  readonly description: string;
  /** Whether the condition reads only the identity and the cluster (not the request or the clock). */
  readonly settled: boolean;
  /**
   * Whether some request at some time could meet the condition for this identity on this cluster:
   * judged on the settled parts, the others assumed to hold (for access summaries, not decisions).
   */
  mayHold(ctx: EvaluationContext): boolean;
}

export const ALWAYS: ConditionNode = {
  test: () => true,
  failures: () => [],
  distance: () => 0,
  description: 'always',
  settled: true,
  mayHold: () => true,
};

export function totalWeight(failures: readonly Failure[]): number {
  let total = 0;
  for (const failure of failures) total += failure.weight;
  return total;
}

export function allOf(nodes: readonly ConditionNode[]): ConditionNode {
  if (nodes.length === 0) return ALWAYS;
  if (nodes.length === 1) return nodes[0];
  const tests = nodes.map((node) => node.test);
  const description = nodes.map((node) => node.description).join(' and ');
  const settled = nodes.every((node) => node.settled);
  const mayHold = (ctx: EvaluationContext) => nodes.every((node) => node.mayHold(ctx));
  const failures = (ctx: EvaluationContext) => nodes.flatMap((node) => node.failures(ctx));
  // Heaviest first, so a rule for other people reaches the limit on its first criterion.
  const heaviestFirst = [...nodes].sort((a, b) => (b.weight ?? 1) - (a.weight ?? 1));
  const distance = (ctx: EvaluationContext, limit: number) => {
    let total = 0;
    for (const node of heaviestFirst) {
      total += node.distance(ctx, limit - total);
      if (total >= limit) break;
    }
    return total;
  };
  if (tests.length === 2) {
    const [first, second] = tests;
    return { test: (ctx) => first(ctx) && second(ctx), failures, distance, description, settled, mayHold };
  }
  return {
    test(ctx) {
      for (const test of tests) if (!test(ctx)) return false;
      return true;
    },
    failures,
    distance,
    description,
    settled,
    mayHold,
  };
}

export function anyOf(nodes: readonly ConditionNode[]): ConditionNode {
  const tests = nodes.map((node) => node.test);
  return {
    test(ctx) {
      for (const test of tests) if (test(ctx)) return true;
      return false;
    },
    failures(ctx) {
      let closest: Failure[] = [];
      let closestWeight = Number.POSITIVE_INFINITY;
      for (const node of nodes) {
        const failures = node.failures(ctx);
        if (failures.length === 0) return [];
        const weight = totalWeight(failures);
        if (weight < closestWeight) [closest, closestWeight] = [failures, weight];
      }
      return closest;
    },
    distance(ctx, limit) {
      let best = limit;
      for (const node of nodes) best = Math.min(best, node.distance(ctx, best));
      return best;
    },
    description: `(${nodes.map((node) => node.description).join(' or ')})`,
    settled: nodes.every((node) => node.settled),
    mayHold: (ctx) => nodes.some((node) => node.mayHold(ctx)),
  };
}

export function negation(node: ConditionNode): ConditionNode {
  const inner = node.test;
  return {
    test: (ctx) => !inner(ctx),
    failures: (ctx) => (inner(ctx) ? [{ message: `${node.description} (excluded by not)`, weight: 1 }] : []),
    distance: (ctx) => (inner(ctx) ? 1 : 0),
    description: `not (${node.description})`,
    settled: node.settled,
    mayHold: (ctx) => !node.settled || !inner(ctx),
  };
}

export function noneOf(nodes: readonly ConditionNode[]): ConditionNode {
  const tests = nodes.map((node) => node.test);
  return {
    test(ctx) {
      for (const test of tests) if (test(ctx)) return false;
      return true;
    },
    failures: (ctx) =>
      nodes
        .filter((node) => node.test(ctx))
        .map((node) => ({ message: `${node.description} (excluded by nor)`, weight: 1 })),
    distance(ctx) {
      let matched = 0;
      for (const test of tests) if (test(ctx)) matched++;
      return matched;
    },
    description: `nor (${nodes.map((node) => node.description).join(', ')})`,
    settled: nodes.every((node) => node.settled),
    mayHold: (ctx) => nodes.every((node) => !node.settled || !node.test(ctx)),
  };
}
