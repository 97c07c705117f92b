/** Compiles a condition (criteria plus and/or/not/nor) into closures. */
import { allOf, anyOf, negation, noneOf, type ConditionNode } from './condition-node.js';
import {
  claimCriterion,
  clusterCriterion,
  clusterLabelCriterion,
  emailCriterion,
  emailDomainCriterion,
  groupsCriterion,
  requestCriterion,
  timeCriterion,
  userCriterion,
  REQUEST_CRITERIA,
  type CriterionNode,
} from './criteria.js';
import type { MatcherSpec } from './string-matcher.js';
import type { TimeWindowSpec } from './time-window.js';

/** A condition as the schema hands it over: every key present must hold. */
export interface ConditionSpec {
  user?: MatcherSpec;
  email?: MatcherSpec;
  emailDomain?: MatcherSpec;
  groups?: MatcherSpec;
  claims?: Record<string, MatcherSpec>;
  cluster?: MatcherSpec;
  clusterLabels?: Record<string, MatcherSpec>;
  namespace?: MatcherSpec;
  verb?: MatcherSpec;
  apiGroup?: MatcherSpec;
  resource?: MatcherSpec;
  subresource?: MatcherSpec;
  resourceName?: MatcherSpec;
  path?: MatcherSpec;
  time?: TimeWindowSpec;
  and?: ConditionSpec[];
  or?: ConditionSpec[];
  not?: ConditionSpec;
  nor?: ConditionSpec[];
}

/** A top-level piece of a condition; leaves keep their criterion and matcher for the rule index. */
export type ConditionPart = ConditionNode & Partial<Pick<CriterionNode, 'criterion' | 'matcher'>>;

// Cheap, selective checks first: request fields are one comparison, time windows may ask Intl.
function cost(part: ConditionPart): number {
  switch (part.criterion) {
    case 'cluster':
    case 'clusterLabels':
      return 0;
    case undefined:
      return 4;
    case 'user':
    case 'email':
    case 'emailDomain':
      return 2;
    case 'groups':
    case 'claims':
      return 3;
    case 'time':
      return 5;
    default:
      return 1;
  }
}

/** The top-level parts of a condition, cheapest first; the rule index looks at them one by one. */
export function compileParts(spec: ConditionSpec): ConditionPart[] {
  const parts: ConditionPart[] = [];
  if (spec.user) parts.push(userCriterion(spec.user));
  if (spec.email) parts.push(emailCriterion(spec.email));
  if (spec.emailDomain) parts.push(emailDomainCriterion(spec.emailDomain));
  if (spec.groups) parts.push(groupsCriterion(spec.groups));
  for (const [name, matcher] of Object.entries(spec.claims ?? {})) parts.push(claimCriterion(name, matcher));
  if (spec.cluster) parts.push(clusterCriterion(spec.cluster));
  for (const [key, matcher] of Object.entries(spec.clusterLabels ?? {})) {
    parts.push(clusterLabelCriterion(key, matcher));
  }
  for (const criterion of REQUEST_CRITERIA) {
    const matcher = spec[criterion];
    if (matcher) parts.push(requestCriterion(criterion, matcher));
  }
  if (spec.time) parts.push(timeCriterion(spec.time));
  if (spec.and) parts.push(allOf(spec.and.map(compileCondition)));
  if (spec.or) parts.push(anyOf(spec.or.map(compileCondition)));
  if (spec.not) parts.push(negation(compileCondition(spec.not)));
  if (spec.nor) parts.push(noneOf(spec.nor.map(compileCondition)));
  return parts.sort((a, b) => cost(a) - cost(b));
}

export function compileCondition(spec: ConditionSpec): ConditionNode {
  const parts = compileParts(spec);
  const node = allOf(parts);
  return parts.length > 1 ? { ...node, description: `(${node.description})` } : node;
}
