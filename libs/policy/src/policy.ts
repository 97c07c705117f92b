/** A compiled policy: decides requests, explains decisions, maps identities, and knows the JIT roles. */
import { compileRule, type CompiledRule, type RuleEffect } from './compiled-rule.js';
import { EvaluationContext, NO_REQUEST } from './evaluation-context.js';
import { ImpersonationMapper } from './impersonation-mapper.js';
import { JitRoles } from './jit-roles.js';
import type { ActiveGrant, PolicyCluster, PolicyDecision, PolicyInput, PolicyUser } from './policy-input.js';
import type { PolicySpec } from './policy-schema.js';
import { RuleIndex } from './rule-index.js';
import { ClosestRuleFinder } from './closest-rule.js';
import { summarizeAccess } from './access-summary.js';

export interface RuleTrace {
  name: string;
  effect: RuleEffect;
  matched: boolean;
  /** Why the rule did not match, one line per criterion; empty when it matched. */
  failures: string[];
}

export interface Explanation {
  decision: PolicyDecision;
  /** Groups added by active just-in-time grants. */
  grantedGroups: string[];
  /** Every rule in file order. */
  rules: RuleTrace[];
}

function deniedBy(rule: CompiledRule): PolicyDecision {
  const reason = `denied by rule '${rule.name}'${rule.reason === undefined ? '' : `: ${rule.reason}`}`;
  return { allowed: false, rule: rule.name, reason };
}

export class Policy {
  readonly description?: string;
  readonly roles: JitRoles;
  private readonly rules: readonly CompiledRule[];
  private readonly denyIndex: RuleIndex;
  private readonly allowIndex: RuleIndex;
  private readonly mapper: ImpersonationMapper;
  private readonly closest: ClosestRuleFinder;

  constructor(spec: PolicySpec) {
    this.description = spec.description;
    this.rules = spec.rules.map(compileRule);
    const allowRules = this.rules.filter((rule) => rule.effect === 'allow');
    this.denyIndex = new RuleIndex(this.rules.filter((rule) => rule.effect === 'deny'));
    this.allowIndex = new RuleIndex(allowRules);
    this.closest = new ClosestRuleFinder(allowRules);
    this.mapper = new ImpersonationMapper(spec.impersonation);
    this.roles = new JitRoles(spec.roles ?? []);
  }

  get ruleNames(): string[] {
    return this.rules.map((rule) => rule.name);
  }

  /** Deny rules win over allow rules; with no rule matching, the request is denied. Never throws. */
  evaluate(input: PolicyInput): PolicyDecision {
    try {
      const ctx = this.context(input);
      const denied = this.denyIndex.firstMatch(ctx);
      if (denied !== undefined) return deniedBy(denied);
      const allowed = this.allowIndex.firstMatch(ctx);
      if (allowed !== undefined) return this.allow(allowed, ctx);
      return { allowed: false, reason: this.noMatchReason(ctx) };
    } catch (error) {
      return {
        allowed: false,
        reason: `policy evaluation failed: ${(error as Error).message ?? String(error)}`,
      };
    }
  }

  /** The decision plus every rule's outcome, for `tether policy explain`. Slower than `evaluate`. */
  explain(input: PolicyInput): Explanation {
    const decision = this.evaluate(input);
    let ctx: EvaluationContext;
    try {
      ctx = this.context(input);
    } catch {
      return { decision, grantedGroups: [], rules: [] };
    }
    return {
      decision,
      grantedGroups: [...ctx.grantedGroups],
      rules: this.rules.map((rule) => {
        const failures = rule.condition.failures(ctx).map((failure) => failure.message);
        return { name: rule.name, effect: rule.effect, matched: failures.length === 0, failures };
      }),
    };
  }

  /**
   * One readable line of what `user` may do on `cluster`: the allow rules whose identity and cluster
   * criteria hold, each with what it still requires of a request (`tether kube ls`).
   */
  summarize(
    user: PolicyUser,
    cluster: PolicyCluster,
    grants: readonly ActiveGrant[] = [],
    now: Date = new Date(),
  ): string {
    return summarizeAccess(this.rules, this.context({ user, cluster, request: NO_REQUEST, now, grants }));
  }

  /** The groups `grants` add for `user` on `cluster` at `now`. */
  grantedGroups(
    user: PolicyUser,
    cluster: PolicyCluster,
    grants: readonly ActiveGrant[],
    now: Date,
  ): string[] {
    const ctx = this.context({ user, cluster, request: NO_REQUEST, now, grants });
    return [...ctx.grantedGroups];
  }

  private context(input: PolicyInput): EvaluationContext {
    const ctx = new EvaluationContext(input);
    if (input.grants !== undefined && input.grants.length > 0)
      ctx.grant(this.roles.grantedGroups(input.grants, ctx));
    return ctx;
  }

  private allow(rule: CompiledRule, ctx: EvaluationContext): PolicyDecision {
    const identity = this.mapper.map(ctx);
    if (typeof identity === 'string') {
      return { allowed: false, rule: rule.name, reason: `allowed by rule '${rule.name}', but ${identity}` };
    }
    return { allowed: true, rule: rule.name, impersonate: identity };
  }

  private noMatchReason(ctx: EvaluationContext): string {
    const closest = this.closest.find(ctx);
    if (closest === undefined) return 'no allow rule matched (the policy has no allow rules)';
    const why = closest.condition
      .failures(ctx)
      .map((failure) => failure.message)
      .join('; ');
    return `no allow rule matched; closest: '${closest.name}' (${why})`;
  }
}
