/**
 * Finds the first matching rule without testing every rule: rules are narrowed once per cluster (a
 * registry holds tens to hundreds), then by verb, then by the person's groups (see rule-bucket.ts).
 */
import type { CompiledRule } from './compiled-rule.js';
import type { EvaluationContext } from './evaluation-context.js';
import { firstMatch, ruleBucket, type RuleBucket } from './rule-bucket.js';

interface ClusterEntry {
  /** The labels object last seen for this cluster: callers that keep their cluster objects skip the compare. */
  labelsSeen: Readonly<Record<string, string>>;
  labels: Readonly<Record<string, string>>;
  byVerb: Map<string, RuleBucket>;
  /** Rules for verbs no rule names exactly. */
  otherVerbs: RuleBucket;
}

// Clusters come from the broker's registry, but an unbounded cache keyed by caller data is a leak waiting
// to happen; past this many clusters the cache starts over.
const MAX_CLUSTERS = 4096;

function sameLabels(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  let count = 0;
  for (const key in b) {
    if (!Object.hasOwn(b, key)) continue;
    if (!Object.hasOwn(a, key) || a[key] !== b[key]) return false;
    count++;
  }
  for (const key in a) if (Object.hasOwn(a, key)) count--;
  return count === 0;
}

export class RuleIndex {
  private readonly clusters = new Map<string, ClusterEntry>();

  constructor(private readonly rules: readonly CompiledRule[]) {}

  /** The first rule in file order that matches, if any. */
  firstMatch(ctx: EvaluationContext): CompiledRule | undefined {
    let entry = this.clusters.get(ctx.cluster.name);
    if (entry === undefined) entry = this.build(ctx);
    else if (entry.labelsSeen !== ctx.cluster.labels) {
      if (sameLabels(entry.labels, ctx.cluster.labels)) entry.labelsSeen = ctx.cluster.labels;
      else entry = this.build(ctx);
    }
    return firstMatch(entry.byVerb.get(ctx.request.verb) ?? entry.otherVerbs, ctx);
  }

  private build(ctx: EvaluationContext): ClusterEntry {
    // clusterParts have no references, so they read nothing but ctx.cluster.
    const forCluster = this.rules.filter((rule) => rule.clusterParts.every((part) => part.test(ctx)));
    const byVerb = new Map<string, RuleBucket>();
    for (const rule of forCluster) {
      for (const verb of rule.verbs ?? []) {
        if (byVerb.has(verb)) continue;
        byVerb.set(
          verb,
          ruleBucket(forCluster.filter((r) => r.verbs === undefined || r.verbs.includes(verb))),
        );
      }
    }
    const entry: ClusterEntry = {
      labelsSeen: ctx.cluster.labels,
      labels: { ...ctx.cluster.labels },
      byVerb,
      otherVerbs: ruleBucket(forCluster.filter((rule) => rule.verbs === undefined)),
    };
    if (this.clusters.size >= MAX_CLUSTERS) this.clusters.clear();
    this.clusters.set(ctx.cluster.name, entry);
    return entry;
  }
}
