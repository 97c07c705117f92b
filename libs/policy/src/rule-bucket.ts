/**
 * Rules keyed by the groups they require. A person has a handful of groups and most rules name one, so
 * looking up their groups finds the few rules written for them instead of testing every rule.
 */
import type { CompiledRule } from './compiled-rule.js';
import type { EvaluationContext } from './evaluation-context.js';

export interface RuleBucket {
  /** Rules without an exact groups criterion, in file order. */
  readonly ungrouped: readonly CompiledRule[];
  /** For each group, the rules that require it (or one of several including it), in file order. */
  readonly byGroup: ReadonlyMap<string, readonly CompiledRule[]>;
}

export function ruleBucket(rules: readonly CompiledRule[]): RuleBucket {
  const byGroup = new Map<string, CompiledRule[]>();
  const ungrouped: CompiledRule[] = [];
  for (const rule of rules) {
    if (rule.groups === undefined) {
      ungrouped.push(rule);
      continue;
    }
    for (const group of rule.groups) {
      const list = byGroup.get(group);
      if (list === undefined) byGroup.set(group, [rule]);
      else list.push(rule);
    }
  }
  return { ungrouped, byGroup };
}

/** The first rule in file order whose residual condition holds (the index has settled the rest). */
export function firstMatch(bucket: RuleBucket, ctx: EvaluationContext): CompiledRule | undefined {
  let best: CompiledRule | undefined;
  for (const rule of bucket.ungrouped) {
    if (rule.residual.test(ctx)) {
      best = rule;
      break;
    }
  }
  if (bucket.byGroup.size === 0) return best;
  for (const group of ctx.groups) {
    const rules = bucket.byGroup.get(group);
    if (rules === undefined) continue;
    for (const rule of rules) {
      if (best !== undefined && rule.order >= best.order) break;
      if (rule.residual.test(ctx)) {
        best = rule;
        break;
      }
    }
  }
  return best;
}
