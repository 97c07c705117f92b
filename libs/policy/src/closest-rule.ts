/**
 * For a denial no rule caused: the allow rule that missed by the least. Ranking: the smallest failure
 * weight (see `Failure.weight`), then rules written for the person (they name an identity criterion,
 * which held) over rules for everyone, then file order. Rules for the person's own groups and rules for
 * everyone are weighed first; every other rule fails its groups criterion, so only when none of the
 * first is nearer than that are all rules weighed. Distances are counted without building messages.
 */
import type { CompiledRule } from './compiled-rule.js';
import { IDENTITY_WEIGHT } from './criteria.js';
import type { EvaluationContext } from './evaluation-context.js';
import { ruleBucket, type RuleBucket } from './rule-bucket.js';

class Closest {
  rule: CompiledRule | undefined;
  distance = Number.POSITIVE_INFINITY;
  personal = false;

  consider(rule: CompiledRule, ctx: EvaluationContext): void {
    // +1 lets a tie be counted in full, so the tie-breaks can see it.
    const distance = rule.condition.distance(ctx, this.distance + 1);
    if (distance > this.distance) return;
    const personal = rule.personal && distance < IDENTITY_WEIGHT;
    if (distance === this.distance) {
      if (this.personal && !personal) return;
      if (this.personal === personal && this.rule !== undefined && this.rule.order < rule.order) return;
    }
    this.rule = rule;
    this.distance = distance;
    this.personal = personal;
  }

  /** Nothing can rank before a personal rule one criterion away, except an earlier one. */
  get unbeatable(): boolean {
    return this.personal && this.distance <= 1;
  }
}

export class ClosestRuleFinder {
  private readonly bucket: RuleBucket;

  constructor(private readonly rules: readonly CompiledRule[]) {
    this.bucket = ruleBucket(rules);
  }

  find(ctx: EvaluationContext): CompiledRule | undefined {
    const closest = new Closest();
    // Rules for the person's groups first: they are the likely winners, and a low bound early lets the
    // distance count of every later rule stop sooner.
    for (const group of ctx.groups) {
      const rules = this.bucket.byGroup.get(group);
      if (rules !== undefined) for (const rule of rules) closest.consider(rule, ctx);
    }
    for (const rule of this.bucket.ungrouped) closest.consider(rule, ctx);
    if (closest.distance < IDENTITY_WEIGHT) return closest.rule;
    // In file order, so the scan may stop at the first unbeatable rule.
    const all = new Closest();
    for (const rule of this.rules) {
      all.consider(rule, ctx);
      if (all.unbeatable) break;
    }
    return all.rule;
  }
}
