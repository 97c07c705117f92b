import type { ConditionNode } from './condition-node.js';
import { allOf } from './condition-node.js';
import { compileParts, type ConditionPart } from './condition.js';
import { IDENTITY_CRITERIA } from './criteria.js';
import type { RuleSpec } from './policy-schema.js';

const IDENTITY = new Set<string>(IDENTITY_CRITERIA);

export type RuleEffect = 'allow' | 'deny';

/**
 * A rule ready to evaluate. Its top-level cluster criteria, exact verbs and exact groups are split off so
 * the index can settle them by lookup; `residual` is what is left to test per request.
 */
export interface CompiledRule {
  /** Position in the file; the first matching rule in file order is the one a decision names. */
  readonly order: number;
  readonly name: string;
  readonly effect: RuleEffect;
  readonly reason?: string;
  /** The whole condition, for explanations. */
  readonly condition: ConditionNode;
  /** The condition's top-level parts, for access summaries. */
  readonly parts: readonly ConditionPart[];
  /** Cluster criteria without references: they depend on the cluster alone. */
  readonly clusterParts: readonly ConditionPart[];
  /** The verbs this rule can match, when its condition names them exactly; undefined means any verb. */
  readonly verbs?: readonly string[];
  /** The groups one of which a person needs, when the condition names them exactly; undefined means any. */
  readonly groups?: readonly string[];
  /** Whether the rule is written for particular people (names an identity criterion at its top level). */
  readonly personal: boolean;
  readonly residual: ConditionNode;
}

function isClusterPart(part: ConditionPart): boolean {
  return (
    (part.criterion === 'cluster' || part.criterion === 'clusterLabels') && part.matcher?.isStatic === true
  );
}

function exactValues(part: ConditionPart | undefined): readonly string[] | undefined {
  return part?.matcher?.exactValues;
}

export function compileRule(spec: RuleSpec, order: number): CompiledRule {
  const effect: RuleEffect = spec.deny !== undefined ? 'deny' : 'allow';
  const parts = compileParts(spec.deny ?? spec.allow ?? {});
  const clusterParts = parts.filter(isClusterPart);
  const verbPart = parts.find((part) => part.criterion === 'verb' && exactValues(part) !== undefined);
  const groupPart = parts.find((part) => part.criterion === 'groups' && exactValues(part) !== undefined);
  // What the index settles is left out of the per-request test.
  const settled = new Set<ConditionPart | undefined>([...clusterParts, verbPart, groupPart]);
  return {
    order,
    name: spec.name,
    effect,
    reason: spec.reason,
    condition: allOf(parts),
    parts,
    clusterParts,
    verbs: exactValues(verbPart),
    groups: exactValues(groupPart),
    personal: parts.some((part) => part.criterion !== undefined && IDENTITY.has(part.criterion)),
    residual: allOf(parts.filter((part) => !settled.has(part))),
  };
}
